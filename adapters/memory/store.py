import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from application.history import SettledHorizon
from application.outbox import OutboxEntry, StoredEvent
from application.ports import LoginFailures
from domain.api_tokens import ApiToken
from domain.audit import AuditRecord
from domain.items import Item, StockMovement
from domain.locations import MAIN_LOCATION_CODE, MAIN_LOCATION_ID, Location, LocationCode
from domain.reservations import Reservation
from domain.sessions import LoginSession
from domain.stocktakes import Stocktake
from domain.users import User
from domain.webhooks import DeliveryAttempt, WebhookEndpoint

#: When the default location of a new memory store was made (as the migration's, a fixed time).
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _default_locations() -> dict[UUID, Location]:
    main = Location(
        id=MAIN_LOCATION_ID,
        code=LocationCode(MAIN_LOCATION_CODE),
        name="Main",
        created_at=_EPOCH,
        updated_at=_EPOCH,
    )
    return {main.id: main}


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
    locations: dict[UUID, Location] = field(default_factory=_default_locations)
    stocktakes: dict[UUID, Stocktake] = field(default_factory=dict)
    reservations: dict[UUID, Reservation] = field(default_factory=dict)
    sessions: dict[UUID, LoginSession] = field(default_factory=dict)
    #: Every refresh token a session ever had (by hash): earlier ones must be recognised.
    session_tokens: dict[bytes, UUID] = field(default_factory=dict)
    api_tokens: dict[UUID, ApiToken] = field(default_factory=dict)
    #: Append-only, oldest first.
    audit: list[AuditRecord] = field(default_factory=list)
    #: Every movement in the order committed (``movements`` has them per item).
    ledger: list[StockMovement] = field(default_factory=list)
    #: The outbox: committed events waiting for a position, then the positioned ones.
    outbox: list[OutboxEntry] = field(default_factory=list)
    events: list[StoredEvent] = field(default_factory=list)
    event_cursors: dict[str, int] = field(default_factory=dict)
    webhooks: dict[UUID, WebhookEndpoint] = field(default_factory=dict)
    webhook_attempts: dict[UUID, list[DeliveryAttempt]] = field(default_factory=dict)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: How far every movement is committed (``queries.settle``).
    settled: SettledHorizon = field(default_factory=SettledHorizon)
