"""The service behind PgBouncer in transaction mode (issue 11, item 7).

Each transaction may run on another server connection there, and PgBouncer before 1.21 (Debian
12 ships 1.18) keeps no prepared statements: with ``INVENTORY_DB_TRANSACTION_POOLING=true`` every
statement goes out unnamed, and the live-event fan-out connects to the server directly
(``INVENTORY_EVENT_FANOUT_URL``), because a ``LISTEN`` does not outlive its transaction. Without
the setting, the second client connection that prepares a statement on a shared server
connection fails with ``prepared statement "__asyncpg_stmt_1__" already exists``.

PgBouncer keeps two server connections here, so concurrent requests really share them.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.sqlalchemy import current
from adapters.sqlalchemy.migrate import head_revision
from application.commands import AdjustStockCommand, CreateItemCommand
from application.errors import AuthenticationFailed
from application.ports import ItemQuery
from domain.errors import InsufficientStock
from entrypoints.container import Container, build_container, close, start
from entrypoints.rest.app import create_app
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.databases import empty_postgres, new_postgres_database
from tests.e2e.rest.conftest import ADMIN_PASSWORD, login
from tests.integration.servers import run_cli, server_environment
from tests.logins import log_in
from tests.pgbouncer import running_pgbouncer

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def pgbouncer(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's migrated database, through PgBouncer."""
    with running_pgbouncer(postgres_url, tmp_path_factory.mktemp("pgbouncer")) as url:
        yield url


def pooled_settings(tmp_path: Path, pooled_url: str, direct_url: str) -> Settings:
    return make_settings(
        tmp_path,
        storage="sqlalchemy",
        database_url=pooled_url,
        db_transaction_pooling=True,
        event_fanout_url=direct_url,
        db_pool_size=10,
        admin_password=ADMIN_PASSWORD,
    )


@pytest.fixture
async def pooled(pgbouncer: str, postgres_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    await empty_postgres(postgres_url)
    container = build_container(pooled_settings(tmp_path, pgbouncer, postgres_url))
    await start(container)
    yield container
    await close(container)


async def test_use_cases_run_concurrently_through_pgbouncer(pooled: Container) -> None:
    await pooled.bootstrap_admin().execute("admin", ADMIN_PASSWORD)
    tokens = await asyncio.gather(*(log_in(pooled, "admin", ADMIN_PASSWORD) for _ in range(4)))
    with pytest.raises(AuthenticationFailed):
        await log_in(pooled, "admin", "not-the-password")
    caller = pooled.token_service().verify(tokens[0].token)

    create = CreateItemCommand(
        actor=caller, sku="PGB-1", name="Pooled", unit_price="1.00", quantity=25,
        idempotency_key="create-pgb-1",
    )  # fmt: skip
    created = await asyncio.gather(*(pooled.create_item().execute(create) for _ in range(5)))
    assert len({change.item.id for change in created}) == 1  # one item, four replays
    item_id = created[0].item.id

    async def remove_one() -> object:
        command = AdjustStockCommand(actor=caller, item=item_id, delta=-1, reason="sold")
        return await pooled.adjust_stock().execute(command)

    removals = await asyncio.gather(*(remove_one() for _ in range(40)), return_exceptions=True)
    refused = [r for r in removals if isinstance(r, BaseException)]
    assert all(isinstance(error, InsufficientStock) for error in refused), refused[:3]
    assert len(refused) == 15  # 25 succeeded: row locks hold through the pooler

    items = await asyncio.gather(*(pooled.get_item().execute(caller, item_id) for _ in range(10)))
    pages = await asyncio.gather(
        *(pooled.list_items().execute(caller, ItemQuery()) for _ in range(10))
    )
    ledgers = await asyncio.gather(
        *(pooled.list_movements().execute(caller, item_id, limit=100) for _ in range(10))
    )
    assert {view.quantity for view in items} == {0}
    assert {page.total for page in pages} == {1}
    assert {ledger.total for ledger in ledgers} == {26}
    assert [view.sku.value for view in await pooled.export_items().execute(caller)] == ["PGB-1"]


def test_the_rest_api_and_live_events_behind_pgbouncer(
    pgbouncer: str, postgres_url: str, tmp_path: Path
) -> None:
    """Live events come back to this process only through its own LISTEN (the PostgreSQL
    fan-out), which holds a direct connection while requests go through PgBouncer."""
    asyncio.run(empty_postgres(postgres_url))
    settings = pooled_settings(tmp_path, pgbouncer, postgres_url)
    with TestClient(create_app(build_container(settings))) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        token = admin["Authorization"].removeprefix("Bearer ")
        with client.websocket_connect(f"/api/v1/events?token={token}") as socket:
            body = {"sku": "WS-1", "name": "Live", "unit_price": "1.00", "quantity": 3}
            item = client.post("/api/v1/items", json=body, headers=admin).json()
            assert socket.receive_json()["type"] == "item.created"
            keyed = {**admin, "Idempotency-Key": "ws-sale"}
            movement = {"delta": -1, "reason": "sold"}
            for _ in range(2):  # a retry replays the first answer
                moved = client.post(
                    f"/api/v1/items/{item['id']}/movements", json=movement, headers=keyed
                )
                assert moved.status_code == 201, moved.text
            assert socket.receive_json()["quantity"] == 2
        assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["quantity"] == 2
        listed = client.get("/api/v1/items", headers=admin).json()
        assert [entry["sku"] for entry in listed["items"]] == ["WS-1"]
        assert client.get("/health/ready").status_code == 200


def test_migrations_run_through_pgbouncer(postgres_url: str, tmp_path: Path) -> None:
    """``inventory db upgrade`` with the service's own settings, pooler URL and all, in two
    processes one after the other: asyncpg numbers named statements per process, so the second
    process's first statement would meet the first one's of the same name on PgBouncer's one
    server connection."""
    with (
        new_postgres_database("inventory_pooled_migrations") as direct,
        running_pgbouncer(direct, tmp_path / "pgbouncer", server_connections=1) as pooled_url,
    ):
        environment = server_environment(
            pooled_url,
            tmp_path / "var",
            INVENTORY_DB_TRANSACTION_POOLING="true",
            INVENTORY_EVENT_FANOUT_URL=direct,
        )
        for arguments in (("upgrade",), ("downgrade", "base", "--yes"), ("upgrade",)):
            run_cli("db", *arguments, environment=environment, cwd=tmp_path)
        assert asyncio.run(current(direct)) == head_revision()
