"""Stock stays right under concurrency, through the real use cases and the real databases."""

import asyncio
import json
import sys
from pathlib import Path
from uuid import UUID

import pytest

from adapters.clock import FixedClock
from application.commands import AdjustStockCommand, CreateItemCommand, UpdateItemCommand
from domain.errors import InsufficientStock, VersionMismatch
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.databases import empty_postgres
from tests.integration.conftest import ADMIN

ROOT = Path(__file__).resolve().parents[2]


async def create_item(container: Container, quantity: int) -> UUID:
    command = CreateItemCommand(
        actor=ADMIN, sku="BOLT-1", name="Bolt", unit_price="0.10", quantity=quantity
    )
    return ((await container.create_item().execute(command)).item).id


async def ledger_and_quantity(container: Container, item_id: UUID) -> tuple[int, int, int]:
    """(quantity, ledger sum, number of movements), read in one transaction."""
    async with container.uow() as uow:
        item = await uow.items.get(item_id)
        total = await uow.movements.sum_for_item(item_id)
    async with container.queries() as session:
        count = (await session.movements.list_for_item(item_id, offset=0, limit=1)).total
    assert item is not None
    return item.quantity, total, count


@pytest.mark.slow
async def test_200_concurrent_removals_from_100_leave_exactly_zero(
    sql_container: Container,
) -> None:
    item_id = await create_item(sql_container, 100)

    async def remove_one() -> object:
        command = AdjustStockCommand(actor=ADMIN, item=item_id, delta=-1, reason="sold")
        return await sql_container.adjust_stock().execute(command)

    results = await asyncio.gather(*(remove_one() for _ in range(200)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, InsufficientStock) for f in failures), failures[:3]
    assert (len(results) - len(failures), len(failures)) == (100, 100)
    assert await ledger_and_quantity(sql_container, item_id) == (0, 0, 101)


async def test_concurrent_versioned_updates_let_exactly_one_win(sql_container: Container) -> None:
    item_id = await create_item(sql_container, 10)
    for version in (1, 2, 3):

        async def rename(n: int, version: int = version) -> object:
            command = UpdateItemCommand(
                actor=ADMIN, item=item_id, name=f"Bolt {version}.{n}", expected_version=version
            )
            return await sql_container.update_item().execute(command)

        results = await asyncio.gather(*(rename(n) for n in range(10)), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(f, VersionMismatch) for f in failures), failures[:3]
        assert len(failures) == 9
    async with sql_container.uow() as uow:
        item = await uow.items.get(item_id)
    assert item is not None
    assert item.version == 4


@pytest.mark.postgres
@pytest.mark.slow
async def test_several_processes_share_the_stock_exactly(
    postgres_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    await empty_postgres(postgres_url)
    settings = make_settings(tmp_path, storage="sqlalchemy", database_url=postgres_url)
    container = build_container(settings)
    await start(container)
    try:
        item_id = await create_item(container, 100)
        command = [sys.executable, "-m", "tests.integration.stock_worker", "burst", postgres_url]
        workers = [
            await asyncio.create_subprocess_exec(
                *command,
                str(item_id),
                "75",
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
        assert sum(c["ok"] for c in counts) == 100
        assert sum(c["insufficient"] for c in counts) == 50
        assert await ledger_and_quantity(container, item_id) == (0, 0, 101)
    finally:
        await close(container)
