"""The fence of webhook deliveries on PostgreSQL: two relays that both think they lead (one
lost its advisory lock and has not noticed yet) pump the same endpoint at the same time, each
on an engine of its own, against a real, slow receiver. The endpoint's row lock lets one send
at a time: every event arrives once, in order, and never two requests at once."""

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from adapters.clock import SystemClock
from adapters.postgres.leadership import PostgresAdvisoryLeadership
from adapters.postgres.notify_events import asyncpg_dsn
from adapters.relay import AsyncDoorbell
from adapters.sqlalchemy import Database, SqlAlchemyUnitOfWork, create_engine
from adapters.sqlalchemy.event_log import SqlAlchemyEventLog
from adapters.sqlalchemy.ledger import settle
from adapters.sqlalchemy.webhook_claims import webhook_claims
from adapters.webhooks import DnsUrlGuard, HttpxWebhookSender
from application.relay import EventRelay, RelaySettings
from application.webhook_dispatcher import WebhookDelivery, WebhookDispatcher
from application.webhooks import SentRequest
from domain.items import Item, ItemDetails
from domain.webhooks import WebhookEndpoint
from tests.databases import empty_postgres
from tests.webhook_receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]
EVENTS = 30
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BOUND = 60.0  # seconds: a bound against hangs only


@dataclass
class CountingSender:
    """The real sender, counting what this relay sent."""

    sender: HttpxWebhookSender
    sent: int = 0

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SentRequest:
        self.sent += 1
        return await self.sender.send(url, body, headers)


def relay(
    database: Database, *, per_round: int = 1, refresh_seconds: float = 0.0
) -> tuple[WebhookDispatcher, CountingSender]:
    """One process's dispatcher, on its own engine; by default it reads the endpoint list every
    pump and sends one event per pump, so two relays contend for every event."""
    sender = CountingSender(HttpxWebhookSender(timeout_seconds=10))
    clock = SystemClock()
    dispatcher = WebhookDispatcher(
        uow=lambda: SqlAlchemyUnitOfWork(database),
        log=SqlAlchemyEventLog(database),
        delivery=WebhookDelivery(sender=sender, guard=DnsUrlGuard(["127.0.0.1"]), clock=clock),
        claims=webhook_claims(database, lambda: SqlAlchemyUnitOfWork(database)),
        per_round=per_round,
        refresh_seconds=refresh_seconds,
    )
    return dispatcher, sender


async def position(database: Database) -> int:
    async with SqlAlchemyUnitOfWork(database) as uow:
        (endpoint,) = await uow.webhooks.list()
    return endpoint.position


async def fill_outbox(database: Database, url: str, events: int = EVENTS) -> WebhookEndpoint:
    clock = SystemClock()
    async with SqlAlchemyUnitOfWork(database) as uow:
        endpoint = WebhookEndpoint.create(
            url=url, event_types=[], secret=SECRET, at=clock.now(), position=0
        )
        await uow.webhooks.add(endpoint)
        await uow.commit()
    for n in range(events):
        details = ItemDetails.parse(sku=f"FENCE-{n}", name="fenced", unit_price="1")
        async with SqlAlchemyUnitOfWork(database) as uow:
            await uow.items.add(Item.create(details, quantity=1, at=clock.now(), by=None))
            await uow.commit()
    await SqlAlchemyEventLog(database).sequence(events)
    return endpoint


async def pump_until_done(dispatcher: WebhookDispatcher, database: Database, last: int) -> None:
    while True:
        await dispatcher.pump()
        async with SqlAlchemyUnitOfWork(database) as uow:
            endpoints = await uow.webhooks.list()
        if endpoints and endpoints[0].position >= last:
            return
        await asyncio.sleep(0.002)


