import json
import typing
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.postgres.event_codec import UndecodableEvent, event_classes, rebuild
from application.outbox import outbox_entry
from domain.events import DomainEvent, StockAdjusted
from domain.locations import MAIN_LOCATION_ID

LONGEST_SKU = "X" * 64
EVERY_FIELD_NAME = tuple(f"field_{number:02d}" for number in range(40))


def _largest(hint: object) -> object:
    """The largest value a field of this type takes in practice (for the size bound)."""
    if hint in (UUID, UUID | None):
        return uuid4()
    if hint is datetime:
        return datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    if hint is int:
        return -1_000_000_000_000
    if hint is str:
        return LONGEST_SKU
    if hint is Decimal:
        return Decimal("-999999999999.99")
    if hint == tuple[str, ...]:
        return EVERY_FIELD_NAME
    raise AssertionError(f"no sample for {hint}: teach the codec test about this field type")


def largest_instance(cls: type[DomainEvent]) -> DomainEvent:
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _largest(hints[f.name]) for f in fields(cls)})


def test_every_event_class_is_known() -> None:
    assert set(event_classes()) >= {
        "item.created",
        "item.updated",
        "item.deleted",
        "stock.adjusted",
        "stock.low",
        "user.access_revoked",
        "stock.transferred",
        "location.changed",
    }


@pytest.mark.parametrize("cls", sorted(event_classes().values(), key=lambda c: c.name))
def test_every_event_comes_back_from_its_outbox_json(cls: type[DomainEvent]) -> None:
    event = largest_instance(cls)

    assert rebuild(json.loads(outbox_entry(event).payload)) == event


def test_an_event_without_an_actor_comes_back_without_one() -> None:
    event = StockAdjusted(
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        item_id=uuid4(),
        sku="A-1",
        version=3,
        delta=-2,
        reason="sale",
        quantity=5,
        location_id=MAIN_LOCATION_ID,
        location_quantity=5,
    )

    back = rebuild(event.payload())

    assert back == event
    assert back.payload() == event.payload()


GOOD = {
    "type": "item.deleted",
    "occurred_at": "2026-01-01T00:00:00+00:00",
    "actor_id": None,
    "item_id": str(uuid4()),
    "sku": "A-1",
    "version": 4,
}


@pytest.mark.parametrize(
    "payload",
    [
        {key: value for key, value in GOOD.items() if key != "type"},
        {**GOOD, "type": "item.teleported"},
        {**GOOD, "type": ["item.deleted"]},
        {key: value for key, value in GOOD.items() if key != "version"},
        {**GOOD, "version": "4"},
        {**GOOD, "version": True},
        {**GOOD, "item_id": "not-a-uuid"},
        {**GOOD, "item_id": 7},
        {**GOOD, "occurred_at": "yesterday"},
        {**GOOD, "type": "item.updated", "changed": "name"},
    ],
)
def test_anything_else_is_undecodable(payload: dict[str, object]) -> None:
    with pytest.raises(UndecodableEvent):
        rebuild(payload)


def test_the_good_payload_itself_comes_back() -> None:
    assert rebuild(GOOD).payload() == GOOD
