import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from application.outbox import OutboxEntry, StoredEvent
from application.ports import LoginFailures
from domain.items import Item, StockMovement
from domain.users import User
from domain.webhooks import DeliveryAttempt, WebhookEndpoint


@dataclass(frozen=True, slots=True)
class IdempotencyEntry:
    fingerprint: str
    result: str | None
    expires_at: datetime


@dataclass
class InMemoryStore:
    """The committed state, shared by every unit of work of one process.

    Writers take ``write_lock`` for their whole transaction, so write transactions are
    serialisable; readers work on copies and never see uncommitted changes.
    """

    items: dict[UUID, Item] = field(default_factory=dict)
    movements: dict[UUID, list[StockMovement]] = field(default_factory=dict)
    users: dict[UUID, User] = field(default_factory=dict)
    login_failures: dict[str, LoginFailures] = field(default_factory=dict)
    idempotency: dict[str, IdempotencyEntry] = field(default_factory=dict)
    #: The outbox: committed events waiting for a position, then the positioned ones.
    outbox: list[OutboxEntry] = field(default_factory=list)
    events: list[StoredEvent] = field(default_factory=list)
    event_cursors: dict[str, int] = field(default_factory=dict)
    webhooks: dict[UUID, WebhookEndpoint] = field(default_factory=dict)
    webhook_attempts: dict[UUID, list[DeliveryAttempt]] = field(default_factory=dict)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
