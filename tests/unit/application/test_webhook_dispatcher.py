"""The webhook dispatcher on the in-memory store, a fixed clock and a fake receiver: order per
endpoint, retries with backoff, dead-lettering after a day, disabling after days of failure."""

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from adapters.clock import FixedClock
from adapters.memory import InMemoryStore, InMemoryUnitOfWork
from adapters.memory.event_log import InMemoryEventLog
from adapters.webhooks import DnsUrlGuard
from application.errors import UnsafeWebhookUrl
from application.webhook_claims import CheckedClaims
from application.webhook_dispatcher import WebhookDelivery, WebhookDispatcher
from application.webhooks import SentRequest
from domain.items import Item, ItemDetails
from domain.webhooks import FIRST_PAUSE, LONGEST_PAUSE, WebhookEndpoint, backoff

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class FakeReceivers:
    """Answers by URL: a status, or None for a timeout."""

    answers: dict[str, int | None] = field(default_factory=dict)
    got: list[tuple[str, bytes]] = field(default_factory=list)

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SentRequest:
        self.got.append((url, body))
        status = self.answers.get(url, 200)
        return SentRequest(status, 5, None if status else "ReadTimeout")

    def skus(self, url: str) -> list[str]:
        import json

        return [json.loads(body)["data"]["sku"] for sent, body in self.got if sent == url]


class AllowAll:
    async def check(self, url: str) -> None:
        return None


@dataclass
class World:
    store: InMemoryStore
    clock: FixedClock
    receivers: FakeReceivers
    dispatcher: WebhookDispatcher

    async def add_item(self, sku: str) -> None:
        details = ItemDetails.parse(sku=sku, name=sku, unit_price="1")
        async with InMemoryUnitOfWork(self.store) as uow:
            await uow.items.add(Item.create(details, quantity=1, at=self.clock.now(), by=None))
            await uow.commit()
        await InMemoryEventLog(self.store).sequence(100)

    async def add_endpoint(self, url: str) -> WebhookEndpoint:
        endpoint = WebhookEndpoint.create(
            url=url, event_types=[], secret=SECRET, at=self.clock.now(), position=0
        )
        async with InMemoryUnitOfWork(self.store) as uow:
            await uow.webhooks.add(endpoint)
            await uow.commit()
        return endpoint

    def endpoint(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        return self.store.webhooks[endpoint.id]


@pytest.fixture
def world() -> World:
    store, clock, receivers = InMemoryStore(), FixedClock(T0), FakeReceivers()
    delivery = WebhookDelivery(sender=receivers, guard=AllowAll(), clock=clock)
    dispatcher = WebhookDispatcher(
        uow=lambda: InMemoryUnitOfWork(store),
        log=InMemoryEventLog(store),
        delivery=delivery,
        claims=CheckedClaims(lambda: InMemoryUnitOfWork(store)),
        rng=random.Random(16),
    )
    return World(store, clock, receivers, dispatcher)


async def test_each_endpoint_gets_events_in_order_and_a_failing_one_holds_back_only_its_own(
    world: World,
) -> None:
    good = await world.add_endpoint("https://good.example/hook")
    bad = await world.add_endpoint("https://bad.example/hook")
    world.receivers.answers["https://bad.example/hook"] = 500
    for sku in ("A", "B", "C"):
        await world.add_item(sku)
    await world.dispatcher.pump()
    assert world.receivers.skus(good.url) == ["A", "B", "C"]
    assert world.receivers.skus(bad.url) == ["A"]  # B and C wait behind A
    failing = world.endpoint(bad)
    assert (failing.status.value, failing.attempts, failing.position) == ("failing", 1, 0)
    assert failing.next_attempt_at is not None
    await world.dispatcher.pump()  # not due yet: nothing is sent
    assert world.receivers.skus(bad.url) == ["A"]

    world.receivers.answers[bad.url] = 204
    world.clock.advance(seconds=FIRST_PAUSE.total_seconds())
    await world.dispatcher.pump()
    assert world.receivers.skus(bad.url) == ["A", "A", "B", "C"]
    healed = world.endpoint(bad)
    assert (healed.status.value, healed.attempts, healed.position) == ("active", 0, 3)
    outcomes = [a.outcome for a in world.store.webhook_attempts[bad.id]]
    assert outcomes == ["failed", "delivered", "delivered", "delivered"]


async def test_after_a_day_of_failures_the_event_is_dead_lettered_and_the_next_one_goes(
    world: World,
) -> None:
    endpoint = await world.add_endpoint("https://down.example/hook")
    world.receivers.answers[endpoint.url] = None  # times out
    await world.add_item("LOST")
    await world.add_item("NEXT")
    attempts = 0
    while world.endpoint(endpoint).position == 0:
        await world.dispatcher.pump()
        attempts += 1
        world.clock.advance(seconds=LONGEST_PAUSE.total_seconds())
        assert attempts < 40
    assert world.receivers.skus(endpoint.url)[-1] == "LOST"
    log = world.store.webhook_attempts[endpoint.id]
    assert log[-1].outcome == "dead"
    assert log[-1].attempted_at - log[0].attempted_at >= timedelta(hours=24)
    world.receivers.answers[endpoint.url] = 200
    await world.dispatcher.pump()
    assert world.receivers.skus(endpoint.url)[-1] == "NEXT"
    assert world.endpoint(endpoint).status.value == "active"


async def test_an_endpoint_failing_for_days_is_disabled(world: World) -> None:
    endpoint = await world.add_endpoint("https://gone.example/hook")
    world.receivers.answers[endpoint.url] = 410
    for n in range(4):
        await world.add_item(f"E-{n}")
    for _ in range(200):
        await world.dispatcher.pump()
        world.clock.advance(seconds=LONGEST_PAUSE.total_seconds())
        if not world.endpoint(endpoint).active:
            break
    disabled = world.endpoint(endpoint)
    assert disabled.status.value == "disabled"
    assert disabled.disabled_reason is not None
    assert "failed since" in disabled.disabled_reason
    sent = len(world.receivers.got)
    world.clock.advance(days=1)
    await world.dispatcher.pump()
    assert len(world.receivers.got) == sent


def test_backoff_doubles_with_jitter_up_to_the_longest_pause() -> None:
    rng = random.Random(1)
    pauses = [backoff(n, rng) for n in range(1, 30)]
    assert FIRST_PAUSE / 2 <= pauses[0] <= FIRST_PAUSE
    assert all(LONGEST_PAUSE / 2 <= p <= LONGEST_PAUSE for p in pauses[15:])
    assert pauses[4] > pauses[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://172.16.0.1/x",
        "http://192.168.0.1/x",
        "http://169.254.169.254/x",
        "http://100.64.0.1/x",
        "http://0.0.0.0/x",
        "http://[::1]/x",
        "http://[fd00::1]/x",
        "http://[fe80::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://224.0.0.1/x",
    ],
)
async def test_the_guard_refuses_addresses_of_the_own_network(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl):
        await DnsUrlGuard().check(url)


