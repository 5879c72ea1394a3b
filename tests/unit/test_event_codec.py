import json
import typing
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.postgres.event_codec import (
    MAX_PAYLOAD_BYTES,
    PayloadTooLarge,
    UndecodableEvent,
    decode,
    encode,
    event_classes,
)
from domain.events import DomainEvent, ItemUpdated, StockAdjusted
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
    }


@pytest.mark.parametrize("cls", sorted(event_classes().values(), key=lambda c: c.name))
def test_every_event_survives_the_trip_and_stays_far_under_the_notify_limit(
    cls: type[DomainEvent],
) -> None:
    event = largest_instance(cls)

    text = encode(event, origin="host:1:abc")

    assert decode(text) == ("host:1:abc", event)
    assert len(text.encode()) < MAX_PAYLOAD_BYTES // 4


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

    _origin, back = decode(encode(event, "p"))

    assert back == event
    assert back.payload() == event.payload()


def test_an_oversized_event_is_refused_rather_than_cut() -> None:
    event = ItemUpdated(
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        item_id=uuid4(),
        sku="A-1",
        version=2,
        changed=tuple("n" * 100 for _ in range(100)),
    )

    with pytest.raises(PayloadTooLarge):
        encode(event, "p")


def _envelope(**event: object) -> str:
    return json.dumps({"origin": "p", "event": event})


GOOD = {
    "type": "item.deleted",
    "occurred_at": "2026-01-01T00:00:00+00:00",
    "actor_id": None,
    "item_id": str(uuid4()),
    "sku": "A-1",
    "version": 4,
}


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"event": GOOD}),
        _envelope(**{**GOOD, "type": "item.teleported"}),
        _envelope(**{key: value for key, value in GOOD.items() if key != "version"}),
        _envelope(**{**GOOD, "version": "4"}),
        _envelope(**{**GOOD, "version": True}),
        _envelope(**{**GOOD, "item_id": "not-a-uuid"}),
        _envelope(**{**GOOD, "item_id": 7}),
        _envelope(**{**GOOD, "occurred_at": "yesterday"}),
        _envelope(**{**GOOD, "type": "item.updated", "changed": "name"}),
    ],
)
def test_anything_else_is_undecodable(text: str) -> None:
    with pytest.raises(UndecodableEvent):
        decode(text)


def test_the_good_envelope_itself_decodes() -> None:
    assert decode(_envelope(**GOOD))[1].payload() == GOOD
