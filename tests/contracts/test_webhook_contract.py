"""Webhook endpoints and their delivery log: the same behaviour on memory, SQLite and
PostgreSQL."""

from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

from adapters.sqlalchemy.webhook_claims import webhook_claims
from application.webhook_claims import CheckedClaims
from application.webhooks import WebhookClaims
from domain.webhooks import DeliveryAttempt, WebhookEndpoint
from tests.contracts.conftest import Backend
from tests.contracts.test_repository_contract import T0

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def endpoint(url: str = "https://hooks.example.org/a") -> WebhookEndpoint:
    return WebhookEndpoint.create(
        url=url, event_types=["item.created", "stock.low"], secret=SECRET, at=T0, position=7
    )


def attempt(of: WebhookEndpoint, position: int, outcome: str = "delivered") -> DeliveryAttempt:
    return DeliveryAttempt(
        id=uuid4(),
        endpoint_id=of.id,
        position=position,
        event_id=uuid4(),
        event_type="item.created",
        attempted_at=T0 + timedelta(seconds=position),
        status_code=200 if outcome == "delivered" else None,
        latency_ms=12,
        outcome=outcome,
        error=None if outcome == "delivered" else "ReadTimeout",
    )


async def test_endpoints_round_trip_and_change(backend: Backend) -> None:
    first, second = endpoint(), endpoint("https://hooks.example.org/b")
    second.created_at = T0 + timedelta(seconds=1)
    async with backend.uow() as uow:
        await uow.webhooks.add(first)
        await uow.webhooks.add(second)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.webhooks.get(first.id) == first
        assert [e.id for e in await uow.webhooks.list()] == [first.id, second.id]
        changed = await uow.webhooks.get(first.id)
        assert changed is not None
        changed.rotate_secret("whsec_new", at=T0, overlap=timedelta(hours=1))
        changed.failed(at=T0, pause=timedelta(seconds=5))
        await uow.webhooks.save(changed)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.webhooks.get(first.id) == changed
        await uow.webhooks.delete(changed)
        await uow.rollback()
    async with backend.uow() as uow:
        assert await uow.webhooks.get(first.id) == changed  # the delete was rolled back


async def test_the_delivery_log_pages_newest_first_and_goes_with_its_endpoint(
    backend: Backend,
) -> None:
    hook = endpoint()
    lines = [attempt(hook, n, "failed" if n % 2 else "delivered") for n in range(1, 6)]
    async with backend.uow() as uow:
        await uow.webhooks.add(hook)
        for line in lines:
            await uow.webhooks.log(line)
        await uow.commit()
    async with backend.uow() as uow:
        page = await uow.webhooks.attempts(hook.id, offset=1, limit=2)
        assert (page.total, list(page.items)) == (5, [lines[3], lines[2]])
        assert await uow.webhooks.attempt(hook.id, lines[0].id) == lines[0]
        assert await uow.webhooks.attempt(uuid4(), lines[0].id) is None
        await uow.webhooks.delete(hook)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.webhooks.get(hook.id) is None
        assert (await uow.webhooks.attempts(hook.id, offset=0, limit=10)).total == 0


def claims_of(backend: Backend) -> WebhookClaims:
    if backend.database is None:
        return CheckedClaims(backend.uow)
    return webhook_claims(backend.database, backend.uow)


def delivered(position: int) -> Callable[[WebhookEndpoint], DeliveryAttempt]:
    def outcome(current: WebhookEndpoint) -> DeliveryAttempt:
        current.delivered(position, at=T0)
        return attempt(current, position)

    return outcome


async def test_a_claim_records_its_delivery_with_the_endpoint_state(backend: Backend) -> None:
    hook = endpoint()
    async with backend.uow() as uow:
        await uow.webhooks.add(hook)
        await uow.commit()
    claims = claims_of(backend)
    async with claims.claim(uuid4()) as missing:
        assert missing is None
    async with claims.claim(hook.id) as claim:
        assert claim is not None
        assert claim.endpoint == hook
        saved = await claim.record(delivered(9))
    assert saved is not None
    assert saved.position == 9
    async with backend.uow() as uow:
        assert await uow.webhooks.get(hook.id) == saved
        assert [
            a.position for a in (await uow.webhooks.attempts(hook.id, offset=0, limit=5)).items
        ] == [9]


async def test_of_two_overlapping_claims_on_one_endpoint_only_one_records(
    backend: Backend,
) -> None:
    """PostgreSQL refuses the second claim while the first holds the row; the other stores
    (one relay until it dies) let both read, and the record checks the position instead."""
    hook = endpoint()
    async with backend.uow() as uow:
        await uow.webhooks.add(hook)
        await uow.commit()
    claims = claims_of(backend)
    async with claims.claim(hook.id) as first:
        assert first is not None
        async with claims.claim(hook.id) as second:
            late = None if second is None else await second.record(delivered(8))
        recorded = await first.record(delivered(8))
    assert (late is None) != (recorded is None)
    if backend.name == "postgresql":
        assert second is None
    async with backend.uow() as uow:
        current = await uow.webhooks.get(hook.id)
        assert current is not None
        assert current.position == 8
        assert (await uow.webhooks.attempts(hook.id, offset=0, limit=5)).total == 1
