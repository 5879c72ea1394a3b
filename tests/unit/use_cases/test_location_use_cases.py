"""Locations, per-location stock and transfers through the use cases (memory adapters)."""

import pytest

from application.commands import (
    UNSET,
    AdjustStockCommand,
    CountStockCommand,
    CreateLocationCommand,
    TransferStockCommand,
    UpdateLocationCommand,
)
from application.ports import LocationQuery
from domain.errors import (
    DefaultLocationRequired,
    InsufficientStock,
    InvalidValue,
    LocationInactive,
    LocationNotEmpty,
    NotFound,
    PermissionDenied,
    VersionMismatch,
)
from domain.events import StockTransferred
from domain.items import MovementReason
from domain.locations import MAIN_LOCATION_ID, Location
from domain.users import Principal
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, ledger_sum, recorded, store


async def new_location(
    container: Container, admin: Principal, code: str, parent: object = None
) -> Location:
    return await container.create_location().execute(
        CreateLocationCommand(actor=admin, code=code, name=f"Place {code}", parent=parent)  # type: ignore[arg-type]
    )


def transfer(actor: Principal, item: object, source: object, target: object, n: int, **kw: object):  # type: ignore[no-untyped-def]
    return TransferStockCommand(
        actor=actor,
        item=item,
        from_location=source,
        to_location=target,
        quantity=n,
        **kw,  # type: ignore[arg-type]
    )


async def test_only_admins_manage_locations(
    container: Container, admin: Principal, clerk: Principal
) -> None:
    with pytest.raises(PermissionDenied):
        await new_location(container, clerk, "A")
    made = await new_location(container, admin, " a-1 ")
    assert made.code.value == "A-1"
    page = await container.list_locations().execute(clerk, LocationQuery(search="a-"))
    assert [view.code.value for view in page.items] == ["A-1"]


async def test_the_tree_is_built_and_checked(container: Container, admin: Principal) -> None:
    warehouse = await new_location(container, admin, "WH")
    aisle = await new_location(container, admin, "WH-1", parent="WH")
    with pytest.raises(NotFound):
        await new_location(container, admin, "X", parent="NOPE")
    with pytest.raises(InvalidValue, match="itself"):
        await container.update_location().execute(
            UpdateLocationCommand(actor=admin, location=warehouse.id, parent=aisle.id)
        )
    children = await container.list_locations().execute(admin, LocationQuery(parent=warehouse.id))
    assert [view.id for view in children.items] == [aisle.id]
    roots = await container.list_locations().execute(admin, LocationQuery(roots=True))
    assert {view.code.value for view in roots.items} == {"MAIN", "WH"}


async def test_stock_moves_per_location_and_the_total_follows(
    container: Container, admin: Principal, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=10)
    await new_location(container, admin, "A")
    await new_location(container, admin, "B")
    await container.adjust_stock().execute(
        AdjustStockCommand(actor=clerk, item=item.id, delta=5, reason="received", location="A")
    )
    async with recorded(container) as events:
        moved = await container.transfer_stock().execute(
            transfer(clerk, item.id, "A", "B", 4, reference="T-1")
        )
    assert moved.outgoing.transfer_id == moved.incoming.transfer_id
    assert moved.incoming.reason is MovementReason.TRANSFER_IN
    assert [type(event) for event in events] == [StockTransferred]
    levels = await container.get_item_stock().execute(clerk, item.id)
    assert [(level.location_code.value, level.quantity) for level in levels] == [
        ("A", 1),
        ("B", 4),
        ("MAIN", 10),
    ]
    assert store(container).items[item.id].quantity == 15 == ledger_sum(container, item.id)
    transfers = await container.list_transfers().execute(clerk, location="B")
    assert [(t.quantity, t.reference) for t in transfers.items] == [(4, "T-1")]
    at_b = await container.list_location_stock().execute(clerk, "B", low_stock=False)
    assert [level.sku.value for level in at_b.items] == ["W-1"]


async def test_a_transfer_beyond_the_source_changes_nothing(
    container: Container, admin: Principal, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    await new_location(container, admin, "B")
    with pytest.raises(InsufficientStock) as refused:
        await container.transfer_stock().execute(transfer(clerk, item.id, "MAIN", "B", 4))
    assert refused.value.details["location"] == "MAIN"
    assert store(container).items[item.id].quantity_at(MAIN_LOCATION_ID) == 3
    assert len(store(container).movements[item.id]) == 1


async def test_a_transfer_is_replayed_by_its_idempotency_key(
    container: Container, admin: Principal, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    await new_location(container, admin, "B")
    command = transfer(clerk, item.id, "MAIN", "B", 2, idempotency_key="t-1")
    first = await container.transfer_stock().execute(command)
    again = await container.transfer_stock().execute(command)
    assert again.replayed
    assert again.incoming.transfer_id == first.incoming.transfer_id
    assert again.item.quantity_at(again.incoming.location_id) == 2  # the stock as recorded
    assert store(container).items[item.id].quantity_at(MAIN_LOCATION_ID) == 1


async def test_viewers_cannot_transfer(
    container: Container, admin: Principal, viewer: Principal, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    await new_location(container, admin, "B")
    with pytest.raises(PermissionDenied):
        await container.transfer_stock().execute(transfer(viewer, item.id, "MAIN", "B", 1))


async def test_deactivated_locations_can_be_emptied_and_deleted_when_empty(
    container: Container, admin: Principal, clerk: Principal
) -> None:
    item = await create_item(container, clerk)
    bin_ = await new_location(container, admin, "BIN")
    await container.count_stock().execute(
        CountStockCommand(actor=clerk, item=item.id, quantity=2, location="BIN")
    )
    off = await container.update_location().execute(
        UpdateLocationCommand(actor=admin, location=bin_.id, active=False, expected_version=1)
    )
    assert (off.active, off.version) == (False, 2)
    with pytest.raises(LocationInactive):
        await container.transfer_stock().execute(transfer(clerk, item.id, "MAIN", "BIN", 1))
    with pytest.raises(LocationNotEmpty):
        await container.delete_location().execute(admin, "BIN")
    await container.transfer_stock().execute(transfer(clerk, item.id, "BIN", "MAIN", 2))
    with pytest.raises(VersionMismatch):
        await container.delete_location().execute(admin, "BIN", expected_version=1)
    await container.delete_location().execute(admin, "BIN", expected_version=2)
    with pytest.raises(NotFound):
        await container.get_location().execute(admin, bin_.id)
    with pytest.raises(DefaultLocationRequired):
        await container.delete_location().execute(admin, "MAIN")


async def test_a_patch_that_changes_nothing_keeps_the_version(
    container: Container, admin: Principal
) -> None:
    made = await new_location(container, admin, "A")
    same = await container.update_location().execute(
        UpdateLocationCommand(actor=admin, location="A", name=made.name, code=UNSET)
    )
    assert same.version == 1
