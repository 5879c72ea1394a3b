"""An admin reads, changes, rotates and removes webhook endpoints."""

from datetime import timedelta
from uuid import UUID

from application.actors import Actor, acting
from application.ports import Clock, UnitOfWork
from application.webhooks import SecretGenerator, UrlGuard
from domain.errors import NotFound
from domain.users import Permission
from domain.webhooks import WebhookEndpoint


async def _load(uow: UnitOfWork, actor: Actor, endpoint_id: UUID) -> WebhookEndpoint:
    principal = await acting(actor, uow.users)
    principal.require(Permission.MANAGE_WEBHOOKS)
    endpoint = await uow.webhooks.get(endpoint_id)
    if endpoint is None:
        raise NotFound("webhook", endpoint_id)
    return endpoint


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
            endpoint = await _load(self.uow, actor, endpoint_id)
            endpoint.change(url=url, event_types=event_types, active=active, at=self.clock.now())
            if url is not None:
                await self.guard.check(endpoint.url)
            await self.uow.webhooks.save(endpoint)
            await self.uow.commit()
        return endpoint


class DeleteWebhook:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, actor: Actor, endpoint_id: UUID) -> None:
        async with self.uow:
            endpoint = await _load(self.uow, actor, endpoint_id)
            await self.uow.webhooks.delete(endpoint)
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
            endpoint = await _load(self.uow, actor, endpoint_id)
            secret = self.secrets.new_secret()
            endpoint.rotate_secret(secret, at=self.clock.now(), overlap=self.overlap)
            await self.uow.webhooks.save(endpoint)
            await self.uow.commit()
        return endpoint, secret
