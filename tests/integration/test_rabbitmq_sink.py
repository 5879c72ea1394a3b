"""The RabbitMQ sink against the real broker: every event arrives, in order, with its event id;
a connection lost mid-run (a broker restart, as the client sees it) loses nothing — events are
offered again and arrive at least once, deduped by ``message_id`` — and the outbox keeps what
the broker has not confirmed."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import aio_pika
import pytest
from dependency_injector import providers

from adapters.broker.rabbitmq import RabbitMqSink
from adapters.clock import FixedClock
from adapters.memory import InMemoryStore, InMemoryUnitOfWork
from adapters.memory.event_log import InMemoryEventLog
from adapters.relay import AsyncDoorbell, SoleLeadership
from application.commands import CreateItemCommand
from application.relay import EventRelay, RelaySettings
from domain.items import Item, ItemDetails
from domain.users import Principal, Role
from entrypoints.container import build_container, close, start
from tests.brokers import CuttableProxy, rabbitmq_url_or_skip
from tests.conftest import make_settings

pytestmark = [pytest.mark.timeout(60)]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
BOUND = 15.0
CLERK = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)


async def add_items(store: InMemoryStore, skus: list[str]) -> None:
    for sku in skus:
        details = ItemDetails.parse(sku=sku, name=sku, unit_price="1")
        async with InMemoryUnitOfWork(store) as uow:
            await uow.items.add(Item.create(details, quantity=1, at=T0, by=None))
            await uow.commit()


@pytest.fixture
async def broker() -> AsyncIterator[tuple[str, str]]:
    """The broker's URL and an exchange of this test's own."""
    url = await rabbitmq_url_or_skip()
    exchange = f"test.events.{uuid4().hex}"
    yield url, exchange
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.exchange_delete(exchange)


class Consumer:
    def __init__(self, url: str, exchange: str) -> None:
        self.url, self.exchange = url, exchange
        self.messages: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def __aenter__(self) -> "Consumer":
        self.connection = await aio_pika.connect(self.url)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(
            self.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        self.queue = await channel.declare_queue(exclusive=True)
        await self.queue.bind(exchange, routing_key="#")
        await self.queue.consume(self._got, no_ack=True)
        return self

    async def _got(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.messages.append(message)

    async def distinct(self, count: int) -> list[aio_pika.abc.AbstractIncomingMessage]:
        async with asyncio.timeout(BOUND):
            while True:
                seen: dict[str | None, aio_pika.abc.AbstractIncomingMessage] = {}
                for message in self.messages:
                    seen.setdefault(message.message_id, message)
                if len(seen) >= count:
                    return list(seen.values())
                await asyncio.sleep(0.02)

    async def __aexit__(self, *_exc: object) -> None:
        await self.connection.close()


def relay(store: InMemoryStore, sink: RabbitMqSink) -> EventRelay:
    return EventRelay(
        log=InMemoryEventLog(store),
        leadership=SoleLeadership(),
        doorbell=AsyncDoorbell(),
        clock=FixedClock(T0 + timedelta(days=60)),
        sinks=[sink],
        settings=RelaySettings(sink_retry_seconds=0.0, prune_every_seconds=0.0),
    )


async def test_every_event_arrives_in_order_persistent_with_its_id(
    broker: tuple[str, str],
) -> None:
    url, exchange = broker
    store = InMemoryStore()
    sink = RabbitMqSink(url, exchange=exchange)
    worker = relay(store, sink)
    async with Consumer(url, exchange) as consumer:
        await add_items(store, [f"R-{n}" for n in range(20)])
        await worker.round(0.0)
        got = await consumer.distinct(20)
    await sink.aclose()
    assert [json.loads(m.body)["data"]["sku"] for m in got] == [f"R-{n}" for n in range(20)]
    assert [m.routing_key for m in got] == ["item.created"] * 20
    assert [m.headers["position"] for m in got] == list(range(1, 21))
    assert {m.delivery_mode for m in got} == {aio_pika.DeliveryMode.PERSISTENT}
    assert await InMemoryEventLog(store).cursor("rabbitmq") == 20
    # Confirmed, so past the retention they may go: the newest always stays.
    (kept,) = store.events
    assert got[-1].message_id == str(kept.event_id)
    assert len({m.message_id for m in got}) == 20


async def test_a_lost_connection_loses_nothing_and_unconfirmed_events_stay(
    broker: tuple[str, str],
) -> None:
    url, exchange = broker
    proxy = CuttableProxy(url)
    await proxy.start()
    store = InMemoryStore()
    log = InMemoryEventLog(store)
    sink = RabbitMqSink(proxy.url, exchange=exchange, timeout=3.0)
    worker = relay(store, sink)
    try:
        async with Consumer(url, exchange) as consumer:
            await add_items(store, [f"A-{n}" for n in range(5)])
            await worker.round(0.0)
            await consumer.distinct(5)

            proxy.cut()  # the broker "restarts" between two batches
            proxy.refusing = True
            await add_items(store, [f"B-{n}" for n in range(5)])
            await worker.round(1.0)  # fails: nothing confirmed, the cursor stays
            assert await log.cursor("rabbitmq") == 5
            assert [e.position for e in store.events][-5:] == [6, 7, 8, 9, 10]  # not pruned

            proxy.refusing = False
            await worker.round(2.0)
            got = await consumer.distinct(10)
    finally:
        await sink.aclose()
        await proxy.stop()
    skus = [json.loads(m.body)["data"]["sku"] for m in got]
    assert skus == [f"A-{n}" for n in range(5)] + [f"B-{n}" for n in range(5)]
    assert await log.cursor("rabbitmq") == 10


async def test_the_container_publishes_to_the_configured_broker(
    broker: tuple[str, str], tmp_path: Path
) -> None:
    url, exchange = broker
    settings = make_settings(tmp_path, event_broker_url=url, event_broker_exchange=exchange)
    container = build_container(settings)
    container.listens_for_live_events.override(providers.Object(True))
    async with Consumer(url, exchange) as consumer:
        await start(container)
        try:
            await container.create_item().execute(
                CreateItemCommand(actor=CLERK, sku="VIA-BROKER", name="Via", unit_price="1")
            )
            (message,) = await consumer.distinct(1)
        finally:
            await close(container)
    assert message.routing_key == "item.created"
    assert json.loads(message.body)["data"]["sku"] == "VIA-BROKER"


def test_no_broker_no_sink(tmp_path: Path) -> None:
    assert build_container(make_settings(tmp_path)).event_sinks() == []
