"""Loading helpers shared by the use cases: one place turns "absent" into ``NotFound``."""

from uuid import UUID

from application.commands import ItemKey
from application.ports import UnitOfWork
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


async def load_item(uow: UnitOfWork, key: ItemKey, *, for_update: bool = False) -> Item:
    """Find an item by id, or by SKU when the key is not a UUID (the CLI's convenience)."""
    _check_key("item", key)
    item: Item | None = None
    if isinstance(key, UUID):
        item = await uow.items.get(key, for_update=for_update)
    elif (item_id := _as_uuid(key)) is not None:
        item = await uow.items.get(item_id, for_update=for_update)
        # 32 hex digits (or 8-4-4-4-12) are also a valid SKU: try that before giving up.
        if item is None and (sku := _as_sku(key)) is not None:
            item = await uow.items.get_by_sku(sku.value, for_update=for_update)
    else:
        item = await uow.items.get_by_sku(Sku.parse(key).value, for_update=for_update)
    if item is None:
        raise NotFound("item", key)
    return item


async def load_user(uow: UnitOfWork, key: UUID | str) -> User:
    """Find a user by id, or by username when the key is not a UUID."""
    _check_key("user", key)
    user: User | None
    if isinstance(key, UUID):
        user = await uow.users.get(key)
    elif (user_id := _as_uuid(key)) is not None:
        user = await uow.users.get(user_id)
    else:
        user = await uow.users.get_by_username(key)
    if user is None:
        raise NotFound("user", key)
    return user
