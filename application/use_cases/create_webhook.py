from dataclasses import dataclass

from application.actors import Actor, acting
from application.audit import record_webhook
from application.outbox import EventLog
from application.ports import Clock, UnitOfWork
from application.webhooks import SecretGenerator, UrlGuard
from domain.users import Permission
from domain.webhooks import WebhookEndpoint, parse_url


@dataclass(frozen=True, slots=True)
class CreatedWebhook:
    endpoint: WebhookEndpoint
    secret: str
    """Shown this once: only the receiver keeps it."""


class CreateWebhook:
    """An admin adds an endpoint; it receives the events committed from now on. Its URL must
    pass the SSRF guard; its secret is generated here, never chosen by the caller."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        guard: UrlGuard,
        secrets: SecretGenerator,
        log: EventLog,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.guard = guard
        self.secrets = secrets
        self.log = log

    async def execute(self, actor: Actor, *, url: str, event_types: object = ()) -> CreatedWebhook:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            principal.require(Permission.MANAGE_WEBHOOKS)
            await self.guard.check(parse_url(url))
            secret = self.secrets.new_secret()
            endpoint = WebhookEndpoint.create(
                url=url,
                event_types=list(event_types) if isinstance(event_types, tuple) else event_types,
                secret=secret,
                at=self.clock.now(),
                position=await self.log.last_position(),
            )
            await self.uow.webhooks.add(endpoint)
            await record_webhook(
                self.uow,
                endpoint,
                None,
                action="created",
                actor_id=principal.user_id,
                at=endpoint.created_at,
            )
            await self.uow.commit()
        return CreatedWebhook(endpoint=endpoint, secret=secret)
