"""A service process that dies between a commit and its publication (the outbox's process test).

It serves as a relay would (leading the relay, following the outbox), commits one new item
whose SKU is ``argv[2]``, prints ``{"committed": item_id}`` from inside the after-commit
publication, and then hangs there until the test kills it with SIGKILL: the change is durable,
nothing has been published, and the relay's lead dies with the process.
"""

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from uuid import uuid4

from dependency_injector import providers

from application.commands import CreateItemCommand
from domain.events import DomainEvent
from domain.users import Principal, Role
from entrypoints.container import build_container, start
from entrypoints.settings import Settings


class HangsAfterCommit:
    """The ``EventPublisher``: the commit is done when it is called; it never returns."""

    def __init__(self) -> None:
        self.item_id = ""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        print(json.dumps({"committed": [e.name for e in events]}), flush=True)
        await asyncio.Event().wait()

    async def announce(self) -> None:
        return None


async def main(database_url: str, sku: str, data_dir: str) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        storage="sqlalchemy",
        database_url=database_url,
        data_dir=Path(data_dir),
        secret_key="test-secret-that-is-long-enough-for-hs256-0123456789",
        event_poll_seconds=60.0,  # its relay runs once at start-up, then only when rung
    )
    container = build_container(settings)
    container.listens_for_live_events.override(providers.Object(True))
    container.event_publisher.override(providers.Object(HangsAfterCommit()))
    await start(container)
    await asyncio.sleep(0.5)  # the relay took the lead in its first round
    print(json.dumps({"leading": True}), flush=True)
    actor = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)
    await container.create_item().execute(
        CreateItemCommand(actor=actor, sku=sku, name=sku, unit_price="1")
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
