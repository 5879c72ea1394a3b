"""The repository and unit-of-work contract, run unchanged on memory, SQLite and PostgreSQL."""

import asyncio
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.ports import ItemQuery, ItemSort, LoginFailures
from domain.errors import AlreadyExists
from domain.events import AccessRevoked, ItemCreated, StockAdjusted
from domain.items import Item, ItemDetails, ItemImage
from domain.users import Role, User, Username
from tests.contracts.conftest import Backend, RecordingPublisher

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
ACTOR = uuid4()


def make_item(
    sku: str = "SKU-1",
    *,
    name: str = "Widget",
    quantity: int = 0,
    reorder_level: int = 0,
    description: str | None = None,
    at: datetime = T0,
    item_id: UUID | None = None,
) -> Item:
    details = ItemDetails.parse(
        sku=sku,
        name=name,
        unit_price="12.50",
        description=description,
        tax_rate="20.00",
        reorder_level=reorder_level,
    )
    return Item.create(details, quantity=quantity, at=at, by=ACTOR, item_id=item_id)


def make_user(name: str = "alice", role: Role = Role.CLERK, *, active: bool = True) -> User:
    user = User.register(
        username=Username.parse(name), password_hash="hash", role=role, at=T0, email="a@b.org"
    )
    user.active = active
    return user


def snapshot(obj: Any) -> dict[str, Any]:
    skip = {"events", "new_movements"}
    return {f.name: getattr(obj, f.name) for f in fields(obj) if f.name not in skip}


async def add_items(backend: Backend, *items: Item) -> None:
    async with backend.uow() as uow:
        for item in items:
            await uow.items.add(item)
        await uow.commit()


# -- items -------------------------------------------------------------------------------------
async def test_an_added_item_reads_back_with_every_field(backend: Backend) -> None:
    item = make_item(quantity=7, description="A small part")
    item.image = ItemImage(key="abc.png", content_type="image/png", size=10, sha256="f" * 64)
    await add_items(backend, item)
    async with backend.uow() as uow:
        found = await uow.items.get(item.id)
        by_sku = await uow.items.get_by_sku("SKU-1")
    assert found is not None
    assert by_sku is not None
    assert snapshot(found) == snapshot(item) == snapshot(by_sku)
    assert found.unit_price.amount == Decimal("12.50")
    assert found.created_at.tzinfo is not None
    assert found is not item


async def test_largest_amounts_and_quantities_round_trip(backend: Backend) -> None:
    item = make_item(quantity=10**12, reorder_level=10**12)
    item.unit_price = item.unit_price.parse("999999999999.99")
    await add_items(backend, item)
    async with backend.uow() as uow:
        found = await uow.items.get(item.id)
    assert found is not None
    assert found.unit_price.amount == Decimal("999999999999.99")
    assert found.quantity == 10**12