async def test_the_guard_lets_public_and_allowed_addresses_through() -> None:
    await DnsUrlGuard().check("https://93.184.215.14/hook")
    allowed = DnsUrlGuard(["10.0.0.0/8", "Hooks.Internal"])
    await allowed.check("http://10.9.8.7/hook")
    await allowed.check("http://hooks.internal./hook")  # named: not even resolved
    with pytest.raises(UnsafeWebhookUrl):
        await allowed.check("http://192.168.0.1/hook")


@dataclass
class SlowReceivers:
    """Answers 200 after yielding to the loop a few times; counts the sends in flight."""

    in_flight: int = 0
    most: int = 0
    sent: int = 0

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SentRequest:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        self.in_flight -= 1
        self.sent += 1
        return SentRequest(200, 5)


async def test_endpoints_are_served_side_by_side_but_no_more_than_parallel_at_once(
    world: World,
) -> None:
    """Each send in progress may hold a database connection (a PostgreSQL claim)."""
    receivers = SlowReceivers()
    store = world.store
    dispatcher = WebhookDispatcher(
        uow=lambda: InMemoryUnitOfWork(store),
        log=InMemoryEventLog(store),
        delivery=WebhookDelivery(sender=receivers, guard=AllowAll(), clock=world.clock),
        claims=CheckedClaims(lambda: InMemoryUnitOfWork(store)),
        parallel=3,
    )
    for n in range(6):
        await world.add_endpoint(f"https://slow-{n}.example/hook")
    await world.add_item("A")
    await world.add_item("B")
    await dispatcher.pump()
    assert receivers.sent == 12
    assert receivers.most == 3
