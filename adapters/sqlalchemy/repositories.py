"""Repositories over one unit of work's connection, written as Core statements.

They never commit: statements run inside the unit of work's transaction, so nothing is visible
to others before ``commit``. Reads are single statements (a list page is two: the rows and the
total; a search on SQLite adds a probe of its index, see ``search.py``), whatever the page size.
"""

import functools
from collections.abc import Sequence
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Dialect,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exc,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.point_reads import PointRead
from adapters.sqlalchemy.search import SearchPlan, search_filter
from adapters.sqlalchemy.tables import item_total, items, login_failures, movements, users
from application.ports import ItemQuery, ItemSort, LoginFailures, Page
from domain.errors import NotFound, VersionMismatch
from domain.items import Item, StockMovement
from domain.users import User

if TYPE_CHECKING:
    from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

_SORT_COLUMNS = {
    ItemSort.NAME.field: items.c.name_key,
    ItemSort.SKU.field: items.c.sku,
    ItemSort.QUANTITY.field: items.c.quantity,
    ItemSort.UPDATED.field: items.c.updated_at,
    ItemSort.CREATED.field: items.c.created_at,
}


# The hot reads, built once (compiled once, and point reads on SQLite's reader; see
# ``point_reads``).
_ITEM_BY_ID = PointRead(select(items).where(items.c.id == bindparam("key")))
_ITEM_BY_SKU = PointRead(select(items).where(items.c.sku == bindparam("key")))
_LOCKED = {read: read.statement.with_for_update() for read in (_ITEM_BY_ID, _ITEM_BY_SKU)}
_INSERT_ITEMS = insert(items)
_INSERT_MOVEMENTS = insert(movements)
# On PostgreSQL, with RETURNING SQLAlchemy sends many rows as a few multi-row INSERTs
# ("insertmanyvalues"); without it, asyncpg's executemany runs one INSERT per row, and the
# statement triggers of the item total (migration 0003) fire once per row: +45 % on an import.
_BATCHED = {
    _INSERT_ITEMS: _INSERT_ITEMS.returning(items.c.id),
    _INSERT_MOVEMENTS: _INSERT_MOVEMENTS.returning(movements.c.id),
}


