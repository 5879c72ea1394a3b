"""The query side of the SQL store: read models straight from rows, on one ``ReadSession``.

Point reads (an item by id or SKU, a user by id: every authenticated request reads its user)
are hand-written SQL sent to the driver, one statement each, with the columns converted here
from what each driver returns; SQLite keeps ids as 32 hex digits, times as naive UTC text and
money as a number with two decimals (``tables.py``). Pages go through SQLAlchemy Core
(``item_listing``), whose types already convert their columns.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from sqlalchemy import func, select

from adapters.sqlalchemy.access_queries import (
    USER_BY_API_TOKEN,
    SqlAlchemyApiTokenQueries,
    SqlAlchemySessionQueries,
    grant_of,
    touch,
)
from adapters.sqlalchemy.audit import SqlAlchemyAuditQueries
from adapters.sqlalchemy.database import Database
from adapters.sqlalchemy.item_listing import item_page
from adapters.sqlalchemy.ledger import SqlAlchemyLedgerQueries, settle
from adapters.sqlalchemy.location_queries import (
    SqlAlchemyLocationQueries,
    SqlAlchemyStockQueries,
    SqlAlchemyStocktakeQueries,
)
from adapters.sqlalchemy.mappers import movement_to_domain
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.reservations import SqlAlchemyReservationQueries
from adapters.sqlalchemy.search import INDEXED_SHARE
from adapters.sqlalchemy.tables import movements, users
from application.credentials import ApiTokenGrant
from application.ports import ItemQuery, Page
from application.views import ItemView, UserView
from domain.items import ItemImage, StockMovement
from domain.users import Role, Username
from domain.values import Money, Sku, TaxRate

_ITEM_COLUMNS = (
    "id, sku, name, description, unit_price, tax_rate, quantity, reorder_level, image_key,"
    " image_content_type, image_size, image_sha256, version, created_at, updated_at, held,"
    " hold_expires_at, archived_at"
)
_USER_COLUMNS = (
    "id, username, role, active, token_version, email, full_name, created_at, updated_at"
)


def _sql(columns: str, table: str, key: str) -> dict[str, str]:
    head = f"SELECT {columns} FROM {table} WHERE {key} = "  # noqa: S608 - constants only
    return {"sqlite": head + "?", "postgresql": head + "$1"}


_ITEM_BY_ID = _sql(_ITEM_COLUMNS, "items", "id")
_ITEM_BY_SKU = _sql(_ITEM_COLUMNS, "items", "sku")
_USER_BY_ID = _sql(_USER_COLUMNS, "users", "id")
_USER_BY_KEY = _sql(_USER_COLUMNS, "users", "username_key")


def _utc(raw: str) -> datetime:
    return datetime.fromisoformat(raw).replace(tzinfo=UTC)


def _money(raw: float | int | str) -> Decimal:
    return Decimal(raw if isinstance(raw, str) else f"{raw:.2f}")


def _same(value: Any) -> Any:
    return value


def _converters(*kinds: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    """Per column: how a SQLite value becomes the Python value (``None`` stays ``None``)."""

    def convert(row: Sequence[Any]) -> list[Any]:
        return [None if v is None else kind(v) for kind, v in zip(kinds, row, strict=True)]

    return convert


# (the id, first, is converted by ``_Reads._one``: a read by id already has it)
_SQLITE_ITEM = _converters(
    _same, *(_same,) * 3, _money, _money, *(_same,) * 7, _utc, _utc, _same, _utc, _utc
)
_SQLITE_USER = _converters(_same, _same, _same, bool, *(_same,) * 3, _utc, _utc)
#: The user, then the token (``access_queries.grant_of`` converts the token's columns).
_SQLITE_TOKEN_USER = _converters(
    _same, _same, _same, bool, *(_same,) * 3, _utc, _utc, *(_same,) * 5
)


def _item_view(values: Sequence[Any]) -> ItemView:
    (id_, sku, name, description, price, tax, quantity, reorder, image_key, image_type,
     image_size, image_sha, version, created, updated, held, hold_expires_at,
     archived) = values  # fmt: skip
    return ItemView(
        id=id_,
        sku=Sku(sku),
        name=name,
        description=description,
        unit_price=Money(price),
        tax_rate=None if tax is None else TaxRate(tax),
        quantity=quantity,
        held=held,
        hold_expires_at=hold_expires_at,
        reorder_level=reorder,
        image=None
        if image_key is None
        else ItemImage(key=image_key, content_type=image_type, size=image_size, sha256=image_sha),
        version=version,
        created_at=created,
        updated_at=updated,
        archived_at=archived,
    )


_ITEM_KEYS = tuple(name.strip() for name in _ITEM_COLUMNS.split(","))
_USER_KEYS = tuple(name.strip() for name in _USER_COLUMNS.split(","))


def _item_view_of_row(row: Mapping[Any, Any]) -> ItemView:
    return _item_view([row[name] for name in _ITEM_KEYS])


def _user_view(values: Sequence[Any]) -> UserView:
    id_, username, role, active, token_version, email, full_name, created, updated = values
    return UserView(
        id=id_,
        username=Username(username),
        role=Role(role),
        active=bool(active),
        token_version=token_version,
        email=email,
        full_name=full_name,
        created_at=created,
        updated_at=updated,
    )


class _Reads:
    def __init__(self, session: ReadSession) -> None:
        self._session = session
        self._sqlite = session.name == "sqlite"

    async def _one(
        self, sql: Mapping[str, str], key: object, sqlite_row: Callable[[Sequence[Any]], list[Any]]
    ) -> Sequence[Any] | None:
        if not self._sqlite:
            return await self._session.fetch_one(sql[self._session.name], key)
        by_id = isinstance(key, UUID)
        row = await self._session.fetch_one(
            sql["sqlite"], key.hex if isinstance(key, UUID) else key
        )
        if row is None:
            return None
        values = sqlite_row(row)
        values[0] = key if by_id else UUID(values[0])
        return values


class SqlAlchemyItemQueries(_Reads):
    def __init__(self, session: ReadSession, *, indexed_share: float = INDEXED_SHARE) -> None:
        super().__init__(session)
        self._indexed_share = indexed_share

    async def get(self, item_id: UUID) -> ItemView | None:
        row = await self._one(_ITEM_BY_ID, item_id, _SQLITE_ITEM)
        return None if row is None else _item_view(row)

    async def get_by_sku(self, sku: str) -> ItemView | None:
        row = await self._one(_ITEM_BY_SKU, sku, _SQLITE_ITEM)
        return None if row is None else _item_view(row)

    async def list(self, query: ItemQuery) -> Page[ItemView]:
        rows, total = await item_page(self._session, query, indexed_share=self._indexed_share)
        views = [_item_view_of_row(row._mapping) for row in rows]
        return Page(items=views, total=total, offset=query.offset, limit=query.limit)


class SqlAlchemyMovementQueries(_Reads):
    async def list_for_item(self, item_id: UUID, *, offset: int, limit: int) -> Page[StockMovement]:
        rows = await self._session.execute(
            select(movements)
            .where(movements.c.item_id == item_id)
            .order_by(movements.c.seq.desc())
            .offset(offset)
            .limit(limit)
        )
        page = [movement_to_domain(row._mapping) for row in rows]
        total = await self._session.execute(
            select(func.count()).select_from(movements).where(movements.c.item_id == item_id)
        )
        return Page(items=page, total=total.scalar_one(), offset=offset, limit=limit)


class SqlAlchemyUserQueries(_Reads):
    async def get(self, user_id: UUID) -> UserView | None:
        row = await self._one(_USER_BY_ID, user_id, _SQLITE_USER)
        return None if row is None else _user_view(row)

    async def get_by_username(self, username: str) -> UserView | None:
        row = await self._one(_USER_BY_KEY, username.strip().casefold(), _SQLITE_USER)
        return None if row is None else _user_view(row)

    async def list(self, *, offset: int, limit: int) -> Page[UserView]:
        columns = [users.c[name] for name in _USER_KEYS]
        rows = await self._session.execute(
            select(*columns).order_by(users.c.username_key, users.c.id).offset(offset).limit(limit)
        )
        page = [_user_view(tuple(row)) for row in rows]
        return Page(items=page, total=await self.count(), offset=offset, limit=limit)

    async def count(self) -> int:
        result = await self._session.execute(select(func.count()).select_from(users))
        return int(result.scalar_one())

    async def by_api_token(self, token_hash: bytes) -> tuple[UserView, ApiTokenGrant] | None:
        row = await self._one(USER_BY_API_TOKEN, token_hash, _SQLITE_TOKEN_USER)
        if row is None:
            return None
        return _user_view(row[: len(_USER_KEYS)]), grant_of(row, sqlite=self._sqlite)

    async def touch_api_token(self, token_id: UUID, *, at: datetime) -> None:
        await touch(self._session, token_id, at)


class SqlAlchemyQuerySession:
    """One query's reads on one connection (see ``sessions.ReadSession``); ``snapshot`` reads
    everything in one transaction instead (an export must not mix two states)."""

    def __init__(
        self,
        database: Database,
        *,
        snapshot: bool = False,
        search_indexed_share: float = INDEXED_SHARE,
    ) -> None:
        self._session = ReadSession(database, snapshot=snapshot)
        self.items = SqlAlchemyItemQueries(self._session, indexed_share=search_indexed_share)
        self.movements = SqlAlchemyMovementQueries(self._session)
        self.users = SqlAlchemyUserQueries(self._session)
        self.locations = SqlAlchemyLocationQueries(self._session)
        self.stock = SqlAlchemyStockQueries(self._session)
        self.stocktakes = SqlAlchemyStocktakeQueries(self._session)
        self.reservations = SqlAlchemyReservationQueries(self._session)
        self.sessions = SqlAlchemySessionQueries(self._session)
        self.api_tokens = SqlAlchemyApiTokenQueries(self._session)
        self.audit = SqlAlchemyAuditQueries(self._session)
        self.ledger = SqlAlchemyLedgerQueries(self._session)
        self._database = database

    async def settle(self, as_of: datetime, now: datetime) -> None:
        await settle(self._database, as_of, now)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._session.close()
