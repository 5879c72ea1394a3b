"""Constraint violations turned into the domain errors they stand for."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import exc

from adapters.sqlalchemy.sessions import WriteSession, guarded_savepoint
from domain.errors import AlreadyExists, InsufficientStock
from domain.items import Item
from domain.users import User


def integrity_error_as_domain(
    error: exc.IntegrityError, *, item: Item | None = None, user: User | None = None
) -> Exception:
    """The domain error a constraint violation stands for (or the error unchanged).

    PostgreSQL names the constraint; SQLite names the table and column.
    """
    text = str(error.orig)
    if item is not None:
        if "uq_items_sku" in text or "items.sku" in text:
            return AlreadyExists("item", "sku", item.sku)
        if "pk_items" in text or "items.id" in text:
            return AlreadyExists("item", "id", item.id)
        if "quantity_nonnegative" in text:
            requested = -sum(m.delta for m in item.new_movements if m.delta < 0)
            return InsufficientStock(str(item.sku), available=0, requested=requested)
    if user is not None and ("uq_users_username_key" in text or "users.username_key" in text):
        return AlreadyExists("user", "username", user.username)
    return error


@asynccontextmanager
async def guarded(
    session: WriteSession,
    *,
    item: Item | None = None,
    user: User | None = None,
    savepoint: bool = True,
) -> AsyncIterator[None]:
    """Turn a constraint violation into the domain error it stands for.

    With ``savepoint`` the writes run in a savepoint, so after a refusal the transaction stays
    usable; writes that only a bug could make fail skip it and save two round trips.
    """
    try:
        async with guarded_savepoint(session, savepoint):
            yield
    except exc.IntegrityError as error:
        mapped = integrity_error_as_domain(error, item=item, user=user)
        if mapped is error:
            raise
        raise mapped from error