class _DriverInsert:
    """Many rows inserted by a few multi-row ``INSERT … VALUES (…), (…), …`` sent to the driver.

    SQLAlchemy's executemany builds a parameter dict per row and then converts it; for a bulk
    import that bookkeeping cost more than SQLite's own work. The statement is compiled once per
    dialect and column set, and each row goes through the same bind processors SQLAlchemy would
    apply (UUID to text, aware UTC datetime to SQLite text, ...), so the stored values are
    identical to those of ``add``.

    Many rows per statement rather than one statement per row (``executemany``): the search
    index's triggers write to an FTS5 table, and FTS5 writes out what it has buffered at every
    statement of a transaction (its savepoint); once per row made adding 100,000 items 2.5 to 3
    times slower (≈9 s → ≈24 s). Only used on SQLite (positional ``?`` parameters, and at most
    32,766 of them per statement since SQLite 3.32; the search index needs 3.34).
    """

    MAX_PARAMETERS = 32_766

    def __init__(self, table: Table) -> None:
        self._table = table
        self._prepared: dict[tuple[str, tuple[str, ...]], tuple[str, list[tuple[str, Any]]]] = {}

    def statements(
        self, dialect: Dialect, rows: Sequence[dict[str, Any]]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        keys = tuple(rows[0])
        cache_key = (dialect.name, keys)
        prepared = self._prepared.get(cache_key)
        if prepared is None:
            compiled = insert(self._table).compile(dialect=dialect, column_keys=list(keys))
            processors = compiled._bind_processors
            order = compiled.positiontup or []
            prepared = (compiled.string, [(name, processors.get(name)) for name in order])
            self._prepared[cache_key] = prepared
        sql, columns = prepared
        head, _, values = sql.partition(" VALUES ")
        converted = list(
            zip(*(_column(rows, name, process) for name, process in columns), strict=True)
        )
        per_statement = max(1, self.MAX_PARAMETERS // len(columns))
        out = []
        for start in range(0, len(converted), per_statement):
            chunk = converted[start : start + per_statement]
            groups = ", ".join([values] * len(chunk))
            out.append((f"{head} VALUES {groups}", tuple(chain.from_iterable(chunk))))
        return out


def _column(rows: Sequence[dict[str, Any]], name: str, process: Any) -> list[Any]:
    """One column's driver values. Rows of one batch share many values (the batch's time, the
    actor), so a value equal to the previous row's reuses its converted form."""
    values = [row[name] for row in rows]
    if process is None:
        return values
    out: list[Any] = []
    last: Any = _UNSEEN
    converted: Any = None
    for value in values:
        if value is not last:
            last, converted = value, (None if value is None else process(value))
        out.append(converted)
    return out


_UNSEEN = object()


_BULK_ITEMS = _DriverInsert(items)
_BULK_MOVEMENTS = _DriverInsert(movements)
# Bulk saves: one statement sent with many parameter sets; each SETs the columns its dict names.
_UPDATE_READ_ITEM = update(items).where(
    items.c.id == bindparam("b_id"), items.c.version == bindparam("b_read_version")
)
_USER_BY_ID = PointRead(select(users).where(users.c.id == bindparam("key")))
_USER_BY_KEY = PointRead(select(users).where(users.c.username_key == bindparam("key")))


async def _item_filters(
    uow: "SqlAlchemyUnitOfWork", query: ItemQuery
) -> tuple[list[ColumnElement[bool]], dict[str, Any], SearchPlan | None]:
    filters: list[ColumnElement[bool]] = []
    plan = None
    if query.search:
        plan = await search_filter(uow, query.search, indexed_share=uow.search_indexed_share)
        filters.append(plan.where)
    if query.low_stock is not None:
        filters.append(_LOW_STOCK[query.low_stock])
    return filters, ({} if plan is None else plan.parameters), plan


#: PostgreSQL reads every row to count them: its total is kept by triggers (migration 0003).
_ITEM_TOTAL = select(item_total.c.total)
_MARGIN = items.c.quantity - items.c.reorder_level
_LOW_STOCK = {True: _MARGIN <= 0, False: _MARGIN > 0}
_PAGE_OFFSET = bindparam("page_offset", type_=BigInteger())
_PAGE_LIMIT = bindparam("page_limit", type_=BigInteger())


@functools.cache
def _list_statements(
    filters: tuple[ColumnElement[bool], ...], sort: ItemSort
) -> tuple[Select[Any], Select[Any]]:
    """The page and the total for one shape of list query, built once: the filters are module
    constants and the page is bound, so SQLAlchemy finds the compiled form without building and
    hashing a new statement per request (a tenth of a list request's time)."""
    column = _SORT_COLUMNS[sort.field]
    order = (column.desc(), items.c.id.desc()) if sort.descending else (column, items.c.id)
    page = select(items).where(*filters).order_by(*order).offset(_PAGE_OFFSET).limit(_PAGE_LIMIT)
    return page, select(func.count()).select_from(items).where(*filters)


class SqlAlchemyItemRepository:
    def __init__(self, uow: "SqlAlchemyUnitOfWork") -> None:
        self._uow = uow
        # Version and SKU of each item object as this transaction read it (by identity: two
        # copies of one item may be in play). Saves are conditional on that version, and only
        # a changed SKU can hit the unique index.
        self._read: dict[int, tuple[Item, int, str]] = {}
        self._written_movements: set[UUID] = set()

    def reset(self) -> None:
        self._read.clear()
        self._written_movements.clear()

    def _select(self, *where: ColumnElement[bool], for_update: bool) -> Select[Any]:
        statement = select(items).where(*where)
        return statement.with_for_update() if for_update and self._uow.locks_rows else statement

    def _loaded(self, row: mappers.Row) -> Item:
        item = mappers.item_to_domain(row)
        self._remember(item)
        return item

    def _remember(self, item: Item) -> None:
        self._read[id(item)] = (item, item.version, item.sku.value)

    async def add(self, item: Item) -> None:
        self._uow.check_writable()
        async with self._uow.guarded(item=item):
            await self._uow.execute(insert(items).values(mappers.item_to_row(item)))
            await self._write_movements(item)
        self._remember(item)
        self._uow.track(item)

    async def add_many(self, new_items: Sequence[Item]) -> None:
        """One multi-row insert for the items and one for their movements.

        On a constraint violation the savepoint is rolled back and the items are added one by
        one, which names the offending item exactly as ``add`` does (and adds none of them).
        """
        self._uow.check_writable()
        if not new_items:
            return
        try:
            async with self._uow.guarded():
                await self._insert_many(
                    _INSERT_ITEMS, _BULK_ITEMS, [mappers.item_to_row(i) for i in new_items]
                )
                await self._write_movements_of(new_items)
        except exc.IntegrityError:
            self._written_movements.difference_update(
                m.id for item in new_items for m in item.new_movements
            )
            # In a savepoint of its own: after a refusal, none of them stays added.
            async with self._uow.guarded():
                for item in new_items:
                    await self.add(item)
            return
        for item in new_items:
            self._remember(item)
            self._uow.track(item)

    async def save_many(self, changed: Sequence[Item]) -> None:
        """One executemany UPDATE (conditional on each item's read version) and one insert for
        the movements, where the driver reports how many rows an executemany changed and no
        SKU changes; otherwise ``save`` one by one."""
        self._uow.check_writable()
        bulk: list[tuple[Item, int]] = []
        single: list[Item] = []
        for item in changed:
            _, read_version, read_sku = self._read.get(id(item), (item, None, None))
            if (
                read_version is None
                or read_sku != item.sku.value
                or not self._uow.sane_multi_rowcount
            ):
                single.append(item)
            else:
                bulk.append((item, read_version))
        if bulk:
            parameters = []
            for item, read_version in bulk:
                row = mappers.item_to_row(item)
                row["b_id"] = row.pop("id")
                row["b_read_version"] = read_version
                parameters.append(row)
            result = await self._uow.execute(_UPDATE_READ_ITEM, parameters)
            if result.rowcount != len(bulk):
                for item, read_version in bulk:
                    current = await self._uow.execute(
                        select(items.c.version).where(items.c.id == item.id)
                    )
                    if current.scalar_one_or_none() != item.version:
                        await self._explain_missed_update(item, read_version)
            await self._write_movements_of([item for item, _ in bulk])
            for item, _ in bulk:
                self._remember(item)
                self._uow.track(item)
        for item in single:
            await self.save(item)

    async def _get_one(self, read: PointRead, key: object, for_update: bool) -> Item | None:
        if for_update and self._uow.locks_rows:
            locked = (await self._uow.execute(_LOCKED[read], {"key": key})).first()
            return None if locked is None else self._loaded(locked._mapping)
        row = await self._uow.first(read, key)
        return None if row is None else self._loaded(row)

    async def get(self, item_id: UUID, *, for_update: bool = False) -> Item | None:
        return await self._get_one(_ITEM_BY_ID, item_id, for_update)

    async def get_by_sku(self, sku: str, *, for_update: bool = False) -> Item | None:
        return await self._get_one(_ITEM_BY_SKU, sku, for_update)

    async def get_many_by_sku(
        self, skus: Sequence[str], *, for_update: bool = False
    ) -> dict[str, Item]:
        if not skus:
            return {}
        # Locks are taken in SKU order, so two bulk writers cannot deadlock each other.
        statement = self._select(items.c.sku.in_(set(skus)), for_update=for_update)
        result = await self._uow.execute(statement.order_by(items.c.sku))
        return {item.sku.value: item for item in (self._loaded(row._mapping) for row in result)}

    async def save(self, item: Item) -> None:
        self._uow.check_writable()
        row = mappers.item_to_row(item)
        del row["id"]
        _, read_version, read_sku = self._read.get(id(item), (item, None, None))
        if read_version is not None:  # the usual case: one prepared statement, compiled once
            statement: Any = _UPDATE_READ_ITEM
            parameters = {**row, "b_id": item.id, "b_read_version": read_version}
        else:
            statement, parameters = update(items).where(items.c.id == item.id).values(row), None
        async with self._uow.guarded(item=item, savepoint=read_sku != item.sku.value):
            result = await self._uow.execute(statement, parameters)
            if result.rowcount == 0:
                await self._explain_missed_update(item, read_version)
            await self._write_movements(item)
        self._remember(item)
        self._uow.track(item)

    async def _explain_missed_update(self, item: Item, read_version: int | None) -> None:
        result = await self._uow.execute(select(items.c.version).where(items.c.id == item.id))
        current = result.scalar_one_or_none()
        if current is None:
            raise NotFound("item", item.id)
        raise VersionMismatch("item", expected=read_version or item.version, actual=current)

    async def _write_movements(self, item: Item) -> None:
        await self._write_movements_of((item,))

    async def _write_movements_of(self, written: Sequence[Item]) -> None:
        fresh = [
            m for item in written for m in item.new_movements if m.id not in self._written_movements
        ]
        if fresh:
            rows = [mappers.movement_to_row(m) for m in fresh]
            await self._insert_many(_INSERT_MOVEMENTS, _BULK_MOVEMENTS, rows)
            self._written_movements.update(m.id for m in fresh)

    async def _insert_many(
        self, statement: Any, bulk: _DriverInsert, rows: list[dict[str, Any]]
    ) -> None:
        """Many rows at once; on SQLite straight to the driver (see ``_DriverInsert``)."""
        if len(rows) > 1 and self._uow.dialect == "sqlite":
            for sql, values in bulk.statements(self._uow.sql_dialect, rows):
                await self._uow.execute_driver(sql, (values,))
        elif self._uow.dialect == "postgresql":
            await self._uow.execute(_BATCHED[statement], rows)
        else:
            await self._uow.execute(statement, rows)

    async def delete(self, item: Item) -> None:
        """Deletes the ledger with the item (also ``ON DELETE CASCADE``, kept as a backstop)."""
        self._uow.check_writable()
        await self._uow.execute(delete(movements).where(movements.c.item_id == item.id))
        await self._uow.execute(delete(items).where(items.c.id == item.id))
        self._read.pop(id(item), None)
        self._uow.track(item)

    async def list(self, query: ItemQuery) -> Page[Item]:
        filters, parameters, search = await _item_filters(self._uow, query)
        page_statement, count_statement = _list_statements(tuple(filters), query.sort)
        rows = await self._uow.execute(
            page_statement,
            {**parameters, "page_offset": query.offset, "page_limit": query.limit},
        )
        page = [mappers.item_to_domain(row._mapping) for row in rows]
        if search is not None and search.indexed_total is not None and len(filters) == 1:
            total = await search.indexed_total()
        elif not filters and self._uow.dialect == "postgresql":
            total = (await self._uow.execute(_ITEM_TOTAL)).scalar_one()
        else:
            total = (await self._uow.execute(count_statement, parameters)).scalar_one()
        return Page(items=page, total=total, offset=query.offset, limit=query.limit)


class SqlAlchemyMovementRepository:
    def __init__(self, uow: "SqlAlchemyUnitOfWork") -> None:
        self._uow = uow

    async def list_for_item(self, item_id: UUID, *, offset: int, limit: int) -> Page[StockMovement]:
        rows = await self._uow.execute(
            select(movements)
            .where(movements.c.item_id == item_id)
            .order_by(movements.c.seq.desc())
            .offset(offset)
            .limit(limit)
        )
        page = [mappers.movement_to_domain(row._mapping) for row in rows]
        total = await self._uow.execute(
            select(func.count()).select_from(movements).where(movements.c.item_id == item_id)
        )
        return Page(items=page, total=total.scalar_one(), offset=offset, limit=limit)

    async def sum_for_item(self, item_id: UUID) -> int:
        result = await self._uow.execute(
            select(func.coalesce(func.sum(movements.c.delta), 0)).where(
                movements.c.item_id == item_id
            )
        )
        return int(result.scalar_one())


class SqlAlchemyUserRepository:
    def __init__(self, uow: "SqlAlchemyUnitOfWork") -> None:
        self._uow = uow

    async def add(self, user: User) -> None:
        self._uow.check_writable()
        async with self._uow.guarded(user=user):
            await self._uow.execute(insert(users).values(mappers.user_to_row(user)))
        self._uow.track(user)

    async def get(self, user_id: UUID) -> User | None:
        row = await self._uow.first(_USER_BY_ID, user_id)
        return None if row is None else mappers.user_to_domain(row)

    async def get_by_username(self, username: str) -> User | None:
        key = username.strip().casefold()
        row = await self._uow.first(_USER_BY_KEY, key)
        return None if row is None else mappers.user_to_domain(row)

    async def save(self, user: User) -> None:
        self._uow.check_writable()
        row = mappers.user_to_row(user)
        del row["id"]
        async with self._uow.guarded(user=user, savepoint=False):
            await self._uow.execute(update(users).where(users.c.id == user.id).values(row))
        self._uow.track(user)

    async def list(self, *, offset: int, limit: int) -> Page[User]:
        rows = await self._uow.execute(
            select(users).order_by(users.c.username_key, users.c.id).offset(offset).limit(limit)
        )
        page = [mappers.user_to_domain(row._mapping) for row in rows]
        return Page(items=page, total=await self.count(), offset=offset, limit=limit)

    async def count_admins(self) -> int:
        result = await self._uow.execute(
            select(func.count())
            .select_from(users)
            .where(and_(users.c.role == "admin", users.c.active.is_(True)))
        )
        return int(result.scalar_one())

    async def count(self) -> int:
        result = await self._uow.execute(select(func.count()).select_from(users))
        return int(result.scalar_one())


class SqlAlchemyLoginAttemptRepository:
    def __init__(self, uow: "SqlAlchemyUnitOfWork") -> None:
        self._uow = uow

    async def get(self, username_key: str) -> LoginFailures | None:
        result = await self._uow.execute(
            select(login_failures).where(login_failures.c.username_key == username_key)
        )
        row = result.first()
        return None if row is None else mappers.login_failures_to_domain(row._mapping)

    async def record_failure(self, username_key: str, at: datetime) -> LoginFailures:
        """One atomic upsert, so failures counted by concurrent workers are never lost."""
        self._uow.check_writable()
        dialect_insert = postgresql.insert if self._uow.dialect == "postgresql" else sqlite.insert
        upsert = dialect_insert(login_failures).values(
            username_key=username_key, count=1, first_at=at, last_at=at
        )
        statement = upsert.on_conflict_do_update(
            index_elements=[login_failures.c.username_key],
            set_={"count": login_failures.c.count + 1, "last_at": upsert.excluded.last_at},
        ).returning(login_failures)
        row = (await self._uow.execute(statement)).one()
        return mappers.login_failures_to_domain(row._mapping)

    async def clear(self, username_key: str) -> None:
        self._uow.check_writable()
        await self._uow.execute(
            delete(login_failures).where(login_failures.c.username_key == username_key)
        )
