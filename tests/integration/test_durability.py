"""A write the server acknowledged survives ``kill -9`` of the server right after (issue 4):
the real ``inventory serve`` on SQLite and on PostgreSQL, writes over HTTP, SIGKILL, restart."""

import asyncio
import os
import signal
from pathlib import Path

import httpx2
import pytest

from tests.integration.servers import (
    ADMIN_PASSWORD,
    Server,
    login,
    running_servers,
    server_environment,
)

pytestmark = pytest.mark.slow

WRITERS = 4
ACKNOWLEDGED_BEFORE_KILL = 40


async def write_until_killed(server: Server, headers: dict[str, str], item_id: str) -> set[str]:
    """Concurrent +1 movements; SIGKILL as soon as enough were acknowledged. The ids of the
    acknowledged (201) movements."""
    acknowledged: set[str] = set()

    async def writer(client: httpx2.AsyncClient) -> None:
        while server.process.poll() is None:
            try:
                response = await client.post(
                    f"/api/v1/items/{item_id}/movements",
                    json={"delta": 1, "reason": "received"},
                    headers=headers,
                )
            except httpx2.TransportError:
                return  # killed while this request was in flight: not acknowledged
            assert response.status_code == 201, response.text
            acknowledged.add(response.json()["movement"]["id"])
            if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL and server.process.poll() is None:
                os.kill(server.process.pid, signal.SIGKILL)
                server.process.wait()

    async with httpx2.AsyncClient(base_url=server.url, timeout=60) as client:
        await asyncio.gather(*(writer(client) for _ in range(WRITERS)))
    assert server.process.returncode == -signal.SIGKILL
    return acknowledged


async def test_acknowledged_writes_survive_kill_9_of_the_server(
    database_url: str, tmp_path: Path
) -> None:
    environment = server_environment(database_url, tmp_path / "var")
    with running_servers(environment, tmp_path / "before", 1) as (server,):
        async with httpx2.AsyncClient(base_url=server.url, timeout=60) as client:
            headers = await login(client, "admin", ADMIN_PASSWORD)
            created = await client.post(
                "/api/v1/items",
                json={"sku": "BOLT-1", "name": "Bolt", "unit_price": "0.10"},
                headers=headers,
            )
            assert created.status_code == 201, created.text
            item_id = created.json()["id"]
        acknowledged = await write_until_killed(server, headers, item_id)

    with running_servers(environment, tmp_path / "after", 1) as (server,):
        async with httpx2.AsyncClient(base_url=server.url, timeout=60) as client:
            headers = await login(client, "admin", ADMIN_PASSWORD)
            item = (await client.get(f"/api/v1/items/{item_id}", headers=headers)).json()
            page = (
                await client.get(
                    f"/api/v1/items/{item_id}/movements", params={"limit": 100}, headers=headers
                )
            ).json()
    stored = {movement["id"] for movement in page["items"]}
    assert page["total"] == len(stored), "more movements than one page: raise the limit"
    assert acknowledged <= stored
    assert item["quantity"] == sum(m["delta"] for m in page["items"]) >= len(acknowledged)
