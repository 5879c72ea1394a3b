"""What the outbox costs a stock movement, and how far the relay lags (issue 16).

``python -m benchmarks.outbox_cost [--movements N]``: in process, through the AdjustStock use
case on a fresh SQLite file (and on PostgreSQL when ``INVENTORY_BENCH_OUTBOX_POSTGRES_URL``
names a database of its own: it is migrated and written to), the same movements with and
without the outbox INSERT, interleaved in rounds so the machine's noise hits both alike.
Without HTTP around them the outbox's share is larger than over the wire, so the bound is
checked on the harder measure. The relay runs as in a server while the movements with the
outbox are made; its lag is how long after the last commit the last event got its position.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from uuid import uuid4

from dependency_injector import providers
from pydantic import SecretStr

from adapters.sqlalchemy import SqlAlchemyUnitOfWork, upgrade
from adapters.sqlalchemy.event_log import write_outbox
from adapters.sqlalchemy.sessions import WriteSession
from application.commands import AdjustStockCommand, CreateItemCommand
from application.outbox import OutboxEntry
from domain.users import Principal, Role
from entrypoints.container import Container, build_container, close, start
from entrypoints.settings import Settings

CLERK = Principal(user_id=uuid4(), username="bench", role=Role.CLERK)
BOUND = 0.15


async def _no_outbox(_session: WriteSession, _entries: Sequence[OutboxEntry]) -> None:
    return None


def _container(url: str, data_dir: Path, *, relay: bool) -> Container:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        storage="sqlalchemy",
        database_url=url,
        data_dir=data_dir,
        secret_key=SecretStr("bench-secret-that-is-long-enough-for-hs256-0123456789"),
    )
    container = build_container(settings)
    container.listens_for_live_events.override(providers.Object(relay))  # the relay runs
    return container


async def _movements(container: Container, item_id: object, count: int) -> float:
    adjust = container.adjust_stock
    started = time.perf_counter()
    for n in range(count):
        delta = 1 if n % 2 == 0 else -1
        await adjust().execute(
            AdjustStockCommand(actor=CLERK, item=item_id, delta=delta, reason="correction")  # type: ignore[arg-type]
        )
    return (time.perf_counter() - started) / count


async def measure(url: str, movements: int, rounds: int, *, relay: bool) -> dict[str, float]:
    await asyncio.to_thread(lambda: asyncio.run(upgrade(url)))
    with tempfile.TemporaryDirectory() as scratch:
        container = _container(url, Path(scratch), relay=relay)
        await start(container)
        try:
            created = await container.create_item().execute(
                CreateItemCommand(
                    actor=CLERK,
                    sku=f"BENCH-{uuid4().hex[:8]}",
                    name="Bench",
                    unit_price="1",
                    quantity=10,
                )
            )
            item_id = created.item.id
            database = container.database()
            # The same unit of work and publisher (after-commit handlers, and on PostgreSQL one
            # NOTIFY per commit, as before the outbox), without the outbox rows: the difference
            # is the INSERT and the relay's work on what it inserted.
            plain = providers.Factory(
                SqlAlchemyUnitOfWork,
                database=database,
                publisher=container.event_publisher(),
                outbox=_no_outbox,
            )
            with_outbox = providers.Factory(
                SqlAlchemyUnitOfWork,
                database=database,
                publisher=container.event_publisher(),
                outbox=write_outbox,
            )
            timings: dict[str, list[float]] = {"outbox": [], "plain": []}
            await _movements(container, item_id, 50)  # warm-up
            for _ in range(rounds):
                for name, uow in (("plain", plain), ("outbox", with_outbox)):
                    with container.uow.override(uow):
                        timings[name].append(await _movements(container, item_id, movements))
            last_commit = time.perf_counter()
            log = container.event_log()
            while relay and await log.pending():  # noqa: ASYNC110 - measures how long the relay takes
                await asyncio.sleep(0.005)
            lag = time.perf_counter() - last_commit
        finally:
            await close(container)
    outbox, plain_ms = statistics.median(timings["outbox"]), statistics.median(timings["plain"])
    # Each round's pair ran back to back, under the same load from outside: the median of the
    # rounds' ratios is steadier than the ratio of the medians.
    paired = [o / p for o, p in zip(timings["outbox"], timings["plain"], strict=True)]
    return {
        "plain_ms": plain_ms * 1000,
        "outbox_ms": outbox * 1000,
        "cost": statistics.median(paired) - 1,
        "relay_lag_s": lag,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=300, help="per round and variant")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument(
        "--no-relay", action="store_true", help="the outbox INSERT alone, without the relay"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        stores = {"sqlite": f"sqlite:///{directory}/bench.db"}
        if server := os.environ.get("INVENTORY_BENCH_OUTBOX_POSTGRES_URL"):
            stores["postgresql"] = server
        for name, url in stores.items():
            result = asyncio.run(measure(url, args.movements, args.rounds, relay=not args.no_relay))
            verdict = "ok" if result["cost"] <= BOUND else f"OVER the {BOUND:.0%} bound"
            print(
                f"{name}: movement {result['plain_ms']:.2f} ms without the outbox,"
                f" {result['outbox_ms']:.2f} ms with it: +{result['cost']:.1%} ({verdict});"
                f" relay lag at the end of the run {result['relay_lag_s']:.3f} s"
            )


if __name__ == "__main__":
    main()
