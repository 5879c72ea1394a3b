"""A second "service process" for the fan-out test: a bus, a listener and a publisher of its own.

Protocol on stdin/stdout, one JSON object per line. It prints ``{"ready": origin}`` once
listening, ``{"received": payload}`` for every live event and ``{"handled": payload}`` for every
after-commit handler run; it publishes a ``stock.adjusted`` event for each ``{"publish": sku}``
line and exits on end of input.
"""

import asyncio
import json
import sys
from datetime import UTC, datetime
from uuid import uuid4

from adapters.memory import InProcessEventBus
from adapters.postgres.notify_events import PostgresEventListener, PostgresNotifyPublisher
from domain.events import DomainEvent, StockAdjusted
from domain.locations import MAIN_LOCATION_ID


def say(**message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def handled(event: DomainEvent) -> None:
    say(handled=event.payload())


async def forward(bus: InProcessEventBus, ready: asyncio.Event) -> None:
    async with bus.listen() as queue:
        ready.set()
        while True:
            say(received=(await queue.get()).payload())


async def main(dsn: str, channel: str) -> None:
    bus = InProcessEventBus(handlers=[handled])
    listener = PostgresEventListener(dsn, channel, bus)
    publisher = PostgresNotifyPublisher(dsn, channel, bus, origin=listener.origin)
    subscribed = asyncio.Event()
    forwarding = asyncio.create_task(forward(bus, subscribed))
    await subscribed.wait()
    await listener.start()
    await listener.wait_listening(10)
    say(ready=listener.origin)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        sku = json.loads(line)["publish"]
        event = StockAdjusted(
            occurred_at=datetime.now(UTC),
            item_id=uuid4(),
            sku=sku,
            version=1,
            delta=1,
            reason="receipt",
            quantity=1,
            location_id=MAIN_LOCATION_ID,
            location_quantity=1,
        )
        await publisher.publish([event])
    await bus.drain()
    forwarding.cancel()
    await listener.stop()
    await publisher.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
