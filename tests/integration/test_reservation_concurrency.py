"""Reservations never oversell under concurrency, through the real use cases and databases:
in one process (SQLite and PostgreSQL), across two processes, mixed with movements, and two
sweepers in two processes expire a batch exactly once."""

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from adapters.clock import FixedClock
from application.commands import AdjustStockCommand, CreateItemCommand, CreateReservationCommand
from domain.errors import InsufficientStock
from entrypoints.container import Container
from tests.integration.conftest import ADMIN

ROOT = Path(__file__).resolve().parents[2]


async def new_item(container: Container, quantity: int, sku: str = "BOLT-1") -> UUID:
    command = CreateItemCommand(
        actor=ADMIN, sku=sku, name="Bolt", unit_price="0.10", quantity=quantity
    )
    return (await container.create_item().execute(command)).item.id


async def stored(container: Container, item_id: UUID) -> tuple[int, int, int]:
    """(on hand, held, ledger sum), read in one transaction."""
    async with container.uow() as uow:
        item = await uow.items.get(item_id)
        ledger = await uow.movements.sum_for_item(item_id)
    assert item is not None
    return item.quantity, item.held, ledger


def hold(item_id: UUID, n: int, ttl: int | None = None) -> CreateReservationCommand:
    return CreateReservationCommand(
        actor=ADMIN, item=item_id, quantity=1, reference=f"SO-{n}", ttl_seconds=ttl
    )


@pytest.mark.slow
async def test_200_concurrent_holds_on_100_hold_exactly_100(sql_container: Container) -> None:
    item_id = await new_item(sql_container, 100)
    results = await asyncio.gather(
        *(sql_container.create_reservation().execute(hold(item_id, n)) for n in range(200)),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, InsufficientStock) for f in failures), failures[:3]
    assert len(failures) == 100
    assert await stored(sql_container, item_id) == (100, 100, 100)


@pytest.mark.slow
async def test_holds_raced_by_movements_never_make_available_negative(
    sql_container: Container,
) -> None:
    item_id = await new_item(sql_container, 100)

    async def sell(n: int) -> object:
        command = AdjustStockCommand(actor=ADMIN, item=item_id, delta=-1, reason="sold")
        return await sql_container.adjust_stock().execute(command)

    work = [sql_container.create_reservation().execute(hold(item_id, n)) for n in range(100)]
    work += [sell(n) for n in range(100)]
    results = await asyncio.gather(*work, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, InsufficientStock) for f in failures), failures[:3]
    assert len(results) - len(failures) == 100
    on_hand, held, ledger = await stored(sql_container, item_id)
    assert on_hand == ledger
    assert on_hand - held == 0
    sold = sum(1 for r in results[100:] if not isinstance(r, BaseException))
    assert (on_hand, held) == (100 - sold, 100 - sold)


async def _workers(
    arguments: list[list[str]],
) -> list[dict[str, int]]:
    started = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.reservation_worker",
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for args in arguments
    ]
    for worker in started:  # everybody ready, then everybody at once
        assert worker.stdout is not None
        assert await worker.stdout.readline() == b"ready\n"
    outputs = [await worker.communicate(b"go\n") for worker in started]
    assert [worker.returncode for worker in started] == [0] * len(started)
    return [json.loads(out) for out, _ in outputs]


@pytest.mark.slow
async def test_two_processes_hold_exactly_what_is_available(
    sql_container: Container, database_url: str
) -> None:
    item_id = await new_item(sql_container, 100)
    counts = await _workers(
        [["reserve", database_url, str(item_id), "100", prefix] for prefix in ("A", "B")]
    )
    assert sum(c["ok"] for c in counts) == 100
    assert sum(c["insufficient"] for c in counts) == 100
    assert await stored(sql_container, item_id) == (100, 100, 100)


@pytest.mark.slow
async def test_two_sweepers_in_two_processes_expire_a_batch_once(
    sql_container: Container, database_url: str, clock: FixedClock
) -> None:
    items = [await new_item(sql_container, 2, sku=f"B-{n}") for n in range(30)]
    for n, item_id in enumerate(items):
        await sql_container.create_reservation().execute(hold(item_id, n, ttl=60))
    later = (clock.now() + timedelta(minutes=2)).isoformat()
    counts = await _workers([["sweep", database_url, later] for _ in range(2)])
    assert sum(c["expired"] for c in counts) == 30
    assert sum(c["events"] for c in counts) == 30
    for item_id in items:
        assert await stored(sql_container, item_id) == (2, 0, 2)
