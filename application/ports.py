"""The ports: what the use cases need from the outside world, as ``typing.Protocol`` classes.

Every port is async so that the REST adapter never blocks its event loop and the SQLAlchemy
adapter can use async drivers; the CLI runs the same use cases with ``asyncio.run``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, Self, TypeVar
from uuid import UUID

from application.credentials import (
    ApiTokenGrant,
    ApiTokenQueries,
    ApiTokenRepository,
    SessionQueries,
    SessionRepository,
)
from application.history import AuditQueries, AuditTrail, LedgerQueries
from application.outbox import StoredEvent
from application.views import (
    ItemView,
    LocationView,
    StockLevelView,
    TransferView,
    UserView,
)
from domain.audit import Origin
from domain.events import DomainEvent
from domain.items import Item, StockMovement
from domain.locations import Location
from domain.reservations import Reservation, ReservationStatus
from domain.stocktakes import Stocktake
from domain.users import User

if TYPE_CHECKING:
    from application.webhooks import WebhookRepository


class ItemSort(StrEnum):
    """Orders a listing may use; a leading ``-`` means descending."""

    NAME = "name"
    NAME_DESC = "-name"
    SKU = "sku"
    SKU_DESC = "-sku"
    QUANTITY = "quantity"
    QUANTITY_DESC = "-quantity"
    UPDATED = "updated_at"
    UPDATED_DESC = "-updated_at"
    CREATED = "created_at"
    CREATED_DESC = "-created_at"

    @property
    def field(self) -> str:
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


@dataclass(frozen=True, slots=True)
class ItemQuery:
    offset: int = 0
    limit: int = 20
    search: str | None = None
    low_stock: bool | None = None
    sort: ItemSort = ItemSort.NAME
    #: Items whose *available* stock (on hand minus reservations) is at or under the reorder
    #: level (True), or above it (False).
    available_below_reorder: bool | None = None
    #: The time that decides which holds are live for ``available_below_reorder`` (None: the
    #: stored counters, which may still count an expired hold).
    now: datetime | None = None
    #: False lists the items in use, True the archived ones (never both: an archive is apart).
    archived: bool = False


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    offset: int
    limit: int


class ItemRepository(Protocol):
    """Items with their ledger, for commands. ``save`` writes the item and the movements it
    recorded. (Listing is the query side's: ``ItemQueries``.)"""

    async def add(self, item: Item) -> None:
        """Insert a new item; raises ``AlreadyExists`` when its SKU is taken."""

    async def get(self, item_id: UUID, *, for_update: bool = False) -> Item | None:
        """``for_update`` locks the item until the transaction ends (stock and version writes)."""

    async def get_by_sku(self, sku: str, *, for_update: bool = False) -> Item | None: ...

    async def get_many_by_sku(
        self, skus: Sequence[str], *, for_update: bool = False
    ) -> dict[str, Item]:
        """Items whose SKU is in ``skus``, keyed by SKU, in one round trip (bulk import)."""

    async def save(self, item: Item) -> None:
        """Write back a changed item and append its new movements.

        Raises ``AlreadyExists`` when the new SKU is taken."""

    async def add_many(self, items: Sequence[Item]) -> None:
        """``add`` for each item, written together (bulk import): a store may send them as one
        statement. Raises what ``add`` raises; then none of them is added."""

    async def save_many(self, items: Sequence[Item]) -> None:
        """``save`` for each item, written together (bulk import). Raises what ``save`` raises."""

    async def delete(self, item: Item) -> None:
        """Remove the item (a purge). Its ledger stays: movements are the record of real goods,
        and past stock and valuation reports must not change."""


class MovementRepository(Protocol):
    async def sum_for_item(self, item_id: UUID) -> int:
        """The ledger total, which must always equal the item's quantity."""

    async def sum_for_location(self, item_id: UUID, location_id: UUID) -> int:
        """The ledger total at one location, which must equal what the item holds there."""


class LocationRepository(Protocol):
    """Locations, for commands. Stock moving into or out of a location reads it with
    ``for_share``; changing or deleting it reads it ``for_update``: a location cannot be
    deleted or deactivated under a movement that is about to use it."""

    async def add(self, location: Location) -> None:
        """Insert; raises ``AlreadyExists`` when its code is taken."""

    async def get(
        self, location_id: UUID, *, for_update: bool = False, for_share: bool = False
    ) -> Location | None: ...

    async def get_by_code(
        self, code: str, *, for_update: bool = False, for_share: bool = False
    ) -> Location | None: ...

    async def get_many(
        self, location_ids: Sequence[UUID], *, for_share: bool = False
    ) -> dict[UUID, Location]:
        """Those of ``location_ids`` that exist, by id, read in one go (and with ``for_share``
        locked in id order, so that two commands naming the same locations the other way round
        cannot deadlock)."""

    async def save(self, location: Location) -> None:
        """Raises ``AlreadyExists`` when the new code is taken, ``VersionMismatch`` when it
        changed since it was read."""

    async def delete(self, location: Location) -> None:
        """Remove it with its empty stock rows (the caller checked it holds nothing)."""

    async def chain(self, location_id: UUID) -> list[UUID]:
        """The location's id and its ancestors' up to the root, nearest first."""

    async def subtree_height(self, location_id: UUID) -> int:
        """Levels of the subtree under and including the location (1 for a leaf)."""

    async def has_children(self, location_id: UUID) -> bool: ...

    async def holds_stock(self, location_id: UUID) -> bool: ...


class StocktakeRepository(Protocol):
    async def add(self, stocktake: Stocktake) -> None: ...

    async def get(self, stocktake_id: UUID, *, for_update: bool = False) -> Stocktake | None:
        """``for_update`` serialises changes to one stocktake (its lines and its commit)."""

    async def save(self, stocktake: Stocktake) -> None:
        """Writes the stocktake's status and its lines."""

    async def held_at(self, location_id: UUID) -> list[tuple[UUID, int, int]]:
        """``(item_id, quantity, version)`` of every item with stock at the location."""


class ReservationRepository(Protocol):
    """Reservations, for commands. Every change to a reservation's hold is made while its
    item is loaded ``for_update``: the item's lock serialises the holds with the stock."""

    async def add(self, reservation: Reservation) -> None:
        """Insert; raises ``AlreadyExists`` when the reference holds the item already."""

    async def get(self, reservation_id: UUID) -> Reservation | None: ...

    async def by_reference(self, item_id: UUID, reference: str) -> Reservation | None: ...

    async def overdue(
        self, item_id: UUID, location_id: UUID | None, *, now: datetime
    ) -> list[Reservation]:
        """Active holds of the item (at the location; anywhere when None) past their expiry
        at ``now``. Read under the item's lock, so they cannot change meanwhile."""

    async def save(self, reservation: Reservation) -> None: ...

    async def due_items(self, *, now: datetime, limit: int) -> list[UUID]:
        """Items with holds past their expiry at ``now`` (at most ``limit``), for the
        sweeper. On PostgreSQL, items another sweeper is expiring right now are skipped."""

    async def first_expiry(self, item_id: UUID) -> datetime | None:
        """When the item's first active hold expires (None: it has none). Read under the
        item's lock, after its overdue holds were expired."""


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert; raises ``AlreadyExists`` when the username (any case) is taken."""

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_username(self, username: str) -> User | None:
        """Case-insensitive."""

    async def save(self, user: User) -> None: ...

    async def count_admins(self) -> int:
        """Active admins; the last one may not be demoted or deactivated."""

    async def count(self) -> int: ...

    async def by_api_token(self, token_hash: bytes) -> "tuple[User, ApiTokenGrant] | None":
        """The user of the API token with this hash, and the token, in one read."""

    async def touch_api_token(self, token_id: UUID, *, at: datetime) -> None:
        """Record a use of the token at ``at`` unless one within ``LAST_USED_RESOLUTION``
        before it is recorded already (by any process)."""


@dataclass(frozen=True, slots=True)
class LoginFailures:
    """A throttling counter: ``count`` attempts since ``first_at``, the latest at ``last_at``."""

    count: int
    first_at: datetime
    last_at: datetime


class LoginAttemptRepository(Protocol):
    """Counters of login attempts by key (``user:<name>``, ``addr:<ip>``), shared by every
    worker so that throttling holds across processes.

    A login must be counted *before* its slow password check, and counting must not race: in
    one unit of work a login ``hold``s each counter it needs, decides, and ``save``s them.
    """

    async def hold(self, key: str) -> LoginFailures | None:
        """The counter of ``key`` (None while there is none), locked until the unit of work
        ends: concurrent logins for one key take turns, each seeing what the ones before it
        committed. Only in a writing unit of work."""

    async def save(self, key: str, failures: LoginFailures) -> None: ...

    async def clear(self, key: str) -> None: ...


class UnitOfWork(Protocol):
    """One transaction of a command: ``async with uow:`` opens it; ``commit`` makes it durable
    and then publishes the events the aggregates collected; leaving the block without commit
    (or with an exception) rolls everything back and publishes nothing.

    Queries do not use it: they read through a ``QuerySession``.
    """

    items: ItemRepository
    movements: MovementRepository
    users: UserRepository
    login_attempts: LoginAttemptRepository
    idempotency: "IdempotencyRepository"
    locations: LocationRepository
    stocktakes: StocktakeRepository
    reservations: ReservationRepository
    audit: AuditTrail
    sessions: SessionRepository
    api_tokens: ApiTokenRepository
    webhooks: "WebhookRepository"

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def origin(self) -> Origin:
        """Where the change comes from (REST and its request id, or the CLI), for the audit
        records appended in this unit of work."""


class ItemQueries(Protocol):
    async def get(self, item_id: UUID) -> ItemView | None: ...

    async def get_by_sku(self, sku: str) -> ItemView | None: ...

    async def list(self, query: ItemQuery) -> Page[ItemView]:
        """Ties are broken by id, so pages never overlap or skip an item."""


class MovementQueries(Protocol):
    async def list_for_item(self, item_id: UUID, *, offset: int, limit: int) -> Page[StockMovement]:
        """Newest first."""


@dataclass(frozen=True, slots=True)
class LocationQuery:
    offset: int = 0
    limit: int = 20
    #: Only the children of this location; ``roots`` for locations without a parent.
    parent: UUID | None = None
    roots: bool = False
    active: bool | None = None
    search: str | None = None


class LocationQueries(Protocol):
    async def get(self, location_id: UUID) -> LocationView | None: ...

    async def get_by_code(self, code: str) -> LocationView | None: ...

    async def list(self, query: LocationQuery) -> Page[LocationView]:
        """By code (unique), so pages never overlap or skip."""


class StockQueries(Protocol):
    async def for_item(self, item_id: UUID) -> list[StockLevelView]:
        """What the item holds at each location where it has stock, by location code."""

    async def for_items(self, item_ids: Sequence[UUID]) -> list[StockLevelView]:
        """``for_item`` for many items in one read (an export), by item then location code."""

    async def at_location(
        self, location_id: UUID, *, offset: int, limit: int, low_stock: bool | None
    ) -> Page[StockLevelView]:
        """Items with stock at the location, by SKU. ``low_stock`` compares the quantity
        there with the item's reorder level."""

    async def transfers(
        self, *, item_id: UUID | None, location_id: UUID | None, offset: int, limit: int
    ) -> Page[TransferView]:
        """Newest first; ``location_id`` matches either end."""


@dataclass(frozen=True, slots=True)
class ReservationQuery:
    offset: int = 0
    limit: int = 20
    item_id: UUID | None = None
    reference: str | None = None
    status: ReservationStatus | None = None


class ReservationQueries(Protocol):
    async def get(self, reservation_id: UUID) -> Reservation | None: ...

    async def held(self, item_ids: Sequence[UUID], *, now: datetime) -> dict[UUID, int]:
        """What the active holds live at ``now`` hold, by item (items holding nothing are
        left out): what an item's ``held`` counts once its overdue holds are expired."""

    async def list(self, query: ReservationQuery) -> Page[Reservation]:
        """Newest first, ties broken by id."""


class StocktakeQueries(Protocol):
    async def get(self, stocktake_id: UUID) -> Stocktake | None: ...


class UserQueries(Protocol):
    async def get(self, user_id: UUID) -> UserView | None:
        """Also what every authenticated request reads to check its token is still good."""

    async def get_by_username(self, username: str) -> UserView | None:
        """Case-insensitive."""

    async def list(self, *, offset: int, limit: int) -> Page[UserView]: ...

    async def count(self) -> int: ...

    async def by_api_token(self, token_hash: bytes) -> "tuple[UserView, ApiTokenGrant] | None":
        """The user of the API token with this hash, and the token, in one read."""

    async def touch_api_token(self, token_id: UUID, *, at: datetime) -> None:
        """Record a use of the token at ``at`` unless one within ``LAST_USED_RESOLUTION``
        before it is recorded already (by any process)."""


class QuerySession(Protocol):
    """The reads of one query: one connection, taken at the first read and given back when the
    ``async with`` block ends, with none of a unit of work's write bookkeeping. Each read sees
    committed data; ``snapshot=True`` at construction makes all reads of the session see one
    consistent state (an export).

    With a read replica configured, queries read from it: they may lag the primary by the
    replica's delay (see docs/scaling.md).
    """

    items: ItemQueries
    movements: MovementQueries
    users: UserQueries
    locations: LocationQueries
    stock: StockQueries
    stocktakes: StocktakeQueries
    reservations: ReservationQueries
    sessions: SessionQueries
    api_tokens: ApiTokenQueries
    audit: AuditQueries
    ledger: LedgerQueries

    async def settle(self, as_of: datetime, now: datetime) -> None:
        """Return once every movement stamped at or before ``as_of`` is committed, so that the
        reads after it see them all (``stock_as_of`` explains why). ``now`` is the clock read
        before the call, at or after ``as_of``.

        It waits until every write transaction open at the call has ended: one that opens later
        reads the clock later, after ``now``. Once such a wait has returned, every instant up
        to its ``now`` is settled for good, so a later call for one of those instants returns
        at once without waiting (an as-of read of the past, the usual kind, costs no barrier).
        """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class PasswordHasher(Protocol):
    """Slow on purpose; implementations run the work off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, hashed: str | None) -> bool:
        """``hashed=None`` (no such user) still spends the time of a real check and returns False,
        so a login for an unknown user cannot be told apart by its timing."""

    def needs_rehash(self, hashed: str) -> bool:
        """True when the hash was made with weaker settings than configured now."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int
    expires_at: datetime
    #: The session's refresh token, after a login or a refresh (never from ``TokenService``).
    refresh_token: str | None = None


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: UUID
    token_version: int
    expires_at: datetime


class TokenService(Protocol):
    def issue(self, user: User) -> AccessToken: ...

    def verify(self, token: str) -> TokenClaims:
        """Raises ``AuthenticationFailed`` for any token that is not valid, whatever the reason."""


@dataclass(frozen=True, slots=True)
class StoredImage:
    key: str
    size: int
    sha256: str


class ImageStore(Protocol):
    async def put(self, data: bytes, *, extension: str) -> StoredImage:
        """Store bytes under a generated key (never a client-supplied name)."""

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None:
        """Deleting a missing key is not an error."""


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Called after commit only. Delivery to live listeners is at-most-once."""


class Notifier(Protocol):
    """Tells people about things that need attention, such as an item running low."""

    async def notify(self, event: DomainEvent) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC."""


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    fingerprint: str
    """What was asked (a hash of the command), so a reused key with another request is told."""
    result: str
    """The recorded result, as the use case encoded it."""


class IdempotencyRepository(Protocol):
    """Results of commands sent with an idempotency key, shared by every worker.

    Claiming a key, doing the work and recording the result happen in the one transaction of
    the unit of work: a replay returns exactly what was recorded, and a failure leaves neither
    the work nor the claim behind. Two transactions claiming one key at once are serialised by
    the store (the second sees the first's record once it commits).
    """

    async def claim(
        self, key: str, fingerprint: str, *, now: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        """None when ``key`` is free (or its record expired before ``now``): it is claimed in
        this transaction. Otherwise the live record of the earlier request."""

    async def record(self, key: str, result: str) -> None:
        """The result of the claimed key's work, written in the same transaction."""


class EventSubscription(Protocol):
    """The events positioned since a subscriber joined, in position order."""

    async def get(self) -> StoredEvent:
        """The next event, waiting for one."""


class EventSubscribing(Protocol):
    """``async with stream.listen() as subscription``: subscribed for the block's duration."""

    async def __aenter__(self) -> EventSubscription: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...


class EventStream(Protocol):
    """Committed events, live and positioned, for subscribers such as WebSocket clients, from
    every process of the service, in the same order everywhere. Delivery is at-most-once: a
    subscriber that falls far behind loses the oldest events (positions show the gap, and the
    outbox can replay it)."""

    def listen(self) -> EventSubscribing: ...
