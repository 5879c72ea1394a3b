"""The query side over ``InMemoryStore``: read models of the committed state only."""

from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from adapters.memory.access import (
    InMemoryApiTokenQueries,
    InMemorySessionQueries,
    token_user,
    touch,
)
from adapters.memory.audit import InMemoryAuditQueries, InMemoryLedgerQueries
from adapters.memory.location_queries import (
    InMemoryLocationQueries,
    InMemoryStockQueries,
    InMemoryStocktakeQueries,
)
from adapters.memory.repositories import select_items, users_in_order
from adapters.memory.reservations import InMemoryReservationQueries, live_held
from adapters.memory.store import InMemoryStore
from application.credentials import ApiTokenGrant
from application.ports import ItemQuery, Page
from application.views import ItemView, UserView
from domain.items import StockMovement


class _ItemQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, item_id: UUID) -> ItemView | None:
        found = self._store.items.get(item_id)
        return None if found is None else ItemView.of(found)

    async def get_by_sku(self, sku: str) -> ItemView | None:
        for item in self._store.items.values():
            if item.sku.value == sku:
                return ItemView.of(item)
        return None

    async def list(self, query: ItemQuery) -> Page[ItemView]:
        items = self._store.items.values()
        held: dict[UUID, int] | None = None
        if (now := query.now) is not None and query.available_below_reorder is not None:
            due = {i.id for i in items if i.hold_expires_at and i.hold_expires_at <= now}
            counted = live_held(self._store.reservations.values(), due, now)
            held = {item_id: counted.get(item_id, 0) for item_id in due}
        window, total = select_items(items, query, held=held)
        views = [ItemView.of(item) for item in window]
        return Page(items=views, total=total, offset=query.offset, limit=query.limit)


class _MovementQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def list_for_item(self, item_id: UUID, *, offset: int, limit: int) -> Page[StockMovement]:
        ledger = self._store.movements.get(item_id, [])
        newest_first = ledger[::-1]
        window = newest_first[offset : offset + limit]
        return Page(items=window, total=len(ledger), offset=offset, limit=limit)


class _UserQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, user_id: UUID) -> UserView | None:
        found = self._store.users.get(user_id)
        return None if found is None else UserView.of(found)

    async def get_by_username(self, username: str) -> UserView | None:
        key = username.strip().casefold()
        for user in self._store.users.values():
            if user.username.key == key:
                return UserView.of(user)
        return None

    async def list(self, *, offset: int, limit: int) -> Page[UserView]:
        users = users_in_order(self._store.users.values())
        views = [UserView.of(user) for user in users[offset : offset + limit]]
        return Page(items=views, total=len(users), offset=offset, limit=limit)

    async def count(self) -> int:
        return len(self._store.users)

    async def by_api_token(self, token_hash: bytes) -> tuple[UserView, ApiTokenGrant] | None:
        found = token_user(self._store, self._store.users, token_hash)
        return None if found is None else (UserView.of(found[0]), found[1])

    async def touch_api_token(self, token_id: UUID, *, at: datetime) -> None:
        touch(self._store, token_id, at)


class InMemoryQuerySession:
    """Reads the committed state directly: a commit applies in one step with no ``await`` in
    between, so every read sees whole commits (and a session that never awaits in between sees
    one state, which is what ``snapshot`` asks for)."""

    def __init__(self, store: InMemoryStore, *, snapshot: bool = False) -> None:
        self.snapshot = snapshot
        self.items = _ItemQueries(store)
        self.movements = _MovementQueries(store)
        self.users = _UserQueries(store)
        self.locations = InMemoryLocationQueries(store)
        self.stock = InMemoryStockQueries(store)
        self.stocktakes = InMemoryStocktakeQueries(store)
        self.reservations = InMemoryReservationQueries(store)
        self.sessions = InMemorySessionQueries(store)
        self.api_tokens = InMemoryApiTokenQueries(store)
        self.audit = InMemoryAuditQueries(store.audit)
        self.ledger = InMemoryLedgerQueries(store)
        self._store = store

    async def settle(self, as_of: datetime, now: datetime) -> None:
        if self._store.settled.covers(as_of):
            return
        # Writers hold the lock for their whole transaction: once it is free, none is open.
        async with self._store.write_lock:
            pass
        self._store.settled.extend(now)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
