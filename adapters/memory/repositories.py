"""Repositories over ``InMemoryStore``: they stage changes in the unit of work and hand out
copies, so nothing reaches the store before commit and a caller's object is never shared."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from adapters.memory.access import token_user, touch
from adapters.memory.store import IdempotencyEntry
from application.credentials import ApiTokenGrant
from application.ports import IdempotencyRecord, ItemQuery, LoginFailures
from domain.errors import AlreadyExists
from domain.items import Item, is_low_stock
from domain.users import User

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork


def _copy_item(item: Item) -> Item:
    return replace(item, stock=dict(item.stock), events=[], new_movements=[])


def _copy_user(user: User) -> User:
    return replace(user, events=[])


class InMemoryItemRepository:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    def _current(self) -> dict[UUID, Item]:
        return self._uow.view_items()

    async def add(self, item: Item) -> None:
        if any(other.sku == item.sku for other in self._current().values()):
            raise AlreadyExists("item", "sku", item.sku)
        if item.id in self._current():
            raise AlreadyExists("item", "id", item.id)
        self._uow.stage_item(item)

    async def get(self, item_id: UUID, *, for_update: bool = False) -> Item | None:
        found = self._current().get(item_id)
        return None if found is None else _copy_item(found)

    async def get_by_sku(self, sku: str, *, for_update: bool = False) -> Item | None:
        for item in self._current().values():
            if item.sku.value == sku:
                return _copy_item(item)
        return None

    async def get_many_by_sku(
        self, skus: Sequence[str], *, for_update: bool = False
    ) -> dict[str, Item]:
        wanted = set(skus)
        return {
            item.sku.value: _copy_item(item)
            for item in self._current().values()
            if item.sku.value in wanted
        }

    async def save(self, item: Item) -> None:
        clash = any(
            other.sku == item.sku and other.id != item.id for other in self._current().values()
        )
        if clash:
            raise AlreadyExists("item", "sku", item.sku)
        self._uow.stage_item(item)

    async def add_many(self, items: Sequence[Item]) -> None:
        taken_skus = {other.sku for other in self._current().values()}
        taken_ids = set(self._current())
        for item in items:
            if item.sku in taken_skus:
                raise AlreadyExists("item", "sku", item.sku)
            if item.id in taken_ids:
                raise AlreadyExists("item", "id", item.id)
            taken_skus.add(item.sku)
            taken_ids.add(item.id)
        for item in items:
            self._uow.stage_item(item)

    async def save_many(self, items: Sequence[Item]) -> None:
        for item in items:
            await self.save(item)

    async def delete(self, item: Item) -> None:
        self._uow.stage_item_deletion(item)


def select_items(
    stored: Iterable[Item], query: ItemQuery, *, held: Mapping[UUID, int] | None = None
) -> tuple[list[Item], int]:
    """The items of one page of ``query`` and how many match (shared with the queries).
    ``held`` recounts what some items hold (their live holds) for ``available_below_reorder``."""
    recounted: Mapping[UUID, int] = held or {}
    items = [item for item in stored if item.archived == query.archived]
    if query.search:
        needle = query.search.casefold()
        items = [
            item
            for item in items
            if needle in item.sku.value.casefold()
            or needle in item.name.casefold()
            or needle in (item.description or "").casefold()
        ]
    if query.low_stock is not None:
        items = [item for item in items if item.low_stock == query.low_stock]
    if (wanted := query.available_below_reorder) is not None:
        items = [
            i
            for i in items
            if is_low_stock(i.quantity - recounted.get(i.id, i.held), i.reorder_level) == wanted
        ]
    field = query.sort.field

    def key(item: Item) -> tuple[object, str]:
        value: object = {
            "name": item.name.casefold(),
            "sku": item.sku.value,
            "quantity": item.quantity,
            "updated_at": item.updated_at,
            "created_at": item.created_at,
        }[field]
        return (value, str(item.id))

    items.sort(key=key, reverse=query.sort.descending)
    return items[query.offset : query.offset + query.limit], len(items)


def users_in_order(stored: Iterable[User]) -> list[User]:
    return sorted(stored, key=lambda u: (u.username.key, str(u.id)))


class InMemoryMovementRepository:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    async def sum_for_item(self, item_id: UUID) -> int:
        return sum(movement.delta for movement in self._uow.view_movements(item_id))

    async def sum_for_location(self, item_id: UUID, location_id: UUID) -> int:
        ledger = self._uow.view_movements(item_id)
        return sum(movement.delta for movement in ledger if movement.location_id == location_id)


class InMemoryUserRepository:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    async def add(self, user: User) -> None:
        if any(
            other.username.key == user.username.key for other in self._uow.view_users().values()
        ):
            raise AlreadyExists("user", "username", user.username)
        self._uow.stage_user(user)

    async def get(self, user_id: UUID) -> User | None:
        found = self._uow.view_users().get(user_id)
        return None if found is None else _copy_user(found)

    async def get_by_username(self, username: str) -> User | None:
        key = username.strip().casefold()
        for user in self._uow.view_users().values():
            if user.username.key == key:
                return _copy_user(user)
        return None

    async def save(self, user: User) -> None:
        self._uow.stage_user(user)

    async def count_admins(self) -> int:
        return sum(
            1
            for user in self._uow.view_users().values()
            if user.role.value == "admin" and user.active
        )

    async def count(self) -> int:
        return len(self._uow.view_users())

    async def by_api_token(self, token_hash: bytes) -> tuple[User, ApiTokenGrant] | None:
        found = token_user(self._uow.store, self._uow.view_users(), token_hash)
        return None if found is None else (_copy_user(found[0]), found[1])

    async def touch_api_token(self, token_id: UUID, *, at: datetime) -> None:
        touch(self._uow.store, token_id, at)


class InMemoryLoginAttemptRepository:
    """Counters in the store; a writing unit of work already holds the store's write lock for
    its whole transaction, so a counter read here cannot change under the caller."""

    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    async def hold(self, key: str) -> LoginFailures | None:
        # The unit of work holds the store's write lock: the counter is ours until it ends.
        return self._uow.view_login_failures().get(key)

    async def save(self, key: str, failures: LoginFailures) -> None:
        self._uow.stage_login_failures(key, failures)

    async def clear(self, key: str) -> None:
        self._uow.stage_login_failures(key, None)


class InMemoryIdempotencyRepository:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    async def claim(
        self, key: str, fingerprint: str, *, now: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        found = self._uow.view_idempotency(key)
        if found is not None and found.expires_at > now and found.result is not None:
            return IdempotencyRecord(fingerprint=found.fingerprint, result=found.result)
        self._uow.stage_idempotency(key, IdempotencyEntry(fingerprint, None, expires_at))
        return None

    async def record(self, key: str, result: str) -> None:
        claimed = self._uow.view_idempotency(key)
        if claimed is None:
            raise RuntimeError(f"idempotency key {key!r} was not claimed in this transaction")
        self._uow.stage_idempotency(key, replace(claimed, result=result))
