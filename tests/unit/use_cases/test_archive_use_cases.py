"""Archive, restore and purge on the memory store: nothing an item went through is lost."""

import pytest

from application.commands import (
    AdjustStockCommand,
    AttachImageCommand,
    CountStockCommand,
    ReplaceItemCommand,
    UpdateItemCommand,
)
from application.ports import ItemQuery
from domain.errors import (
    AlreadyExists,
    ItemArchived,
    ItemHasStock,
    ItemNotArchived,
    NotFound,
    PermissionDenied,
    VersionMismatch,
)
from domain.events import ItemDeleted, ItemUpdated
from domain.users import Principal
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, ledger_sum, recorded, store

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


async def test_archive_hides_the_item_from_lists_but_keeps_it_and_its_ledger(
    container: Container, clerk: Principal, admin: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    await create_item(container, clerk, sku="W-2")
    with pytest.raises(PermissionDenied):
        await container.archive_item().execute(clerk, item.id)
    with pytest.raises(VersionMismatch):
        await container.archive_item().execute(admin, item.id, expected_version=7)
    async with recorded(container) as events:
        archived = await container.archive_item().execute(admin, item.id, expected_version=1)
    assert archived.archived_at is not None
    assert archived.version == 2
    assert [(type(e), e.changed) for e in events if isinstance(e, ItemUpdated)] == [
        (ItemUpdated, ("archived_at",))
    ]
    in_use = await container.list_items().execute(viewer, ItemQuery())
    assert [view.sku.value for view in in_use.items] == ["W-2"]
    assert in_use.total == 1
    only_archived = await container.list_items().execute(viewer, ItemQuery(archived=True))
    assert [(view.sku.value, view.archived) for view in only_archived.items] == [("W-1", True)]
    found = await container.get_item().execute(viewer, item.id)
    assert found.archived_at == archived.archived_at
    assert ledger_sum(container, item.id) == 3
    # archiving again changes nothing (a retried DELETE)
    again = await container.archive_item().execute(admin, item.id)
    assert (again.version, again.archived_at) == (2, archived.archived_at)


async def test_an_archived_item_takes_no_changes_and_keeps_its_sku(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    await container.attach_image().execute(AttachImageCommand(actor=clerk, item=item.id, data=PNG))
    await container.archive_item().execute(admin, item.id)
    before = store(container).items[item.id]
    blobs = dict(container.image_store().blobs)
    refused = [
        container.adjust_stock().execute(
            AdjustStockCommand(actor=clerk, item=item.id, delta=-1, reason="sold")
        ),
        container.count_stock().execute(CountStockCommand(actor=clerk, item=item.id, quantity=9)),
        container.update_item().execute(UpdateItemCommand(actor=clerk, item=item.id, name="x")),
        container.replace_item().execute(
            ReplaceItemCommand(actor=clerk, item=item.id, sku="W-1", name="x", unit_price="1")
        ),
        container.attach_image().execute(AttachImageCommand(actor=clerk, item=item.id, data=PNG)),
        container.remove_image().execute(clerk, item.id),
    ]
    for attempt in refused:
        with pytest.raises(ItemArchived) as caught:
            await attempt
        assert caught.value.code == "item_archived"
    assert store(container).items[item.id] == before
    assert container.image_store().blobs == blobs
    with pytest.raises(AlreadyExists):
        await create_item(container, clerk, sku="W-1")


async def test_restore_brings_the_item_back_as_it_was(
    container: Container, clerk: Principal, admin: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk, quantity=4)
    with pytest.raises(ItemNotArchived):
        await container.restore_item().execute(admin, item.id)
    await container.archive_item().execute(admin, item.id)
    with pytest.raises(PermissionDenied):
        await container.restore_item().execute(clerk, item.id)
    with pytest.raises(VersionMismatch):
        await container.restore_item().execute(admin, item.id, expected_version=1)
    restored = await container.restore_item().execute(admin, item.id, expected_version=2)
    assert (restored.archived_at, restored.quantity, restored.version) == (None, 4, 3)
    assert (await container.list_items().execute(viewer, ItemQuery())).total == 1
    change = await container.adjust_stock().execute(
        AdjustStockCommand(actor=clerk, item=item.id, delta=-1, reason="sold")
    )
    assert change.item.quantity == 3


async def test_purge_is_for_admins_and_items_with_no_stock_and_keeps_the_ledger(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=2)
    with pytest.raises(PermissionDenied):
        await container.purge_item().execute(clerk, item.id)
    with pytest.raises(ItemHasStock) as caught:
        await container.purge_item().execute(admin, item.id)
    assert caught.value.details["quantity"] == 2
    assert item.id in store(container).items
    await container.adjust_stock().execute(
        AdjustStockCommand(actor=clerk, item=item.id, delta=-2, reason="sold")
    )
    async with recorded(container) as events:
        await container.purge_item().execute(admin, item.id)
    assert [type(e) for e in events] == [ItemDeleted]
    assert item.id not in store(container).items
    assert [m.delta for m in store(container).movements[item.id]] == [2, -2]
    with pytest.raises(NotFound):
        await container.purge_item().execute(admin, item.id)
    # the SKU is free again; the new item has a ledger of its own
    fresh = await create_item(container, clerk, quantity=1)
    assert fresh.id != item.id
    assert ledger_sum(container, fresh.id) == 1


async def test_an_archived_item_with_no_stock_can_be_purged(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk)
    await container.archive_item().execute(admin, item.id)
    await container.purge_item().execute(admin, item.id)
    assert item.id not in store(container).items
