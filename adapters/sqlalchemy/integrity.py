"""Constraint violations turned into the domain errors they stand for."""

from types import TracebackType

from sqlalchemy import exc

from adapters.sqlalchemy.sessions import Savepoint, WriteSession
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


class Guarded:
    """Turn a constraint violation into the domain error it stands for.

    With ``savepoint`` the writes run in a savepoint, so after a refusal the transaction stays
    usable; writes that only a bug could make fail skip it and save two round trips. (A class
    rather than a generator-based context manager: every save of every write goes through it.)
    """

    __slots__ = ("_item", "_nested", "_savepoint", "_session", "_user")

    def __init__(
        self,
        session: WriteSession,
        *,
        item: Item | None = None,
        user: User | None = None,
        savepoint: bool = True,
    ) -> None:
        self._session = session
        self._item = item
        self._user = user
        self._savepoint = savepoint
        self._nested: Savepoint | None = None

    async def __aenter__(self) -> None:
        if self._savepoint:
            self._nested = await self._session.savepoint()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        nested = self._nested
        if error is None:
            if nested is not None:
                try:
                    await nested.commit()
                except exc.IntegrityError as failed:
                    self._raise_mapped(failed)
                    raise
            return
        if nested is not None and nested.is_active:
            await nested.rollback()
        if isinstance(error, exc.IntegrityError):
            self._raise_mapped(error)

    def _raise_mapped(self, error: exc.IntegrityError) -> None:
        mapped = integrity_error_as_domain(error, item=self._item, user=self._user)
        if mapped is not error:
            raise mapped from error
