"""An admin reads, changes, rotates and removes webhook endpoints."""

from datetime import timedelta
from uuid import UUID

from application.actors import Actor, acting
from application.audit import record_webhook
from application.ports import Clock, UnitOfWork
from application.webhooks import SecretGenerator, UrlGuard
from domain.audit import webhook_snapshot
from domain.errors import NotFound
from domain.users import Permission
from domain.webhooks import WebhookEndpoint


async def _load(uow: UnitOfWork, actor: Actor, endpoint_id: UUID) -> WebhookEndpoint:
    return (await _load_as(uow, actor, endpoint_id))[1]


async def _load_as(
    uow: UnitOfWork, actor: Actor, endpoint_id: UUID
) -> tuple[UUID, WebhookEndpoint]:
    """The endpoint, and who acts on it (for the audit trail)."""
    principal = await acting(actor, uow.users)
    principal.require(Permission.MANAGE_WEBHOOKS)
    endpoint = await uow.webhooks.get(endpoint_id)
    if endpoint is None:
        raise NotFound("webhook", endpoint_id)
    return principal.user_id, endpoint


class ListWebhooks:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, actor: Actor) -> list[WebhookEndpoint]:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            principal.require(Permission.MANAGE_WEBHOOKS)
            return await self.uow.webhooks.list()


class GetWebhook:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, actor: Actor, endpoint_id: UUID) -> WebhookEndpoint:
        async with self.uow:
            return await _load(self.uow, actor, endpoint_id)


class UpdateWebhook:
    """Change the URL (checked by the SSRF guard again), the event types or the active flag;
    switching a disabled endpoint on again starts its failure count afresh."""

    def __init__(self, uow: UnitOfWork, clock: Clock, guard: UrlGuard) -> None:
        self.uow = uow
        self.clock = clock
        self.guard = guard

    async def execute(
        self,
        actor: Actor,
        endpoint_id: UUID,
        *,
        url: str | None = None,
        event_types: object | None = None,
        active: bool | None = None,
    ) -> WebhookEndpoint:
        async with self.uow:
            by, endpoint = await _load_as(self.uow, actor, endpoint_id)
            before, now = webhook_snapshot(endpoint), self.clock.now()
            endpoint.change(url=url, event_types=event_types, active=active, at=now)
            if url is not None:
                await self.guard.check(endpoint.url)
            await self.uow.webhooks.save(endpoint)
            await record_webhook(self.uow, endpoint, before, action="updated", actor_id=by, at=now)
            await self.uow.commit()
        return endpoint


class DeleteWebhook:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, actor: Actor, endpoint_id: UUID) -> None:
        async with self.uow:
            by, endpoint = await _load_as(self.uow, actor, endpoint_id)
            await self.uow.webhooks.delete(endpoint)
            await record_webhook(
                self.uow,
                endpoint,
                webhook_snapshot(endpoint),
                action="deleted",
                actor_id=by,
                at=self.clock.now(),
                gone=True,
            )
            await self.uow.commit()


class RotateWebhookSecret:
    """A new secret, shown once; the previous one keeps signing for ``overlap`` so the receiver
    can switch without losing a delivery."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, secrets: SecretGenerator, overlap_seconds: int
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.secrets = secrets
        self.overlap = timedelta(seconds=overlap_seconds)

    async def execute(self, actor: Actor, endpoint_id: UUID) -> tuple[WebhookEndpoint, str]:
        async with self.uow:
            by, endpoint = await _load_as(self.uow, actor, endpoint_id)
            before, now = webhook_snapshot(endpoint), self.clock.now()
            secret = self.secrets.new_secret()
            endpoint.rotate_secret(secret, at=now, overlap=self.overlap)
            await self.uow.webhooks.save(endpoint)
            await record_webhook(
                self.uow, endpoint, before, action="secret_rotated", actor_id=by, at=now
            )
            await self.uow.commit()
        return endpoint, secret
