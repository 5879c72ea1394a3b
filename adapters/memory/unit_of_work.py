from dataclasses import replace
from types import TracebackType
from typing import Self
from uuid import UUID

from adapters.memory.access import (
    AccessChanges,
    InMemoryApiTokenRepository,
    InMemorySessionRepository,
)
from adapters.memory.audit import InMemoryAuditTrail
from adapters.memory.location_repositories import (
    InMemoryLocationRepository,
    InMemoryStocktakeRepository,
    copy_location,
    copy_stocktake,
)
from adapters.memory.repositories import (
    InMemoryIdempotencyRepository,
    InMemoryItemRepository,
    InMemoryLoginAttemptRepository,
    InMemoryMovementRepository,
    InMemoryUserRepository,
)
from adapters.memory.reservations import InMemoryReservationRepository, copy_reservation
from adapters.memory.store import IdempotencyEntry, InMemoryStore
from adapters.memory.webhooks import InMemoryWebhookRepository
from adapters.origin import FixedOrigin
from adapters.unit_of_work import EventCollector
from application.history import OriginSource
from application.outbox import outbox_entries
from application.ports import EventPublisher, LoginFailures
from domain.audit import AuditRecord, Origin
from domain.items import Item, StockMovement
from domain.locations import Location
from domain.reservations import Reservation
from domain.stocktakes import Stocktake
from domain.users import User

_DELETED = None