async def test_missing_items_are_none(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.items.get(uuid4()) is None
        assert await uow.items.get_by_sku("NOPE") is None
        assert await uow.items.get_many_by_sku([]) == {}


async def test_get_many_by_sku_returns_only_the_known_ones(backend: Backend) -> None:
    await add_items(backend, make_item("A"), make_item("B"), make_item("C"))
    async with backend.uow() as uow:
        found = await uow.items.get_many_by_sku(["A", "C", "X"], for_update=True)
    assert sorted(found) == ["A", "C"]
    assert all(found[sku].sku.value == sku for sku in found)


async def test_a_taken_sku_is_refused_and_the_unit_of_work_goes_on(backend: Backend) -> None:
    await add_items(backend, make_item("A"))
    async with backend.uow() as uow:
        with pytest.raises(AlreadyExists):
            await uow.items.add(make_item("A"))
        await uow.items.add(make_item("B"))
        await uow.commit()
    async with backend.queries() as uow:
        page = await uow.items.list(ItemQuery(sort=ItemSort.SKU))
    assert [i.sku.value for i in page.items] == ["A", "B"]


async def test_save_writes_changes_and_appends_the_ledger(backend: Backend) -> None:
    item = make_item(quantity=10)
    await add_items(backend, item)
    async with backend.uow() as uow:
        loaded = await uow.items.get(item.id, for_update=True)
        assert loaded is not None
        loaded.adjust(-3, "sold", at=T0 + timedelta(seconds=1), by=ACTOR)
        await uow.items.save(loaded)
        loaded.adjust(5, "received", at=T0 + timedelta(seconds=1), by=ACTOR)
        await uow.items.save(loaded)  # saving twice must not write the first movement twice
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.items.get(item.id)
        total = await uow.movements.sum_for_item(item.id)
    async with backend.queries() as session:
        ledger = await session.movements.list_for_item(item.id, offset=0, limit=10)
    assert found is not None
    assert found.quantity == 12
    assert found.version == 3
    assert total == 12
    assert ledger.total == 3
    assert [m.delta for m in ledger.items] == [5, -3, 10]  # newest first, even at equal times
    assert [m.quantity_after for m in ledger.items] == [12, 7, 10]


async def test_add_many_writes_every_item_with_its_ledger(backend: Backend) -> None:
    batch = [make_item(f"M-{n}", quantity=n) for n in range(5)]
    async with backend.uow() as uow:
        await uow.items.add_many(batch)
        await uow.items.add_many([])
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.items.get_many_by_sku([item.sku.value for item in batch])
        totals = [await uow.movements.sum_for_item(item.id) for item in batch]
    async with backend.queries() as session:
        ledger = await session.movements.list_for_item(batch[3].id, offset=0, limit=10)
    assert {sku: snapshot(item) for sku, item in found.items()} == {
        item.sku.value: snapshot(item) for item in batch
    }
    assert totals == [0, 1, 2, 3, 4]
    assert [(m.delta, m.note) for m in ledger.items] == [(3, "initial stock")]


async def test_add_many_with_a_taken_sku_adds_none_and_the_unit_of_work_goes_on(
    backend: Backend,
) -> None:
    await add_items(backend, make_item("A"))
    async with backend.uow() as uow:
        with pytest.raises(AlreadyExists):
            await uow.items.add_many([make_item("B", quantity=2), make_item("A"), make_item("C")])
        await uow.items.add(make_item("D"))
        await uow.commit()
    async with backend.queries() as uow:
        page = await uow.items.list(ItemQuery(sort=ItemSort.SKU))
    assert [i.sku.value for i in page.items] == ["A", "D"]


async def test_save_many_writes_every_change_and_appends_the_ledgers(backend: Backend) -> None:
    first, second = make_item("A", quantity=5), make_item("B", quantity=1)
    await add_items(backend, first, second)
    async with backend.uow() as uow:
        loaded = await uow.items.get_many_by_sku(["A", "B"], for_update=True)
        later = T0 + timedelta(seconds=1)
        loaded["A"].count(9, at=later, by=ACTOR, note="csv import")
        loaded["B"].update(
            ItemDetails.parse(sku="B", name="Renamed", unit_price="2"), at=later, by=ACTOR
        )
        await uow.items.save_many(list(loaded.values()))
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.items.get_many_by_sku(["A", "B"])
        total_a = await uow.movements.sum_for_item(first.id)
    assert (found["A"].quantity, found["A"].version, total_a) == (9, 2, 9)
    assert (found["B"].name, found["B"].quantity, found["B"].version) == ("Renamed", 1, 2)
    assert snapshot(found["A"]) == snapshot(loaded["A"])
    assert snapshot(found["B"]) == snapshot(loaded["B"])


async def test_save_refuses_a_sku_another_item_has(backend: Backend) -> None:
    first, second = make_item("A"), make_item("B")
    await add_items(backend, first, second)
    async with backend.uow() as uow:
        loaded = await uow.items.get(second.id, for_update=True)
        assert loaded is not None
        loaded.update(ItemDetails.parse(sku="A", name="x", unit_price="1"), at=T0, by=ACTOR)
        with pytest.raises(AlreadyExists):
            await uow.items.save(loaded)


async def test_delete_removes_the_item_and_keeps_its_ledger(backend: Backend) -> None:
    """A purge: the item goes, its movements stay as the record of real goods, and its SKU is
    free for a new item with a ledger of its own."""
    item, other = make_item("A", quantity=5), make_item("B", quantity=2)
    await add_items(backend, item, other)
    async with backend.uow() as uow:
        loaded = await uow.items.get(item.id, for_update=True)
        assert loaded is not None
        await uow.items.delete(loaded)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.items.get(item.id) is None
        assert await uow.movements.sum_for_item(item.id) == 5
        assert await uow.movements.sum_for_item(other.id) == 2
        await uow.items.add(make_item("A", quantity=1))
        await uow.commit()
    async with backend.queries() as session:
        assert (await session.movements.list_for_item(item.id, offset=0, limit=5)).total == 1


async def test_archived_items_are_listed_apart_and_keep_their_sku(backend: Backend) -> None:
    kept, shelved = make_item("A", name="Gear"), make_item("B", name="Gear wheel", quantity=3)
    await add_items(backend, kept, shelved, make_item("C", name="Nut"))
    async with backend.uow() as uow:
        loaded = await uow.items.get(shelved.id, for_update=True)
        assert loaded is not None
        loaded.archive(at=T0 + timedelta(hours=1), by=ACTOR)
        await uow.items.save(loaded)
        await uow.commit()
    async with backend.queries() as session:
        in_use = await session.items.list(ItemQuery(sort=ItemSort.SKU))
        searched = await session.items.list(ItemQuery(search="gear"))
        archived = await session.items.list(ItemQuery(archived=True, search="gear"))
        view = await session.items.get(shelved.id)
        # Totals under other filters count only what is listed (B alone has stock).
        low = await session.items.list(ItemQuery(low_stock=True, sort=ItemSort.SKU))
        stocked = await session.items.list(ItemQuery(low_stock=False))
        archived_stocked = await session.items.list(ItemQuery(archived=True, low_stock=False))
        every_archived = await session.items.list(ItemQuery(archived=True))
    assert ([v.sku.value for v in low.items], low.total) == (["A", "C"], 2)
    assert (stocked.items, stocked.total) == ([], 0)
    assert ([v.sku.value for v in archived_stocked.items], archived_stocked.total) == (["B"], 1)
    assert ([v.sku.value for v in every_archived.items], every_archived.total) == (["B"], 1)
    assert ([v.sku.value for v in in_use.items], in_use.total) == (["A", "C"], 2)
    assert ([v.sku.value for v in searched.items], searched.total) == (["A"], 1)
    assert ([v.sku.value for v in archived.items], archived.total) == (["B"], 1)
    assert view is not None
    assert view.archived_at == T0 + timedelta(hours=1)
    async with backend.uow() as uow:
        again = await uow.items.get(shelved.id)
        assert again is not None
        assert again.archived_at == T0 + timedelta(hours=1)
        with pytest.raises(AlreadyExists):
            await uow.items.add(make_item("B"))


async def test_movements_page_newest_first_with_totals(backend: Backend) -> None:
    item = make_item(quantity=1)
    for step in range(1, 6):
        item.adjust(1, "received", at=T0 + timedelta(minutes=step), by=ACTOR)
    await add_items(backend, item)
    async with backend.queries() as session:
        page = await session.movements.list_for_item(item.id, offset=1, limit=2)
    assert page.total == 6
    assert (page.offset, page.limit) == (1, 2)
    assert [m.quantity_after for m in page.items] == [5, 4]
    assert page.items[0].occurred_at == T0 + timedelta(minutes=4)


# -- listing -----------------------------------------------------------------------------------
def catalogue() -> list[Item]:
    ids = sorted(uuid4() for _ in range(6))
    return [
        make_item("B-2", name="bolt", quantity=5, reorder_level=5, item_id=ids[3]),
        make_item(
            "A_1",
            name="Bolt",
            quantity=5,
            reorder_level=1,
            item_id=ids[1],
            at=T0 + timedelta(seconds=1),
        ),
        make_item("C.3", name="Écrou", quantity=0, description="100% STEEL", item_id=ids[5]),
        make_item(
            "D-4",
            name="nut",
            quantity=9,
            description="for bolts",
            item_id=ids[0],
            at=T0 + timedelta(seconds=2),
        ),
        make_item("E-5", name="Washer", quantity=5, reorder_level=9, item_id=ids[2]),
        make_item("F-6", name="washer", quantity=1, item_id=ids[4], at=T0 + timedelta(days=1)),
    ]


def expected_order(items: list[Item], sort: ItemSort) -> list[str]:
    def key(item: Item) -> tuple[Any, str]:
        value = {
            "name": item.name.casefold(),
            "sku": item.sku.value,
            "quantity": item.quantity,
            "updated_at": item.updated_at,
            "created_at": item.created_at,
        }[sort.field]
        return (value, str(item.id))

    return [i.sku.value for i in sorted(items, key=key, reverse=sort.descending)]


@pytest.mark.parametrize("sort", list(ItemSort))
async def test_every_sort_orders_with_ties_broken_by_id(backend: Backend, sort: ItemSort) -> None:
    items = catalogue()
    await add_items(backend, *items)
    async with backend.queries() as uow:
        first = await uow.items.list(ItemQuery(offset=0, limit=4, sort=sort))
        rest = await uow.items.list(ItemQuery(offset=4, limit=4, sort=sort))
    assert first.total == rest.total == 6
    assert [i.sku.value for i in [*first.items, *rest.items]] == expected_order(items, sort)


@pytest.mark.parametrize(
    ("search", "skus"),
    [
        ("BOLT", ["A_1", "B-2", "D-4"]),  # name in any case, and a description
        ("écr", ["C.3"]),  # beyond ASCII
        ("ÉCROU", ["C.3"]),
        ("a_1", ["A_1"]),  # the SKU, case-insensitively; "_" is literal
        ("_", ["A_1"]),
        ("100%", ["C.3"]),  # "%" is literal
        ("%", ["C.3"]),
        ("steel", ["C.3"]),
        ("zzz", []),
    ],
)
async def test_search_matches_sku_name_and_description(
    backend: Backend, search: str, skus: list[str]
) -> None:
    await add_items(backend, *catalogue())
    async with backend.queries() as uow:
        page = await uow.items.list(ItemQuery(search=search, sort=ItemSort.SKU))
    assert [i.sku.value for i in page.items] == skus
    assert page.total == len(skus)


@pytest.mark.parametrize(
    ("low_stock", "skus"),
    [(True, ["B-2", "C.3", "E-5"]), (False, ["A_1", "D-4", "F-6"]), (None, None)],
)
async def test_low_stock_means_quantity_at_or_below_reorder_level(
    backend: Backend, low_stock: bool | None, skus: list[str] | None
) -> None:
    items = catalogue()
    await add_items(backend, *items)
    async with backend.queries() as uow:
        page = await uow.items.list(
            ItemQuery(low_stock=low_stock, search="", sort=ItemSort.SKU, limit=2)
        )
    wanted = skus if skus is not None else sorted(i.sku.value for i in items)
    assert page.total == len(wanted)
    assert [i.sku.value for i in page.items] == wanted[:2]


async def test_search_and_filter_combine(backend: Backend) -> None:
    await add_items(backend, *catalogue())
    async with backend.queries() as uow:
        page = await uow.items.list(ItemQuery(search="washer", low_stock=True))
    assert [i.sku.value for i in page.items] == ["E-5"]


async def test_a_page_past_the_end_is_empty_but_counts(backend: Backend) -> None:
    await add_items(backend, *catalogue())
    async with backend.queries() as uow:
        page = await uow.items.list(ItemQuery(offset=50, limit=10))
    assert list(page.items) == []
    assert page.total == 6


# -- users -------------------------------------------------------------------------------------
async def test_users_are_unique_regardless_of_case(backend: Backend) -> None:
    alice = make_user("Alice", Role.ADMIN)
    async with backend.uow() as uow:
        await uow.users.add(alice)
        await uow.commit()
    async with backend.uow() as uow:
        with pytest.raises(AlreadyExists):
            await uow.users.add(make_user("aLICE"))
        await uow.users.add(make_user("bob"))
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.users.get_by_username("  ALICE ")
        by_id = await uow.users.get(alice.id)
        missing = await uow.users.get(uuid4())
        count = await uow.users.count()
    assert found is not None
    assert by_id is not None
    assert missing is None
    assert snapshot(found) == snapshot(alice) == snapshot(by_id)
    assert found.username.value == "Alice"
    assert count == 2


async def test_users_save_list_and_count_admins(backend: Backend) -> None:
    users = [
        make_user("carol", Role.ADMIN),
        make_user("Bob", Role.ADMIN, active=False),
        make_user("alice", Role.ADMIN),
        make_user("dave", Role.VIEWER),
    ]
    async with backend.uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()
    async with backend.uow() as uow:
        carol = await uow.users.get(users[0].id)
        assert carol is not None
        carol.set_role(Role.CLERK, at=T0 + timedelta(hours=1))
        await uow.users.save(carol)
        await uow.commit()
    async with backend.uow() as uow:
        admins = await uow.users.count_admins()
        carol = await uow.users.get(users[0].id)
    async with backend.queries() as session:
        page = await session.users.list(offset=1, limit=2)
    assert admins == 1
    assert page.total == 4
    assert [u.username.value for u in page.items] == ["Bob", "carol"]
    assert carol is not None
    assert carol.role is Role.CLERK
    assert carol.token_version == 2
    assert carol.updated_at == T0 + timedelta(hours=1)


# -- idempotency -------------------------------------------------------------------------------
async def claim(backend: Backend, key: str, fp: str, *, now: datetime = T0) -> Any:
    """Claim ``key`` (recording a result when it is ours) in a committed transaction."""
    async with backend.uow() as uow:
        found = await uow.idempotency.claim(
            key, fp, now=now, expires_at=now + timedelta(seconds=60)
        )
        if found is None:
            await uow.idempotency.record(key, f"result of {fp}")
        await uow.commit()
    return found


async def test_an_idempotency_key_is_claimed_recorded_and_replayed(backend: Backend) -> None:
    assert await claim(backend, "k1", "fp") is None
    replay = await claim(backend, "k1", "other", now=T0 + timedelta(seconds=59))
    assert (replay.fingerprint, replay.result) == ("fp", "result of fp")


async def test_a_claim_rolled_back_leaves_the_key_free(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.idempotency.claim("k", "fp", now=T0, expires_at=T0) is None
        await uow.idempotency.record("k", "lost")
    assert await claim(backend, "k", "again") is None


async def test_an_expired_idempotency_key_can_be_claimed_again(backend: Backend) -> None:
    assert await claim(backend, "k", "fp") is None
    assert await claim(backend, "k", "new", now=T0 + timedelta(seconds=60)) is None
    again = await claim(backend, "k", "x", now=T0 + timedelta(seconds=61))
    assert again.fingerprint == "new"


async def test_only_one_of_many_racing_claims_wins(backend: Backend) -> None:
    results = await asyncio.gather(*(claim(backend, "race", f"fp{i}") for i in range(8)))
    assert sum(result is None for result in results) == 1
    assert {r.result for r in results if r is not None} == {
        next(f"result of {r.fingerprint}" for r in results if r is not None)
    }


# -- the unit of work --------------------------------------------------------------------------
async def test_commit_publishes_the_events_after_the_data_is_stored(backend: Backend) -> None:
    publisher = RecordingPublisher()
    item = make_item(quantity=3)
    async with backend.uow(publisher=publisher) as uow:
        await uow.items.add(item)
        assert publisher.published == []
        await uow.commit()
    assert [type(e) for e in publisher.published] == [ItemCreated]
    async with backend.uow(publisher=publisher) as uow:
        loaded = await uow.items.get(item.id, for_update=True)
        assert loaded is not None
        loaded.adjust(-1, "sold", at=T0, by=ACTOR)
        await uow.items.save(loaded)
        await uow.commit()
    assert [type(e) for e in publisher.published] == [ItemCreated, StockAdjusted]


async def test_a_revocation_is_published_after_commit_only(backend: Backend) -> None:
    publisher = RecordingPublisher()
    user = make_user()
    async with backend.uow(publisher=publisher) as uow:
        await uow.users.add(user)
        await uow.commit()
    async with backend.uow(publisher=publisher) as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.set_active(False, at=T0)
        await uow.users.save(loaded)
        await uow.rollback()
    assert publisher.published == []
    async with backend.uow(publisher=publisher) as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.change_password_hash("new hash", at=T0)
        await uow.users.save(loaded)
        assert publisher.published == []
        await uow.commit()
    async with backend.uow() as uow:
        stored = await uow.users.get(user.id)
    assert publisher.published == [
        AccessRevoked(occurred_at=T0, user_id=user.id, token_version=2, reason="password changed")
    ]
    assert stored is not None
    assert (stored.token_version, stored.events) == (2, [])


async def test_leaving_without_commit_rolls_back_and_publishes_nothing(backend: Backend) -> None:
    publisher = RecordingPublisher()
    item, user = make_item(quantity=3), make_user()
    async with backend.uow(publisher=publisher) as uow:
        await uow.items.add(item)
        await uow.users.add(user)
        await uow.login_attempts.save("x", LoginFailures(count=1, first_at=T0, last_at=T0))

    async def fail_inside() -> None:
        async with backend.uow(publisher=publisher) as uow:
            await uow.items.add(make_item("B"))
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await fail_inside()
    async with backend.uow(publisher=publisher) as uow:
        await uow.items.add(make_item("C"))
        await uow.rollback()
        await uow.commit()
    assert publisher.published == []
    async with backend.queries() as session:
        assert (await session.items.list(ItemQuery())).total == 0
    async with backend.uow() as uow:
        assert await uow.movements.sum_for_item(item.id) == 0
        assert await uow.users.count() == 0
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("x") is None


async def test_readers_never_see_uncommitted_writes(backend: Backend) -> None:
    item = make_item()
    async with backend.uow() as writer:
        await writer.items.add(item)
        async with backend.queries() as reader:
            assert await reader.items.get(item.id) is None
        await writer.commit()
    async with backend.queries() as reader:
        assert await reader.items.get(item.id) is not None


async def test_a_unit_of_work_is_used_inside_its_block_only(backend: Backend) -> None:
    uow = backend.uow()
    with pytest.raises(RuntimeError):
        await uow.items.get(uuid4())
    async with uow:
        with pytest.raises(RuntimeError):
            await uow.__aenter__()
    with pytest.raises(RuntimeError):
        await uow.commit()
