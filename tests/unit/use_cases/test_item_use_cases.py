"""Creating, reading, listing, replacing, patching and deleting items."""

from dataclasses import FrozenInstanceError
from decimal import Decimal
from uuid import uuid4

import pytest

from adapters.clock import FixedClock
from application.commands import (
    UNSET,
    CreateItemCommand,
    Unset,
)
from application.ports import ItemQuery, ItemSort
from domain.errors import AlreadyExists, InvalidValue, NotFound, PermissionDenied
from domain.events import ItemCreated
from domain.items import MovementReason
from domain.users import Principal
from domain.values import Money, Sku
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, recorded, store

# -- create ----------------------------------------------------------------------------------


async def test_create_item_stores_it_with_its_received_movement(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    async with recorded(container) as events:
        item = await create_item(
            container, clerk, sku=" w-1 ", quantity=5, tax_rate="20", description="blue"
        )
    assert item.sku == Sku("W-1")
    assert item.quantity == 5
    assert item.version == 1
    assert item.created_at == clock.now()
    assert item.price_with_tax == Money(Decimal("11.99"))
    stored = store(container).items[item.id]
    assert stored.quantity == 5
    [movement] = store(container).movements[item.id]
    assert (movement.reason, movement.delta, movement.actor_id) == (
        MovementReason.RECEIVED,
        5,
        clerk.user_id,
    )
    assert [type(e) for e in events] == [ItemCreated]
    assert events[0].actor_id == clerk.user_id


async def test_create_item_refuses_a_duplicate_sku_in_any_case(
    container: Container, clerk: Principal
) -> None:
    await create_item(container, clerk, sku="W-1", quantity=1)
    async with recorded(container) as events:
        with pytest.raises(AlreadyExists) as caught:
            await create_item(container, clerk, sku=" w-1", quantity=3)
    assert caught.value.code == "already_exists"
    assert "W-1" in caught.value.message
    assert events == []
    assert len(store(container).items) == 1
    assert sum(len(ledger) for ledger in store(container).movements.values()) == 1


async def test_create_item_needs_write_permission(
    container: Container, viewer: Principal, admin: Principal
) -> None:
    with pytest.raises(PermissionDenied):
        await create_item(container, viewer)
    assert store(container).items == {}
    assert (await create_item(container, admin)).version == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "1.001"}, "unit_price"),
        ({"name": " "}, "name"),
        ({"sku": "bad sku"}, "sku"),
        ({"reorder_level": -1}, "reorder_level"),
        ({"quantity": -1}, "quantity"),
    ],
)
async def test_create_item_with_a_bad_value_changes_nothing(
    container: Container, clerk: Principal, overrides: dict[str, object], field: str
) -> None:
    async with recorded(container) as events:
        with pytest.raises(InvalidValue) as caught:
            await create_item(container, clerk, **overrides)
    assert caught.value.field == field
    assert events == []
    assert store(container).items == {}


# -- get and list ----------------------------------------------------------------------------


async def test_get_item_by_id_or_sku(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk, sku="abc")
    get = container.get_item()
    assert (await get.execute(viewer, item.id)).id == item.id
    assert (await get.execute(viewer, str(item.id))).id == item.id
    assert (await get.execute(viewer, " abc ")).id == item.id
    with pytest.raises(NotFound) as caught:
        await get.execute(viewer, uuid4())
    assert caught.value.code == "not_found"
    with pytest.raises(NotFound):
        await get.execute(viewer, "missing")


async def test_get_item_by_sku_is_exact_after_normalisation(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk, sku="ab-1")
    find = container.get_item_by_sku()
    assert (await find.execute(viewer, " Ab-1 ")).id == item.id
    with pytest.raises(NotFound):
        await find.execute(viewer, str(item.id))  # an id is not a SKU
    with pytest.raises(NotFound):
        await find.execute(viewer, "AB-10")
    with pytest.raises(InvalidValue):
        await find.execute(viewer, "AB 1")


