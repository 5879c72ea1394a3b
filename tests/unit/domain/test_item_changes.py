"""Updating an item's details, low-stock crossings, versions, images and deletion."""

from dataclasses import replace
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import InvalidValue, VersionMismatch
from domain.events import ItemDeleted, ItemUpdated, LowStockReached
from domain.items import (
    Item,
    ItemImage,
)
from domain.values import Sku, TaxRate
from tests.unit.domain.builders import ACTOR, T0, T1, details, new_item, snapshot

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
