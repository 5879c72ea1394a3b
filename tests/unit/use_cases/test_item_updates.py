"""Replacing (PUT) and patching (PATCH) items."""

from decimal import Decimal
from uuid import uuid4

import pytest

from application.commands import (
    UNSET,
    ReplaceItemCommand,
    UpdateItemCommand,
)
from domain.errors import AlreadyExists, InvalidValue, NotFound, PermissionDenied, VersionMismatch
from domain.events import ItemUpdated, LowStockReached, StockAdjusted
from domain.items import MovementReason
from domain.users import Principal
from domain.values import TaxRate
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, ledger_sum, recorded, store

# -- replace (PUT) ---------------------------------------------------------------------------


def put(actor: Principal, item: object, **overrides: object) -> ReplaceItemCommand:
    values: dict[str, object] = {"sku": "W-1", "name": "Widget", "unit_price": "9.99"}
    values.update(overrides)
    return ReplaceItemCommand(actor=actor, item=item, **values)  # type: ignore[arg-type]


async def test_replace_sets_every_field_and_counts_stock(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=10, description="old", tax_rate="5")
    async with recorded(container) as events:
        replaced = await container.replace_item().execute(
            put(clerk, item.id, name="Gizmo", unit_price="1.50", quantity=4, expected_version=1)
        )
    assert replaced.name == "Gizmo"
    assert replaced.description is None  # PUT: an absent optional field is cleared
    assert replaced.tax_rate is None
    assert replaced.quantity == 4
    assert replaced.version == 3  # one bump for the details, one for the count
    ledger = store(container).movements[item.id]
    assert [(m.reason, m.delta) for m in ledger] == [
        (MovementReason.RECEIVED, 10),
        (MovementReason.COUNT, -6),
    ]
    assert ledger_sum(container, item.id) == 4
    assert [type(e) for e in events] == [ItemUpdated, StockAdjusted]
    assert events[0].changed == ("name", "unit_price", "description", "tax_rate")  # type: ignore[attr-defined]


