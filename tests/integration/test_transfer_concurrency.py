"""Transfers stay exact under concurrency: 200 transfers A→B of one unit with A holding 100,
mixed with movements at A and of the same item elsewhere, in one process and in two."""

import asyncio
import json
import sys
from pathlib import Path
from uuid import UUID

import pytest

from adapters.clock import FixedClock
from application.commands import (
    AdjustStockCommand,
    CreateItemCommand,
    CreateLocationCommand,
    TransferStockCommand,
)
from domain.errors import InsufficientStock, LocationNotEmpty, NotFound
from domain.locations import MAIN_LOCATION_ID
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.databases import empty_postgres, fresh_sqlite_url
from tests.integration.conftest import ADMIN

ROOT = Path(__file__).resolve().parents[2]


async def stocked(container: Container, sku: str, at_a: int) -> UUID:
    command = CreateItemCommand(actor=ADMIN, sku=sku, name=sku, unit_price="1")
    item_id = (await container.create_item().execute(command)).item.id
    await container.adjust_stock().execute(
        AdjustStockCommand(actor=ADMIN, item=item_id, delta=at_a, reason="received", location="A")
    )
    return item_id


async def two_locations(container: Container) -> None:
    for code in ("A", "B"):
        await container.create_location().execute(
            CreateLocationCommand(actor=ADMIN, code=code, name=code)
        )


async def held(container: Container, item_id: UUID) -> dict[str, tuple[int, int]]:
    """Per location code: (what the item holds there, the sum of its ledger there)."""
    async with container.uow() as uow:
        item = await uow.items.get(item_id)
        assert item is not None
        found = {}
        for location_id, level in item.stock.items():
            location = await uow.locations.get(location_id)
            assert location is not None
            ledger = await uow.movements.sum_for_location(item_id, location_id)
            found[location.code.value] = (level.quantity, ledger)
        assert sum(q for q, _ in found.values()) == item.quantity
        assert item.quantity == await uow.movements.sum_for_item(item_id)
    return found


@pytest.mark.slow
async def test_200_transfers_of_one_from_100_move_exactly_100(sql_container: Container) -> None:
    await two_locations(sql_container)
    item_id = await stocked(sql_container, "T-1", 100)
    neighbour = await stocked(sql_container, "T-2", 100)

    async def transfer() -> object:
        command = TransferStockCommand(
            actor=ADMIN, item=item_id, from_location="A", to_location="B", quantity=1
        )
        return await sql_container.transfer_stock().execute(command)

    async def elsewhere(n: int) -> object:
        """Movements at A (of another item) and of this item at MAIN: same rows, other stock."""
        if n % 2:
            command = AdjustStockCommand(
                actor=ADMIN,
                item=neighbour,
                delta=1 if n % 4 == 1 else -1,
                reason="correction",
                location="A",
            )
        else:
            command = AdjustStockCommand(
                actor=ADMIN, item=item_id, delta=1, reason="received", location=MAIN_LOCATION_ID
            )
        return await sql_container.adjust_stock().execute(command)

    work = [transfer() for _ in range(200)] + [elsewhere(n) for n in range(100)]
    results = await asyncio.gather(*work, return_exceptions=True)
    transfers, others = results[:200], results[200:]
    failures = [r for r in transfers if isinstance(r, BaseException)]
    assert all(isinstance(f, InsufficientStock) for f in failures), failures[:3]
    assert all(f.details == {**f.details, "location": "A", "available": 0} for f in failures)
    assert (200 - len(failures), len(failures)) == (100, 100)
    assert not [r for r in others if isinstance(r, BaseException)]
    assert await held(sql_container, item_id) == {"A": (0, 0), "B": (100, 100), "MAIN": (50, 50)}
    assert await held(sql_container, neighbour) == {"A": (100, 100)}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return fresh_sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path / "db")
    url: str = request.getfixturevalue("postgres_url")
    await empty_postgres(url)
    return url


@pytest.mark.slow
async def test_two_processes_transferring_at_once_move_exactly_what_was_there(
    shared_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    container = build_container(
        make_settings(tmp_path, storage="sqlalchemy", database_url=shared_url)
    )
    await start(container)
    try:
        await two_locations(container)
        item_id = await stocked(container, "T-1", 100)
        command = [sys.executable, "-m", "tests.integration.stock_worker", "transfer", shared_url]
        workers = [
            await asyncio.create_subprocess_exec(
                *command,
                str(item_id),
                "100",
                "A",
                "B",
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            for _ in range(2)
        ]
        for worker in workers:  # everybody ready, then everybody at once
            assert worker.stdout is not None
            assert await worker.stdout.readline() == b"ready\n"
        outputs = [await worker.communicate(b"go\n") for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0]
        counts = [json.loads(out) for out, _ in outputs]
        assert (sum(c["ok"] for c in counts), sum(c["insufficient"] for c in counts)) == (100, 100)
        assert await held(container, item_id) == {"A": (0, 0), "B": (100, 100)}
    finally:
        await close(container)


async def test_a_location_deleted_while_stock_moves_in_never_loses_stock(
    sql_container: Container,
) -> None:
    await two_locations(sql_container)
    item_id = await stocked(sql_container, "T-1", 50)

    async def transfer() -> object:
        command = TransferStockCommand(
            actor=ADMIN, item=item_id, from_location="A", to_location="B", quantity=1
        )
        return await sql_container.transfer_stock().execute(command)

    async def delete() -> object:
        await asyncio.sleep(0)
        return await sql_container.delete_location().execute(ADMIN, "B")

    results = await asyncio.gather(
        *(transfer() for _ in range(20)), delete(), return_exceptions=True
    )
    moved = [r for r in results[:20] if not isinstance(r, BaseException)]
    refused = [r for r in results[:20] if isinstance(r, BaseException)]
    deleted = results[20]
    assert all(isinstance(r, NotFound) for r in refused), refused[:3]
    if deleted is None:  # it went first: nothing reached it
        assert not moved
        assert await held(sql_container, item_id) == {"A": (50, 50)}
    else:
        assert isinstance(deleted, LocationNotEmpty), deleted
        assert moved
        found = await held(sql_container, item_id)
        assert found["A"][0] + found["B"][0] == 50