class InMemoryUnitOfWork:
    """A transaction over ``InMemoryStore``.

    Changes are staged in overlays and applied in one step at commit (no ``await`` in between,
    so no reader ever sees half a commit). A writing unit of work holds the store's write lock
    from ``__aenter__`` to ``__aexit__``, which makes concurrent writers run one after another,
    like ``SELECT ... FOR UPDATE`` or SQLite's ``BEGIN IMMEDIATE`` do in the SQL adapter.
    """

    def __init__(
        self,
        store: InMemoryStore,
        publisher: EventPublisher | None = None,
        origin: OriginSource | None = None,
    ) -> None:
        self._store = store
        self._origin = origin or FixedOrigin()
        self._events = EventCollector(publisher)
        self._active = False
        self._reset()
        self.items = InMemoryItemRepository(self)
        self.movements = InMemoryMovementRepository(self)
        self.users = InMemoryUserRepository(self)
        self.login_attempts = InMemoryLoginAttemptRepository(self)
        self.idempotency = InMemoryIdempotencyRepository(self)
        self.webhooks = InMemoryWebhookRepository(store)
        self.locations = InMemoryLocationRepository(self)
        self.stocktakes = InMemoryStocktakeRepository(self)
        self.reservations = InMemoryReservationRepository(self)
        self.sessions = InMemorySessionRepository(self, store)
        self.api_tokens = InMemoryApiTokenRepository(self, store)
        self.audit = InMemoryAuditTrail(self)

    def _reset(self) -> None:
        self._items: dict[UUID, Item | None] = {}
        # Movements saved in this transaction, per item, each once: an item may be saved
        # several times, or fetched again (a fresh copy) and saved, in one transaction.
        self._movements: dict[UUID, list[StockMovement]] = {}
        self._users: dict[UUID, User] = {}
        self._failures: dict[str, LoginFailures | None] = {}
        self._claims: dict[str, IdempotencyEntry] = {}
        self._locations: dict[UUID, Location | None] = {}
        self._stocktakes: dict[UUID, Stocktake] = {}
        self._reservations: dict[UUID, Reservation] = {}
        self._access = AccessChanges()
        self._audit: list[AuditRecord] = []

    # -- transaction ------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        if self._active:
            raise RuntimeError("this unit of work is already open; use a new one")
        await self._store.write_lock.acquire()
        self._active = True
        self._reset()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            self._active = False
            self._store.write_lock.release()

    async def commit(self) -> None:
        if not self._active:
            raise RuntimeError("commit outside of 'async with'")
        store = self._store
        events = self._events.committed()
        store.outbox.extend(outbox_entries(events))
        for item_id, item in self._items.items():
            if item is _DELETED:
                store.items.pop(item_id, None)
                continue
            store.items[item_id] = replace(
                item, stock=dict(item.stock), events=[], new_movements=[]
            )
            if saved := self._movements.get(item_id):
                store.movements.setdefault(item_id, []).extend(saved)
                store.ledger.extend(saved)
        for user_id, user in self._users.items():
            store.users[user_id] = replace(user, events=[])
        for key, failures in self._failures.items():
            if failures is None:
                store.login_failures.pop(key, None)
            else:
                store.login_failures[key] = failures
        store.idempotency.update(self._claims)
        self.webhooks.apply()
        for location_id, location in self._locations.items():
            if location is _DELETED:
                store.locations.pop(location_id, None)
            else:
                store.locations[location_id] = copy_location(location)
        for stocktake_id, stocktake in self._stocktakes.items():
            store.stocktakes[stocktake_id] = copy_stocktake(stocktake)
        for reservation_id, reservation in self._reservations.items():
            store.reservations[reservation_id] = copy_reservation(reservation)
        self._access.apply(store)
        store.audit.extend(self._audit)
        self._reset()
        await self._events.publish(events)

    async def rollback(self) -> None:
        self._reset()
        self.webhooks.reset()
        self._events.discard()

    # -- what the repositories see and stage ------------------------------------------------
    def _check_open(self) -> None:
        if not self._active:
            raise RuntimeError("repositories are used inside 'async with uow:' only")

    def view_items(self) -> dict[UUID, Item]:
        self._check_open()
        if not self._items:
            return self._store.items
        merged: dict[UUID, Item] = dict(self._store.items)
        for item_id, item in self._items.items():
            if item is _DELETED:
                merged.pop(item_id, None)
            else:
                merged[item_id] = item
        return merged

    def view_movements(self, item_id: UUID) -> list[StockMovement]:
        self._check_open()
        return self._store.movements.get(item_id, []) + self._movements.get(item_id, [])

    def view_locations(self) -> dict[UUID, Location]:
        self._check_open()
        if not self._locations:
            return self._store.locations
        merged: dict[UUID, Location] = dict(self._store.locations)
        for location_id, location in self._locations.items():
            if location is _DELETED:
                merged.pop(location_id, None)
            else:
                merged[location_id] = location
        return merged

    def view_stocktakes(self) -> dict[UUID, Stocktake]:
        self._check_open()
        return {**self._store.stocktakes, **self._stocktakes}

    def stage_location(self, location: Location) -> None:
        self._check_writable()
        self._locations[location.id] = location
        self._events.track(location)

    def stage_location_deletion(self, location: Location) -> None:
        self._check_writable()
        self._locations[location.id] = _DELETED
        self._events.track(location)

    def view_reservations(self) -> dict[UUID, Reservation]:
        self._check_open()
        if not self._reservations:
            return self._store.reservations
        return {**self._store.reservations, **self._reservations}

    def stage_reservation(self, reservation: Reservation) -> None:
        self._check_writable()
        self._reservations[reservation.id] = reservation
        self._events.track(reservation)

    def stage_stocktake(self, stocktake: Stocktake) -> None:
        self._check_writable()
        self._stocktakes[stocktake.id] = stocktake

    def view_users(self) -> dict[UUID, User]:
        self._check_open()
        return {**self._store.users, **self._users} if self._users else self._store.users

    def view_login_failures(self) -> dict[str, LoginFailures]:
        self._check_open()
        merged = dict(self._store.login_failures)
        for key, failures in self._failures.items():
            if failures is None:
                merged.pop(key, None)
            else:
                merged[key] = failures
        return merged

    @property
    def store(self) -> InMemoryStore:
        """The committed state (API-token use is written to it directly; see ``access.py``)."""
        return self._store

    def access_changes(self) -> AccessChanges:
        self._check_writable()
        return self._access

    def _check_writable(self) -> None:
        self._check_open()

    def view_idempotency(self, key: str) -> IdempotencyEntry | None:
        self._check_open()
        return self._claims.get(key) or self._store.idempotency.get(key)

    def stage_idempotency(self, key: str, entry: IdempotencyEntry) -> None:
        self._check_writable()
        self._claims[key] = entry

    def stage_item(self, item: Item) -> None:
        self._check_writable()
        self._items[item.id] = item
        saved = self._movements.setdefault(item.id, [])
        known = {movement.id for movement in saved}
        saved.extend(movement for movement in item.new_movements if movement.id not in known)
        self._events.track(item)

    def stage_item_deletion(self, item: Item) -> None:
        self._check_writable()
        self._items[item.id] = _DELETED
        self._events.track(item)

    def stage_audit(self, record: AuditRecord) -> None:
        self._check_writable()
        self._audit.append(record)

    def origin(self) -> Origin:
        return self._origin.current()

    def stage_user(self, user: User) -> None:
        self._check_writable()
        self._users[user.id] = user
        self._events.track(user)

    def stage_login_failures(self, key: str, failures: LoginFailures | None) -> None:
        self._check_writable()
        self._failures[key] = failures
