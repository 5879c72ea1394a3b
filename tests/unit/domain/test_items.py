"""The item aggregate and its ledger: quantity only moves through movements, never below zero."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.errors import InsufficientStock, InvalidValue, VersionMismatch
from domain.events import ItemCreated, ItemDeleted, ItemUpdated, LowStockReached, StockAdjusted
from domain.items import (
    DESCRIPTION_MAX,
    NAME_MAX,
    NOTE_MAX,
    Item,
    ItemDetails,
    ItemImage,
    MovementReason,
)
from domain.values import MAX_QUANTITY, Money, Sku, TaxRate

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
ACTOR = UUID("00000000-0000-0000-0000-000000000001")


def details(**overrides: object) -> ItemDetails:
    values: dict[str, object] = {"sku": "w-1", "name": "Widget", "unit_price": "9.99"}
    values.update(overrides)
    return ItemDetails.parse(**values)  # type: ignore[arg-type]


def new_item(quantity: int = 0, **overrides: object) -> Item:
    item = Item.create(details(**overrides), quantity=quantity, at=T0, by=ACTOR)
    item.events.clear()
    item.new_movements.clear()
    return item


def snapshot(item: Item) -> tuple[object, ...]:
    return (
        item.quantity,
        item.version,
        item.updated_at,
        list(item.events),
        list(item.new_movements),
        item.details,
        item.image,
    )


# -- details ---------------------------------------------------------------------------------


def test_details_are_normalised() -> None:
    parsed = details(sku=" abc ", name="  Blue  ", description="  ", tax_rate="20", reorder_level=3)
    assert parsed.sku == Sku("ABC")
    assert parsed.name == "Blue"
    assert parsed.description is None
    assert parsed.tax_rate == TaxRate(Decimal("20.00"))
    assert parsed.unit_price == Money(Decimal("9.99"))
    assert parsed.reorder_level == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "1.999"}, "unit_price"),
        ({"unit_price": 1.5}, "unit_price"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * (NAME_MAX + 1)}, "name"),
        ({"name": "nul\x00"}, "name"),
        ({"description": "x" * (DESCRIPTION_MAX + 1)}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"sku": "bad sku"}, "sku"),
        ({"sku": ""}, "sku"),
        ({"reorder_level": -1}, "reorder_level"),
        ({"reorder_level": "1"}, "reorder_level"),
        ({"tax_rate": "-1"}, "tax_rate"),
        ({"tax_rate": "12.345"}, "tax_rate"),
    ],
)
def test_bad_details_are_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        details(**overrides)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}: ")


def test_limits_are_inclusive() -> None:
    parsed = details(name="n" * NAME_MAX, description="d" * DESCRIPTION_MAX)
    assert len(parsed.name) == NAME_MAX
    assert parsed.description is not None
    assert len(parsed.description) == DESCRIPTION_MAX


# -- create ----------------------------------------------------------------------------------


def test_create_with_initial_quantity_records_one_received_movement() -> None:
    item = Item.create(details(), quantity=7, at=T0, by=ACTOR)
    assert item.quantity == 7
    assert item.version == 1
    assert item.created_at == item.updated_at == T0
    [movement] = item.new_movements
    assert movement.reason is MovementReason.RECEIVED
    assert movement.delta == 7
    assert movement.quantity_after == 7
    assert movement.actor_id == ACTOR
    assert movement.item_id == item.id
    assert movement.occurred_at == T0
    [event] = item.events
    assert isinstance(event, ItemCreated)
    assert (event.item_id, event.sku, event.version, event.quantity) == (item.id, "W-1", 1, 7)


def test_create_without_quantity_records_no_movement() -> None:
    item = Item.create(details(), at=T0, by=None, item_id=ACTOR)
    assert item.id == ACTOR
    assert item.quantity == 0
    assert item.new_movements == []
    assert [type(e) for e in item.events] == [ItemCreated]


@pytest.mark.parametrize("quantity", [-1, MAX_QUANTITY + 1, True, 1.0])
def test_create_refuses_bad_quantities(quantity: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        Item.create(details(), quantity=quantity, at=T0, by=ACTOR)  # type: ignore[arg-type]
    assert caught.value.field == "quantity"


def test_price_with_tax_and_low_stock_are_derived() -> None:
    item = new_item(quantity=5, unit_price="10.00", tax_rate="20", reorder_level=5)
    assert item.price_with_tax == Money(Decimal("12.00"))
    assert item.low_stock
    item.adjust(1, "received", at=T1, by=ACTOR)
    assert not item.low_stock
    assert new_item(unit_price="3.00").price_with_tax == Money(Decimal("3.00"))


# -- adjust ----------------------------------------------------------------------------------


def test_adjust_records_a_movement_and_bumps_the_version() -> None:
    item = new_item(quantity=10)
    movement = item.adjust(-3, "sold", at=T1, by=ACTOR, note=" order ", reference="SO-1")
    assert item.quantity == 7
    assert item.version == 2
    assert item.updated_at == T1
    assert movement.delta == -3
    assert movement.reason is MovementReason.SOLD
    assert movement.quantity_after == 7
    assert movement.note == "order"
    assert movement.reference == "SO-1"
    assert item.new_movements == [movement]
    [event] = item.events
    assert isinstance(event, StockAdjusted)
    assert (event.delta, event.reason, event.quantity, event.version) == (-3, "sold", 7, 2)


@pytest.mark.parametrize(("start", "delta"), [(0, -1), (5, -6), (5, -MAX_QUANTITY)])
def test_adjust_below_zero_is_refused_and_changes_nothing(start: int, delta: int) -> None:
    item = new_item(quantity=start)
    before = snapshot(item)
    with pytest.raises(InsufficientStock) as caught:
        item.adjust(delta, "sold", at=T1, by=ACTOR)
    assert caught.value.available == start
    assert caught.value.requested == -delta
    assert caught.value.code == "insufficient_stock"
    assert caught.value.details["sku"] == "W-1"
    assert str(start) in caught.value.message
    assert snapshot(item) == before


def test_adjust_to_exactly_zero_is_allowed() -> None:
    item = new_item(quantity=4)
    item.adjust(-4, "damaged", at=T1, by=None)
    assert item.quantity == 0


@pytest.mark.parametrize(
    ("delta", "reason", "field"),
    [
        (0, "received", "delta"),
        (True, "received", "delta"),
        (1.0, "received", "delta"),
        ("1", "received", "delta"),
        (MAX_QUANTITY + 1, "received", "delta"),
        (1, "count", "reason"),
        (1, "stolen", "reason"),
        (1, "", "reason"),
    ],
)
def test_adjust_refuses_bad_input_and_changes_nothing(
    delta: object, reason: str, field: str
) -> None:
    item = new_item(quantity=3)
    before = snapshot(item)
    with pytest.raises(InvalidValue) as caught:
        item.adjust(delta, reason, at=T1, by=ACTOR)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert snapshot(item) == before


def test_adjust_refuses_a_quantity_over_the_maximum() -> None:
    item = new_item(quantity=MAX_QUANTITY)
    before = snapshot(item)
    with pytest.raises(InvalidValue, match="exceed"):
        item.adjust(1, "received", at=T1, by=ACTOR)
    assert snapshot(item) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"note": "x" * (NOTE_MAX + 1)}, "note"), ({"reference": "r\x00"}, "reference")],
)
def test_adjust_refuses_bad_notes(kwargs: dict[str, str], field: str) -> None:
    item = new_item(quantity=3)
    before = snapshot(item)
    with pytest.raises(InvalidValue) as caught:
        item.adjust(1, "received", at=T1, by=ACTOR, **kwargs)
    assert caught.value.field == field
    assert snapshot(item) == before


def test_movement_reason_accepts_every_reason_by_value() -> None:
    for reason in MovementReason:
        assert MovementReason.parse(reason.value) is reason
        assert MovementReason.parse(reason) is reason


def test_updated_at_never_moves_backwards() -> None:
    item = new_item(quantity=1)
    item.adjust(1, "received", at=T0 - timedelta(hours=1), by=ACTOR)
    assert item.updated_at == T0


# -- count -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "counted"), [(10, 4), (4, 10), (0, 3), (3, 0)])
def test_count_records_the_difference(start: int, counted: int) -> None:
    item = new_item(quantity=start)
    movement = item.count(counted, at=T1, by=ACTOR, note="shelf")
    assert movement is not None
    assert movement.reason is MovementReason.COUNT
    assert movement.delta == counted - start
    assert movement.quantity_after == counted
    assert movement.note == "shelf"
    assert item.quantity == counted
    assert item.version == 2
    assert isinstance(item.events[0], StockAdjusted)
    assert item.events[0].reason == "count"


def test_count_of_the_same_quantity_records_nothing() -> None:
    item = new_item(quantity=5)
    before = snapshot(item)
    assert item.count(5, at=T1, by=ACTOR) is None
    assert snapshot(item) == before


@pytest.mark.parametrize("quantity", [-1, MAX_QUANTITY + 1, None, "5"])
def test_count_refuses_bad_quantities(quantity: object) -> None:
    item = new_item(quantity=5)
    before = snapshot(item)
    with pytest.raises(InvalidValue):
        item.count(quantity, at=T1, by=ACTOR)  # type: ignore[arg-type]
    assert snapshot(item) == before


# -- update ----------------------------------------------------------------------------------


def test_update_returns_the_changed_fields_and_bumps_the_version() -> None:
    item = new_item(quantity=10, description="old")
    changed = item.update(details(name="Gadget", description=None, tax_rate="5"), at=T1, by=ACTOR)
    assert changed == ("name", "description", "tax_rate")
    assert item.name == "Gadget"
    assert item.description is None
    assert item.tax_rate == TaxRate(Decimal("5.00"))
    assert item.version == 2
    assert item.updated_at == T1
    [event] = item.events
    assert isinstance(event, ItemUpdated)
    assert event.changed == changed
    assert event.version == 2


def test_update_with_the_same_details_changes_nothing() -> None:
    item = new_item(quantity=1)
    before = snapshot(item)
    assert item.update(details(), at=T1, by=ACTOR) == ()
    assert snapshot(item) == before


def test_update_can_change_the_sku() -> None:
    item = new_item()
    assert item.update(details(sku="w-2"), at=T1, by=ACTOR) == ("sku",)
    assert item.sku == Sku("W-2")


# -- low stock -------------------------------------------------------------------------------


def low_events(item: Item) -> list[LowStockReached]:
    return [event for event in item.events if isinstance(event, LowStockReached)]


def test_low_stock_is_announced_only_on_the_crossing() -> None:
    item = new_item(quantity=10, reorder_level=5)
    item.adjust(-4, "sold", at=T1, by=ACTOR)  # 6: not yet low
    assert low_events(item) == []
    item.adjust(-1, "sold", at=T1, by=ACTOR)  # 5: crosses
    [event] = low_events(item)
    assert (event.quantity, event.reorder_level, event.version) == (5, 5, item.version)
    item.adjust(-2, "sold", at=T1, by=ACTOR)  # 3: still low, no second event
    item.count(1, at=T1, by=ACTOR)
    assert len(low_events(item)) == 1
    item.adjust(10, "received", at=T1, by=ACTOR)  # back above
    item.count(2, at=T1, by=ACTOR)  # crosses again
    assert len(low_events(item)) == 2


def test_raising_the_reorder_level_can_cross() -> None:
    item = new_item(quantity=3, reorder_level=1)
    item.update(details(reorder_level=3), at=T1, by=ACTOR)
    [event] = low_events(item)
    assert event.reorder_level == 3
    item.update(details(reorder_level=4), at=T1, by=ACTOR)
    assert len(low_events(item)) == 1


def test_lowering_the_reorder_level_announces_nothing() -> None:
    item = new_item(quantity=3, reorder_level=5)
    item.update(details(reorder_level=0), at=T1, by=ACTOR)
    assert low_events(item) == []


# -- version, image, deletion ------------------------------------------------------------------


def test_check_version() -> None:
    item = new_item(quantity=1)
    item.check_version(None)
    item.check_version(1)
    with pytest.raises(VersionMismatch) as caught:
        item.check_version(2)
    assert (caught.value.expected, caught.value.actual) == (2, 1)
    assert caught.value.code == "version_mismatch"
    with pytest.raises(VersionMismatch):
        item.check_version(0)


@pytest.mark.parametrize("expected", [True, "1", 1.0])
def test_check_version_refuses_what_is_not_a_version(expected: object) -> None:
    item = new_item(quantity=1)
    with pytest.raises(InvalidValue) as caught:
        item.check_version(expected)  # type: ignore[arg-type]
    assert caught.value.field == "expected_version"


def test_set_image_and_mark_deleted_record_events() -> None:
    item = new_item()
    image = ItemImage(key="k.png", content_type="image/png", size=3, sha256="ab")
    item.set_image(image, at=T1, by=ACTOR)
    assert item.image == image
    assert item.version == 2
    assert isinstance(item.events[-1], ItemUpdated)
    assert item.events[-1].changed == ("image",)
    item.mark_deleted(at=T1, by=ACTOR)
    assert isinstance(item.events[-1], ItemDeleted)
    assert item.events[-1].version == 2


def test_event_payload_is_json_friendly() -> None:
    item = Item.create(details(), quantity=2, at=T0, by=ACTOR)
    payload = item.events[0].payload()
    assert payload == {
        "type": "item.created",
        "occurred_at": T0.isoformat(),
        "actor_id": str(ACTOR),
        "item_id": str(item.id),
        "sku": "W-1",
        "version": 1,
        "quantity": 2,
    }


def test_items_compare_by_identity_not_by_value() -> None:
    item = new_item()
    assert replace(item) != item
    assert item == item
    assert Item.create(details(), at=T0, by=None, item_id=uuid4()).id != item.id