async def test_a_sku_that_looks_like_a_uuid_is_still_found(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    sku = "DEADBEEF" * 4  # 32 hex digits: also the short form of a UUID
    item = await create_item(container, clerk, sku=sku)
    assert (await container.get_item().execute(viewer, sku)).id == item.id


async def test_the_caller_cannot_change_the_stored_item(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk)
    item.name = "tampered"
    fetched = await container.get_item().execute(viewer, item.id)
    assert fetched.name == "Widget"
    with pytest.raises(FrozenInstanceError):
        fetched.quantity = 99  # type: ignore[misc]  # a read model cannot be changed at all
    assert store(container).items[item.id].quantity == 0


async def test_list_items_pages_searches_filters_and_sorts(
    container: Container, clerk: Principal, viewer: Principal, clock: FixedClock
) -> None:
    for sku, name, quantity, reorder in [
        ("C-3", "Cable", 50, 10),
        ("A-1", "anvil", 2, 5),
        ("B-2", "Bolt", 0, 0),
        ("D-4", "Drill", 7, 1),
    ]:
        await create_item(
            container, clerk, sku=sku, name=name, quantity=quantity, reorder_level=reorder
        )
        clock.advance(seconds=1)
    list_items = container.list_items()

    page = await list_items.execute(viewer, ItemQuery(limit=2))
    assert [item.name for item in page.items] == ["anvil", "Bolt"]
    assert (page.total, page.offset, page.limit) == (4, 0, 2)
    page = await list_items.execute(viewer, ItemQuery(offset=2, limit=2))
    assert [item.name for item in page.items] == ["Cable", "Drill"]

    by_quantity = await list_items.execute(viewer, ItemQuery(sort=ItemSort.QUANTITY_DESC))
    assert [item.quantity for item in by_quantity.items] == [50, 7, 2, 0]
    by_sku = await list_items.execute(viewer, ItemQuery(sort=ItemSort.SKU))
    assert [item.sku.value for item in by_sku.items] == ["A-1", "B-2", "C-3", "D-4"]
    newest = await list_items.execute(viewer, ItemQuery(sort=ItemSort.UPDATED_DESC))
    assert newest.items[0].sku.value == "D-4"

    low = await list_items.execute(viewer, ItemQuery(low_stock=True))
    assert {item.sku.value for item in low.items} == {"A-1", "B-2"}
    assert low.total == 2
    not_low = await list_items.execute(viewer, ItemQuery(low_stock=False))
    assert {item.sku.value for item in not_low.items} == {"C-3", "D-4"}

    found = await list_items.execute(viewer, ItemQuery(search="  BOL "))
    assert [item.sku.value for item in found.items] == ["B-2"]
    assert (await list_items.execute(viewer, ItemQuery(search="d-4"))).total == 1
    assert (await list_items.execute(viewer, ItemQuery(search="   "))).total == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (ItemQuery(limit=0), "limit"),
        (ItemQuery(limit=101), "limit"),
        (ItemQuery(offset=-1), "offset"),
        (ItemQuery(limit=True), "limit"),
        (ItemQuery(sort="price"), "sort"),  # type: ignore[arg-type]
        (ItemQuery(search="x" * 201), "q"),
    ],
)
async def test_list_items_refuses_bad_queries(
    container: Container, viewer: Principal, query: ItemQuery, field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        await container.list_items().execute(viewer, query)
    assert caught.value.field == field


async def test_list_items_accepts_a_sort_given_as_text(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    await create_item(container, clerk, sku="B", name="b")
    await create_item(container, clerk, sku="A", name="a")
    page = await container.list_items().execute(viewer, ItemQuery(sort="-name"))  # type: ignore[arg-type]
    assert [item.name for item in page.items] == ["b", "a"]


async def test_create_command_is_frozen(clerk: Principal) -> None:
    cmd = CreateItemCommand(actor=clerk, sku="A", name="a", unit_price="1")
    with pytest.raises(AttributeError):
        cmd.sku = "B"  # type: ignore[misc]


async def test_a_uuid_key_that_is_no_sku_is_simply_not_found(
    container: Container, viewer: Principal
) -> None:
    with pytest.raises(NotFound):
        await container.get_item().execute(viewer, f"urn:uuid:{uuid4()}")


def test_unset_is_a_falsy_singleton() -> None:
    assert Unset() is UNSET
    assert repr(UNSET) == "UNSET"
    assert not UNSET
