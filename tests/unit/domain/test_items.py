"""The item aggregate and its ledger: quantity only moves through movements, never below zero."""

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.errors import InsufficientStock, InvalidValue
from domain.events import ItemCreated, StockAdjusted
from domain.items import (
    DESCRIPTION_MAX,
    NAME_MAX,
    NOTE_MAX,
    Item,
    MovementReason,
)
from domain.values import MAX_QUANTITY, Money, Sku, TaxRate
from tests.unit.domain.builders import ACTOR, T0, T1, details, new_item, snapshot

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
