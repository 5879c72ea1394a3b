"""Preparing a store for a run: a fresh database, users of each role, items from CSV."""

import asyncio
import csv
import os
import random
import secrets
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness.processes import VENV_BIN

PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway store
USERS = {"admin": "admin", "clerk": "clerk", "viewer": "viewer"}


@dataclass
class Store:
    name: str
    data_dir: Path
    database_url: str
    env: dict[str, str]
    dropper: str | None = None

    def inventory(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(  # noqa: S603 - our own CLI
            [str(VENV_BIN / "inventory"), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"inventory {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout


def _postgres_database(admin_url: str, name: str) -> str:
    """Create a throw-away database next to the one ``admin_url`` names; return its URL."""
    import asyncpg  # only needed for PostgreSQL runs

    async def create() -> None:
        connection = await asyncpg.connect(admin_url.replace("+asyncpg", ""))
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def drop_postgres_database(admin_url: str, name: str) -> None:
    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(admin_url.replace("+asyncpg", ""))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


def create_store(name: str, workdir: Path, postgres_url: str | None) -> Store:
    data_dir = workdir / name
    data_dir.mkdir(parents=True)
    dropper = None
    if postgres_url:
        db_name = f"bench_{name}_{uuid.uuid4().hex[:8]}"
        database_url = _postgres_database(postgres_url, db_name)
        dropper = db_name
    else:
        database_url = f"sqlite+aiosqlite:///{data_dir / 'inventory.db'}"
    env = {
        **os.environ,
        "INVENTORY_ENV": "production",
        "INVENTORY_STORAGE": "sqlalchemy",
        "INVENTORY_DATA_DIR": str(data_dir),
        "INVENTORY_DATABASE_URL": database_url,
        "INVENTORY_SECRET_KEY": secrets.token_urlsafe(48),
        "INVENTORY_ADMIN_USERNAME": "admin",
        "INVENTORY_ADMIN_PASSWORD": PASSWORD,
    }
    store = Store(name, data_dir, database_url, env, dropper)
    store.inventory("db", "upgrade")
    for username, role in USERS.items():
        args = ["users", "create", username, "--role", role, "--password-stdin"]
        if username != "admin":
            args = ["--as", "admin", *args]
        store.inventory(*args, stdin=PASSWORD + "\n")
    return store


def write_csv(path: Path, rows: int, *, seed: int = 7) -> None:
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    words = [
        "bolt",
        "nut",
        "washer",
        "gear",
        "spring",
        "valve",
        "hinge",
        "bracket",
        "sensor",
        "cable",
    ]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "description", "price", "tax", "quantity", "reorder_level"])
        for number in range(rows):
            word = rng.choice(words)
            writer.writerow(
                [
                    f"SKU-{number:07d}",
                    f"{word.title()} {number}",
                    f"A {word} for benchmark row {number}",
                    f"{rng.randint(1, 99999) / 100:.2f}",
                    rng.choice(["", "7.00", "20.00"]),
                    rng.randint(1_000, 5_000),
                    rng.randint(0, 20),
                ]
            )


def import_csv(store: Store, rows: int) -> float:
    """Import ``rows`` generated rows through the CLI; returns the seconds it took."""
    path = store.data_dir / f"items-{rows}.csv"
    write_csv(path, rows)
    started = time.perf_counter()
    store.inventory("--as", "admin", "items", "import", str(path))
    return time.perf_counter() - started


def ledger_mismatches(store: Store) -> int:
    """Items whose quantity differs from the sum of their ledger, checked through the ports."""
    from application.ports import ItemQuery
    from entrypoints.container import build_container, close, start
    from entrypoints.settings import Settings

    async def check() -> int:
        # model_validate reads no environment and no .env: only this store's settings count.
        settings = Settings.model_validate(
            {
                "storage": "sqlalchemy",
                "data_dir": store.data_dir,
                "database_url": store.database_url,
                "secret_key": store.env["INVENTORY_SECRET_KEY"],
            }
        )
        container = build_container(settings)
        await start(container)
        bad, offset = 0, 0
        while True:
            async with container.queries() as session:
                page = await session.items.list(ItemQuery(offset=offset, limit=100))
            async with container.uow() as uow:
                for item in page.items:
                    if (
                        await uow.movements.sum_for_item(item.id) != item.quantity
                        or item.quantity < 0
                    ):
                        bad += 1
            offset += 100
            if offset >= page.total:
                break
        await close(container)
        return bad

    return asyncio.run(check())