async def test_replace_without_quantity_leaves_stock_alone(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    replaced = await container.replace_item().execute(put(clerk, item.id, name="Other"))
    assert replaced.quantity == 3
    assert replaced.version == 2
    assert len(store(container).movements[item.id]) == 1


async def test_replace_with_a_stale_version_changes_nothing(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    async with recorded(container) as events:
        with pytest.raises(VersionMismatch) as caught:
            await container.replace_item().execute(
                put(clerk, item.id, name="Other", quantity=1, expected_version=2)
            )
    assert (caught.value.expected, caught.value.actual) == (2, 1)
    assert events == []
    stored = store(container).items[item.id]
    assert (stored.name, stored.quantity, stored.version) == ("Widget", 3, 1)


async def test_replace_to_a_taken_sku_rolls_back(container: Container, clerk: Principal) -> None:
    await create_item(container, clerk, sku="TAKEN")
    item = await create_item(container, clerk, sku="MINE", quantity=2)
    async with recorded(container) as events:
        with pytest.raises(AlreadyExists):
            await container.replace_item().execute(
                put(clerk, item.id, sku="taken", name="Renamed", quantity=9)
            )
    assert events == []
    stored = store(container).items[item.id]
    assert (stored.sku.value, stored.name, stored.quantity, stored.version) == (
        "MINE",
        "Widget",
        2,
        1,
    )
    assert len(store(container).movements[item.id]) == 1


async def test_replace_needs_write_permission_and_an_existing_item(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk)
    with pytest.raises(PermissionDenied):
        await container.replace_item().execute(put(viewer, item.id, name="x"))
    with pytest.raises(NotFound):
        await container.replace_item().execute(put(clerk, uuid4()))
    with pytest.raises(InvalidValue):
        await container.replace_item().execute(put(clerk, item.id, unit_price="-3"))
    assert store(container).items[item.id].version == 1


# -- update (PATCH) --------------------------------------------------------------------------


async def test_patch_changes_only_the_fields_sent(container: Container, clerk: Principal) -> None:
    item = await create_item(
        container, clerk, quantity=4, description="keep", tax_rate="10", reorder_level=1
    )
    async with recorded(container) as events:
        updated = await container.update_item().execute(
            UpdateItemCommand(actor=clerk, item=item.id, name=" Renamed ")
        )
    assert updated.name == "Renamed"
    assert updated.description == "keep"
    assert updated.tax_rate == TaxRate(Decimal("10"))
    assert updated.reorder_level == 1
    assert updated.quantity == 4
    assert updated.version == 2
    assert [type(e) for e in events] == [ItemUpdated]
    assert events[0].changed == ("name",)  # type: ignore[attr-defined]


async def test_patch_none_clears_optional_fields(container: Container, clerk: Principal) -> None:
    item = await create_item(container, clerk, description="old", tax_rate="10")
    updated = await container.update_item().execute(
        UpdateItemCommand(actor=clerk, item=item.id, description=None, tax_rate=None)
    )
    assert updated.description is None
    assert updated.tax_rate is None
    stored = store(container).items[item.id]
    assert (stored.description, stored.tax_rate) == (None, None)


@pytest.mark.parametrize("field", ["sku", "name", "unit_price", "reorder_level"])
async def test_patch_cannot_clear_required_fields(
    container: Container, clerk: Principal, field: str
) -> None:
    item = await create_item(container, clerk)
    with pytest.raises(InvalidValue) as caught:
        await container.update_item().execute(
            UpdateItemCommand(actor=clerk, item=item.id, **{field: None})  # type: ignore[arg-type]
        )
    assert caught.value.field == field
    assert store(container).items[item.id].version == 1


async def test_patch_quantity_becomes_a_count_movement(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=10, reorder_level=3)
    async with recorded(container) as events:
        updated = await container.update_item().execute(
            UpdateItemCommand(actor=clerk, item=item.id, quantity=2, expected_version=1)
        )
    assert updated.quantity == 2
    assert updated.version == 2
    last = store(container).movements[item.id][-1]
    assert (last.reason, last.delta, last.quantity_after) == (MovementReason.COUNT, -8, 2)
    assert [type(e) for e in events] == [StockAdjusted, LowStockReached]
    assert ledger_sum(container, item.id) == 2


async def test_patch_with_nothing_changes_nothing(container: Container, clerk: Principal) -> None:
    item = await create_item(container, clerk, quantity=1)
    async with recorded(container) as events:
        same = await container.update_item().execute(
            UpdateItemCommand(actor=clerk, item=item.id, name="Widget", quantity=1)
        )
    assert same.version == 1
    assert events == []
    assert not UNSET


async def test_patch_with_a_stale_version_changes_nothing(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=1)
    await container.update_item().execute(UpdateItemCommand(actor=clerk, item=item.id, name="B"))
    async with recorded(container) as events:
        with pytest.raises(VersionMismatch):
            await container.update_item().execute(
                UpdateItemCommand(
                    actor=clerk, item=item.id, name="C", quantity=5, expected_version=1
                )
            )
    assert events == []
    stored = store(container).items[item.id]
    assert (stored.name, stored.quantity, stored.version) == ("B", 1, 2)


async def test_patch_to_a_taken_sku_rolls_back(container: Container, clerk: Principal) -> None:
    await create_item(container, clerk, sku="TAKEN")
    item = await create_item(container, clerk, sku="MINE", quantity=5)
    async with recorded(container) as events:
        with pytest.raises(AlreadyExists):
            await container.update_item().execute(
                UpdateItemCommand(actor=clerk, item=item.id, sku="taken", quantity=0)
            )
    assert events == []
    stored = store(container).items[item.id]
    assert (stored.sku.value, stored.quantity, stored.version) == ("MINE", 5, 1)
    assert ledger_sum(container, item.id) == 5


async def test_patch_needs_write_permission(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk)
    with pytest.raises(PermissionDenied):
        await container.update_item().execute(
            UpdateItemCommand(actor=viewer, item=item.id, name="x")
        )
    with pytest.raises(NotFound):
        await container.update_item().execute(
            UpdateItemCommand(actor=clerk, item=uuid4(), name="x")
        )


async def test_patch_raising_the_reorder_level_announces_low_stock(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3, reorder_level=0)
    async with recorded(container) as events:
        await container.update_item().execute(
            UpdateItemCommand(actor=clerk, item=item.id, reorder_level=3)
        )
    assert [type(e) for e in events] == [ItemUpdated, LowStockReached]
