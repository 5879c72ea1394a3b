"""Loading helpers shared by the use cases: one place turns "absent" into ``NotFound``."""

from uuid import UUID

from application.commands import ItemKey
from application.ports import ItemQueries, UnitOfWork, UserQueries
from application.views import ItemView, UserView
from domain.errors import InvalidValue, NotFound
from domain.items import Item
from domain.users import User
from domain.values import Sku

MAX_PAGE = 100
MAX_OFFSET = 10**12


def check_page(offset: int, limit: int) -> None:
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidValue("offset", f"must be a whole number from 0 to {MAX_OFFSET}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidValue("limit", f"must be a whole number from 1 to {MAX_PAGE}")


def _as_uuid(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except (ValueError, TypeError):
        return None


def _check_key(kind: str, key: object) -> None:
    if not isinstance(key, UUID | str):
        raise InvalidValue(kind, "must be an id or a name")


def _as_sku(raw: str) -> Sku | None:
    try:
        return Sku.parse(raw)
    except InvalidValue:
        return None


def _item_keys(key: ItemKey) -> list[UUID | Sku]:
    """What ``key`` may name, in the order to try: an id, then a SKU (32 hex digits, or
    8-4-4-4-12, are also a valid SKU; the CLI lets people type either)."""
    _check_key("item", key)
    if isinstance(key, UUID):
        return [key]
    if (item_id := _as_uuid(key)) is not None:
        return [item_id] if (sku := _as_sku(key)) is None else [item_id, sku]
    return [Sku.parse(key)]


async def load_item(uow: UnitOfWork, key: ItemKey, *, for_update: bool = False) -> Item:
    """Find an item by id, or by SKU when the key is not a UUID (the CLI's convenience)."""
    for candidate in _item_keys(key):
        if isinstance(candidate, UUID):
            item = await uow.items.get(candidate, for_update=for_update)
        else:
            item = await uow.items.get_by_sku(candidate.value, for_update=for_update)
        if item is not None:
            return item
    raise NotFound("item", key)


async def find_item(items: ItemQueries, key: ItemKey) -> ItemView:
    """``load_item`` for queries: the item's read model."""
    for candidate in _item_keys(key):
        if isinstance(candidate, UUID):
            found = await items.get(candidate)
        else:
            found = await items.get_by_sku(candidate.value)
        if found is not None:
            return found
    raise NotFound("item", key)


def _user_key(key: UUID | str) -> UUID | str:
    _check_key("user", key)
    if isinstance(key, UUID):
        return key
    return _as_uuid(key) or key


async def load_user(uow: UnitOfWork, key: UUID | str) -> User:
    """Find a user by id, or by username when the key is not a UUID."""
    found = _user_key(key)
    if isinstance(found, UUID):
        user = await uow.users.get(found)
    else:
        user = await uow.users.get_by_username(found)
    if user is None:
        raise NotFound("user", key)
    return user


async def find_user(users: UserQueries, key: UUID | str) -> UserView:
    """``load_user`` for queries: the user's read model."""
    found = _user_key(key)
    if isinstance(found, UUID):
        view = await users.get(found)
    else:
        view = await users.get_by_username(found)
    if view is None:
        raise NotFound("user", key)
    return view