async def test_two_relays_send_to_one_endpoint_one_event_at_a_time_in_order(
    postgres_url: str, receiver: Receiver
) -> None:
    await empty_postgres(postgres_url)
    receiver.delay = 0.03  # each send holds the endpoint for a while
    first, second = create_engine(postgres_url), create_engine(postgres_url)
    try:
        await fill_outbox(first, receiver.url)
        last = await SqlAlchemyEventLog(first).last_position()
        (one, one_sent), (other, other_sent) = relay(first), relay(second)
        async with asyncio.timeout(BOUND):
            await asyncio.gather(
                pump_until_done(one, first, last), pump_until_done(other, second, last)
            )
        async with SqlAlchemyUnitOfWork(first) as uow:
            (endpoint,) = await uow.webhooks.list()
            log = await uow.webhooks.attempts(endpoint.id, offset=0, limit=2 * EVENTS)
    finally:
        await first.dispose()
        await second.dispose()

    positions = [json.loads(request.body)["position"] for request in receiver.requests]
    assert positions == list(range(1, last + 1))  # each once, in order
    assert receiver.most_at_once == 1
    assert one_sent.sent > 0, "the relays did not contend"
    assert other_sent.sent > 0, "the relays did not contend"
    assert [a.position for a in reversed(log.items)] == positions
    assert {a.outcome for a in log.items} == {"delivered"}


async def test_a_claim_held_across_a_send_does_not_hold_up_as_of_reads(
    postgres_url: str, receiver: Receiver
) -> None:
    """The claim's transaction takes no ledger barrier: ``settle`` (an as-of read's wait for
    open writers), and every writer queued behind it, would otherwise wait for the receiver."""
    await empty_postgres(postgres_url)
    database = create_engine(postgres_url)
    try:
        endpoint = await fill_outbox(database, receiver.url)
        claims = webhook_claims(database, lambda: SqlAlchemyUnitOfWork(database))
        async with claims.claim(endpoint.id) as claim:
            assert claim is not None
            now = datetime.now(UTC)  # an instant no earlier wait settled: it waits for writers
            async with asyncio.timeout(BOUND / 4):
                await settle(database, now, now)
    finally:
        await database.dispose()


async def test_a_leader_that_lost_its_lock_unnoticed_and_its_successor_deliver_in_order(
    postgres_url: str, receiver: Receiver
) -> None:
    """The window the claims close: the old leader's lock session is terminated (it lives on),
    the new leader takes the lead at once, and the old one notices only at its next check. Both
    relays pump meanwhile: the endpoint still gets each event once, in order, one at a time."""
    await empty_postgres(postgres_url)
    receiver.delay = 0.05
    key = 0x7E57_F16E  # a leadership lock of this test's own
    dsn = asyncpg_dsn(postgres_url)
    old_engine, new_engine = create_engine(postgres_url), create_engine(postgres_url)
    old_lead = PostgresAdvisoryLeadership(dsn, key=key, check_seconds=2.0)
    new_lead = PostgresAdvisoryLeadership(dsn, key=key)
    try:
        await fill_outbox(old_engine, receiver.url, events=60)
        last = await SqlAlchemyEventLog(old_engine).last_position()
        # As in a serving process.
        (old, old_sent) = relay(old_engine, per_round=50, refresh_seconds=1.0)
        (new, new_sent) = relay(new_engine, per_round=50, refresh_seconds=1.0)
        relays = [
            EventRelay(
                log=SqlAlchemyEventLog(engine),
                leadership=leadership,
                doorbell=AsyncDoorbell(),
                clock=SystemClock(),
                pumps=[dispatcher],
                settings=RelaySettings(interval_seconds=0.05, leader_retry_seconds=0.05),
            )
            for engine, leadership, dispatcher in (
                (old_engine, old_lead, old),
                (new_engine, new_lead, new),
            )
        ]
        running = [asyncio.create_task(relays[0].run())]
        async with asyncio.timeout(BOUND):
            await asyncio.to_thread(receiver.wait_for, 3, BOUND)
            running.append(asyncio.create_task(relays[1].run()))
            assert old_lead._connection is not None
            lock_session = old_lead._connection.get_server_pid()
            async with old_engine.engine.connect() as admin:
                await admin.exec_driver_sql(f"SELECT pg_terminate_backend({lock_session})")
            while new_sent.sent == 0 or await position(new_engine) < last:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    finally:
        await old_lead.release()
        await new_lead.release()
        await old_engine.dispose()
        await new_engine.dispose()

    positions = [json.loads(request.body)["position"] for request in receiver.requests]
    assert positions == list(range(1, last + 1))
    assert receiver.most_at_once == 1
    assert old_sent.sent > 3
