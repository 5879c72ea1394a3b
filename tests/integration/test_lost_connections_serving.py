"""A real ``inventory serve`` on PostgreSQL whose database connections are ended under it
(issue 12 item 4): every answer is 2xx or 503 with ``Retry-After``, never 500; a write cut off
before its COMMIT changed nothing, one cut off during it is applied at most once when retried
with its Idempotency-Key; and afterwards the service serves normally again.

Backends are ended with ``pg_terminate_backend`` from an admin connection of this module's own
database, as an operator, a failover or a restart of the server would end them.
"""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest

from tests.databases import new_postgres_database, run_in_thread
from tests.integration.backends import (
    backend_waiting,
    refusing_connections,
    run_sql,
    terminate,
    terminate_backends,
)
from tests.integration.servers import (
    ADMIN_PASSWORD,
    Server,
    login,
    run_cli,
    running_servers,
    server_environment,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

#: A movement whose note is listed in ``stall`` waits in the database, so that a test can end
#: its backend at a known point: while the INSERT runs, or while the COMMIT runs.
STALLS = """
CREATE TABLE stall (note text PRIMARY KEY, at_commit boolean NOT NULL);
CREATE FUNCTION stall_if_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM stall WHERE note = NEW.note AND at_commit = (TG_WHEN = 'AFTER')) THEN
    PERFORM pg_sleep(60);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER stall_in_statement BEFORE INSERT ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION stall_if_listed();
CREATE CONSTRAINT TRIGGER stall_at_commit AFTER INSERT ON stock_movements
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION stall_if_listed();
"""
#: The fault run: how long, and how often every backend of the service is ended meanwhile.
FAULT_SECONDS = 6.0
TERMINATE_EVERY_SECONDS = 0.25
READERS = 6
WRITERS = 4


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with new_postgres_database("inventory_faults") as url:
        yield url


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("faults")
    environment = server_environment(database_url, directory / "var")
    run_cli("db", "upgrade", environment=environment, cwd=directory)
    run_in_thread(lambda: run_sql(database_url, STALLS))
    with running_servers(environment, directory / "logs", 1) as (server,):
        yield server


@asynccontextmanager
async def client_of(server: Server) -> AsyncIterator[tuple[httpx2.AsyncClient, dict[str, str]]]:
    limits = httpx2.Limits(max_connections=50, max_keepalive_connections=50)
    async with httpx2.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        yield client, await login(client, "admin", ADMIN_PASSWORD)


async def new_item(client: httpx2.AsyncClient, headers: dict[str, str], quantity: int) -> str:
    body = {"sku": f"F-{uuid.uuid4().hex[:10]}", "name": "Fuse", "unit_price": "0.20"}
    created = await client.post(
        "/api/v1/items", json={**body, "quantity": quantity}, headers=headers
    )
    assert created.status_code == 201, created.text
    item_id: str = created.json()["id"]
    return item_id


async def quantity(client: httpx2.AsyncClient, headers: dict[str, str], item_id: str) -> int:
    item = await client.get(f"/api/v1/items/{item_id}", headers=headers)
    assert item.status_code == 200, item.text
    return int(item.json()["quantity"])


async def ledger_total(client: httpx2.AsyncClient, headers: dict[str, str], item_id: str) -> int:
    page = await client.get(f"/api/v1/items/{item_id}/movements", headers=headers)
    assert page.status_code == 200, page.text
    return int(page.json()["total"])


def assert_unavailable(response: httpx2.Response) -> dict[str, Any]:
    """A 503 the client can act on: problem+json, the stable code, and when to retry."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    problem: dict[str, Any] = response.json()
    assert problem["code"] == "store_unavailable", problem
    return problem


def movement(note: str | None = None, delta: int = 1) -> dict[str, Any]:
    reason = "received" if delta > 0 else "sold"
    return {"delta": delta, "reason": reason, **({"note": note} if note else {})}


async def test_requests_after_the_connections_were_ended_are_served(
    server: Server, database_url: str
) -> None:
    async with client_of(server) as (client, headers):
        item_id = await new_item(client, headers, quantity=5)
        for _ in range(3):  # every pooled connection ends up used, then idle
            assert await quantity(client, headers, item_id) == 5

        assert await terminate_backends(database_url) >= 1

        assert await quantity(client, headers, item_id) == 5
        moved = await client.post(
            f"/api/v1/items/{item_id}/movements", json=movement(), headers=headers
        )
        assert moved.status_code == 201, moved.text
        assert await quantity(client, headers, item_id) == 6


async def test_while_the_database_accepts_no_connections_requests_answer_503_then_recover(
    server: Server, database_url: str
) -> None:
    """What a restart of PostgreSQL looks like from the service: its connections end, and new
    ones are refused for a while."""
    async with client_of(server) as (client, headers):
        item_id = await new_item(client, headers, quantity=4)
        url = f"/api/v1/items/{item_id}/movements"
        async with refusing_connections(database_url):
            assert_unavailable(await client.get(f"/api/v1/items/{item_id}", headers=headers))
            refused = assert_unavailable(await client.post(url, json=movement(), headers=headers))
            assert "nothing was changed" in refused["detail"]
            assert (await client.get("/health/ready")).status_code == 503

        assert (await client.get("/health/ready")).status_code == 200
        moved = await client.post(url, json=movement(), headers=headers)
        assert moved.status_code == 201, moved.text
        assert await quantity(client, headers, item_id) == 5


@pytest.mark.parametrize("at_commit", [False, True], ids=["in-statement", "at-commit"])
async def test_a_write_cut_off_answers_503_and_is_applied_once_when_retried(
    server: Server, database_url: str, at_commit: bool
) -> None:
    async with client_of(server) as (client, headers):
        item_id = await new_item(client, headers, quantity=10)
        note = f"stall-{uuid.uuid4().hex[:8]}"
        await run_sql(database_url, "INSERT INTO stall VALUES ($1, $2)", note, at_commit)
        key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
        url = f"/api/v1/items/{item_id}/movements"
        sent = asyncio.create_task(
            client.post(url, json=movement(note, -3), headers={**headers, **key})
        )
        query = "COMMIT" if at_commit else "INSERT INTO stock_movements"
        await terminate(database_url, await backend_waiting(database_url, query=query))

        problem = assert_unavailable(await sent)
        if at_commit:
            assert "may or may not have been made" in problem["detail"]
            assert "Idempotency-Key" in problem["detail"]
        else:
            assert "nothing was changed" in problem["detail"]
        # Nothing half-done: the stock and the ledger (the creation's row only) are untouched.
        assert await quantity(client, headers, item_id) == 10
        assert await ledger_total(client, headers, item_id) == 1

        await run_sql(database_url, "DELETE FROM stall WHERE note = $1", note)
        for _ in range(2):  # the retry applies it; a second retry replays the recorded answer
            retried = await client.post(url, json=movement(note, -3), headers={**headers, **key})
            assert retried.status_code == 201, retried.text
        assert await quantity(client, headers, item_id) == 7
        assert await ledger_total(client, headers, item_id) == 2


async def test_reads_and_writes_while_every_connection_is_ended_again_and_again(
    server: Server, database_url: str
) -> None:
    async with client_of(server) as (client, headers):
        item_id = await new_item(client, headers, quantity=1000)
        statuses: Counter[int] = Counter()
        applied: list[int] = []
        ended: list[int] = []
        stop = time.monotonic() + FAULT_SECONDS

        def answered(response: httpx2.Response) -> None:
            statuses[response.status_code] += 1
            if response.status_code == 503:
                assert_unavailable(response)
            else:
                assert 200 <= response.status_code < 300, response.text

        async def read(n: int) -> None:
            paths = [
                f"/api/v1/items/{item_id}",
                "/api/v1/items?limit=20",
                f"/api/v1/items/{item_id}/movements?limit=5",
                "/api/v1/users/me",
            ]
            while time.monotonic() < stop:
                answered(await client.get(paths[n % len(paths)], headers=headers))
                n += 1

        async def write(n: int) -> None:
            """Each change is sent until it is acknowledged, always with its own key."""
            while time.monotonic() < stop:
                delta = 1 if n % 2 else -1
                key = {"Idempotency-Key": f"load-{uuid.uuid4().hex}"}
                while True:
                    response = await client.post(
                        f"/api/v1/items/{item_id}/movements",
                        json=movement(delta=delta),
                        headers={**headers, **key},
                    )
                    answered(response)
                    if response.status_code != 503:
                        break
                    await asyncio.sleep(0.05)  # Retry-After says 1 s; the test is in a hurry
                applied.append(delta)
                n += 1

        async def end_connections() -> None:
            while time.monotonic() < stop:
                ended.append(await terminate_backends(database_url))
                await asyncio.sleep(TERMINATE_EVERY_SECONDS)

        await asyncio.gather(
            *(read(n) for n in range(READERS)),
            *(write(n) for n in range(WRITERS)),
            end_connections(),
        )

        assert sum(ended) >= 10, ended  # the faults did happen, many times
        assert set(statuses) <= {200, 201, 503}, statuses
        assert statuses[200] > 0, statuses
        assert statuses[201] > 0, statuses
        # Every change was applied exactly once: the stock and the ledger agree with the
        # acknowledged changes, whatever the 503s before them.
        assert await quantity(client, headers, item_id) == 1000 + sum(applied)
        assert await ledger_total(client, headers, item_id) == 1 + len(applied)

        # Afterwards the service serves normally again.
        after = [await client.get(f"/api/v1/items/{item_id}", headers=headers) for _ in range(20)]
        after += [
            await client.post(
                f"/api/v1/items/{item_id}/movements", json=movement(), headers=headers
            )
            for _ in range(10)
        ]
        assert Counter(r.status_code for r in after) == {200: 20, 201: 10}
        print(f"fault run: {dict(statuses)}, {sum(ended)} backends ended")
