"""``kill -9`` between a commit and its publication loses nothing: the event is in the outbox,
and another process takes the relay's lead (the dead one's lock file or advisory lock went with
it) and delivers it. On SQLite and on PostgreSQL, with real processes."""

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from dependency_injector import providers

from application.outbox import StoredEvent
from entrypoints.container import build_container, close, start
from tests.conftest import make_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]
ROOT = Path(__file__).resolve().parents[2]
BOUND = 30.0  # seconds: a bound against hangs only


class QueueSink:
    name = "test"

    def __init__(self) -> None:
        self.queue: asyncio.Queue[StoredEvent] = asyncio.Queue()

    async def aclose(self) -> None:
        return None

    async def deliver(self, events: Sequence[StoredEvent]) -> None:
        for event in events:
            self.queue.put_nowait(event)


async def crash_after_commit(database_url: str, sku: str, data_dir: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.outbox_crash_peer",
        database_url,
        sku,
        str(data_dir),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(BOUND):
            lines = [json.loads(await process.stdout.readline()) for _ in range(2)]
    finally:
        process.kill()  # SIGKILL
        await process.wait()
    assert lines == [{"leading": True}, {"committed": ["item.created"]}]


async def test_kill_9_between_commit_and_publish_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    await crash_after_commit(database_url, "SURVIVOR", tmp_path / "peer")

    settings = make_settings(tmp_path / "after", storage="sqlalchemy", database_url=database_url)
    container = build_container(settings)
    container.listens_for_live_events.override(providers.Object(True))
    sink = QueueSink()
    container.event_sinks.override(providers.Object([sink]))
    await start(container)
    try:
        async with asyncio.timeout(BOUND):
            event = await sink.queue.get()
    finally:
        await close(container)
    assert event.type == "item.created"
    assert event.data()["sku"] == "SURVIVOR"
    assert event.position == 1
