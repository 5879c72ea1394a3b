"""Bulk import on the in-memory store: batches, upserts, rejections, dry runs, idempotence."""

from collections.abc import Mapping

import pytest

from adapters.clock import FixedClock
from application.commands import RegisterUserCommand
from application.ports import ItemQuery
from application.use_cases import ImportItems, ImportRow, RowStatus
from domain.errors import PermissionDenied
from domain.users import Principal
from entrypoints.container import Container


async def register(
    container: Container, name: str, role: str, actor: Principal | None = None
) -> Principal:
    user = await container.register_user().execute(
        RegisterUserCommand(actor=actor, username=name, password="long enough", role=role)
    )
    return user.principal()


@pytest.fixture
async def admin(container: Container) -> Principal:
    return await register(container, "root", "admin")


def importer(container: Container, batch_size: int = 2) -> ImportItems:
    return ImportItems(uow=container.uow(), clock=container.clock(), batch_size=batch_size)


def row(line: int, sku: str, price: str = "1.00", **cells: str) -> ImportRow:
    values: Mapping[str, str] = {
        "sku": sku,
        "name": cells.pop("name", f"Item {sku}"),
        "price": price,
        **cells,
    }
    return ImportRow(line, values)


async def stored(container: Container) -> dict[str, tuple[str, int, int]]:
    async with container.queries() as session:
        page = await session.items.list(ItemQuery(limit=100))
    return {
        item.sku.value: (str(item.unit_price), item.quantity, item.version) for item in page.items
    }


async def test_rows_are_upserted_across_batches(container: Container, admin: Principal) -> None:
    done: list[int] = []
    rows = [
        row(2, "a", quantity="5"),
        row(3, "B"),
        row(4, "C", "2.00"),
        row(5, "A", "3.00", quantity="7"),  # same SKU as line 2, in a later batch
        row(6, "C", "2.50"),  # same SKU as line 4, in the same batch
    ]
    report = await importer(container).execute(admin, rows, progress=done.append)
    assert [(r.line, r.sku, r.status) for r in report.rows] == [
        (2, "A", RowStatus.CREATED),
        (3, "B", RowStatus.CREATED),
        (4, "C", RowStatus.CREATED),
        (5, "A", RowStatus.UPDATED),
        (6, "C", RowStatus.UPDATED),
    ]
    assert done == [2, 4, 5]
    items = await stored(container)
    assert items["A"][:2] == ("3.00", 7)
    assert items["C"][:2] == ("2.50", 0)
    async with container.uow() as uow:
        item = await uow.items.get_by_sku("A")
        assert item is not None
    async with container.queries() as session:
        ledger = await session.movements.list_for_item(item.id, offset=0, limit=10)
    assert [(m.delta, m.reason.value) for m in ledger.items] == [(2, "count"), (5, "received")]


async def test_a_second_import_of_the_same_rows_changes_nothing(
    container: Container, admin: Principal
) -> None:
    rows = [row(2, "A", quantity="5", tax="20", description="x", reorder_level="1"), row(3, "B")]
    await importer(container).execute(admin, rows)
    before = await stored(container)
    events: list[str] = []
    async with container.event_bus().listen() as queue:
        report = await importer(container).execute(admin, rows)
        while not queue.empty():
            events.append(queue.get_nowait().name)
    assert [r.status for r in report.rows] == [RowStatus.UNCHANGED, RowStatus.UNCHANGED]
    assert await stored(container) == before
    assert events == []


async def test_bad_rows_are_rejected_and_the_others_imported(
    container: Container, admin: Principal
) -> None:
    rows = [
        row(2, "A"),
        row(3, "B", "abc"),
        ImportRow(4, {"sku": "C"}, problem="has 2 fields but the header has 3"),
        row(5, "D", reorder_level="-1"),
        row(6, "E", quantity=str(10**13)),
        row(7, "F", tax="-1"),
    ]
    report = await importer(container).execute(admin, rows)
    # Named by the file's columns (price, tax), not by the domain's fields.
    assert [(r.line, r.code, r.reason) for r in report.rejected] == [
        (3, "invalid_value", "price: must be a decimal number such as 12.50"),
        (4, "invalid_value", "row: has 2 fields but the header has 3"),
        (5, "invalid_value", "reorder_level: must be at least 0"),
        (6, "invalid_value", "quantity: must be at most 1000000000000"),
        (7, "invalid_value", "tax: must not be negative"),
    ]
    assert report.count(RowStatus.CREATED) == 1
    assert list(await stored(container)) == ["A"]


async def test_a_dry_run_reports_like_a_real_one_and_keeps_nothing(
    container: Container, admin: Principal, clock: FixedClock
) -> None:
    await importer(container).execute(admin, [row(2, "A", quantity="1")])
    before = await stored(container)
    rows = [row(2, "A", "9.00"), row(3, "B"), row(4, "C"), row(5, "B", "2.00"), row(6, "Z", "x")]
    done: list[int] = []
    dry = await importer(container).execute(admin, rows, dry_run=True, progress=done.append)
    assert dry.dry_run
    assert [r.status for r in dry.rows] == [
        RowStatus.UPDATED,
        RowStatus.CREATED,
        RowStatus.CREATED,
        RowStatus.UPDATED,
        RowStatus.REJECTED,
    ]
    assert done == [2, 4, 5]
    assert await stored(container) == before
    real = await importer(container).execute(admin, rows)
    assert [r.status for r in real.rows] == [r.status for r in dry.rows]


async def test_only_writers_may_import(container: Container, admin: Principal) -> None:
    viewer = await register(container, "vic", "viewer", admin)
    with pytest.raises(PermissionDenied):
        await importer(container).execute(viewer, [row(2, "A")])
    assert await stored(container) == {}


def test_batches_hold_at_least_one_row(container: Container) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        importer(container, batch_size=0)
