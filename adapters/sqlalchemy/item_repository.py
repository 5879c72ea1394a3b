"""Items with their per-location stock and their ledger for a unit of work, written as Core
statements on its session.

An item is read together with its stock rows, in one outer join. Every writer of an item's
stock rows holds that item row's lock (SQLite: the database write lock, taken before the read),
so the rows cannot change under it; a save writes the rows that changed in one upsert.

On PostgreSQL a locked read is two statements: ``SELECT … FOR UPDATE`` on the item, then its
stock rows. In one joined statement, a read that waited for the lock would get the item row as
the lock holder committed it but the stock rows of the snapshot taken before the wait (READ
COMMITTED re-checks only the locked rows), and lose the other's per-location change.

They never commit: statements run inside the unit of work's transaction, so nothing is visible
to others before ``commit``.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import (
    Insert,
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
from adapters.sqlalchemy.bulk_insert import DriverInsert
from adapters.sqlalchemy.driver_statements import DriverStatement
from adapters.sqlalchemy.integrity import Guarded
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import items, location_stock, movements
from domain.errors import NotFound, VersionMismatch
from domain.items import Held, Item

Stock = dict[UUID, Held]


class _Read(NamedTuple):
    """An item object as this transaction read (or last wrote) it."""

    version: int
    sku: str
    stock: Stock
    #: Its columns then: a save sets only those that differ.
    row: dict[str, Any]


_WITH_STOCK = select(
    items,
    location_stock.c.location_id.label("held_at"),
    location_stock.c.quantity.label("held_quantity"),
    location_stock.c.version.label("held_version"),
    location_stock.c.reserved.label("held_reserved"),
).select_from(items.outerjoin(location_stock, location_stock.c.item_id == items.c.id))
_ITEM_BY_ID = DriverStatement(_WITH_STOCK.where(items.c.id == bindparam("key")))
_ITEM_BY_SKU = DriverStatement(_WITH_STOCK.where(items.c.sku == bindparam("key")))
#: PostgreSQL's locked reads: the item rows alone, then ``_STOCK_OF`` in a statement of its own.
_LOCKED = {
    _ITEM_BY_ID: select(items).where(items.c.id == bindparam("key")).with_for_update(),
    _ITEM_BY_SKU: select(items).where(items.c.sku == bindparam("key")).with_for_update(),
}
_STOCK_OF = select(location_stock).where(
    location_stock.c.item_id.in_(bindparam("ids", expanding=True))
)


def _upsert(statement: Any) -> Insert:
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[location_stock.c.item_id, location_stock.c.location_id],
        set_={
            "quantity": statement.excluded.quantity,
            "version": statement.excluded.version,
            "reserved": statement.excluded.reserved,
        },
    )


#: The stock rows a save changed, in one statement (SQLite and PostgreSQL share the syntax).
_UPSERT_STOCK = {
    "sqlite": DriverStatement(_upsert(sqlite.insert(location_stock))),
    "postgresql": DriverStatement(_upsert(postgresql.insert(location_stock))),
}
_INSERT_ITEMS = insert(items)
_INSERT_MOVEMENTS = insert(movements)
_INSERT_STOCK = insert(location_stock)
# On PostgreSQL, with RETURNING SQLAlchemy sends many rows as a few multi-row INSERTs
# ("insertmanyvalues"); without it, asyncpg's executemany runs one INSERT per row, and the
# statement triggers of the item total (migration 0003) fire once per row: +45 % on an import.
_BATCHED = {
    _INSERT_ITEMS: _INSERT_ITEMS.returning(items.c.id),
    _INSERT_MOVEMENTS: _INSERT_MOVEMENTS.returning(movements.c.id),
    _INSERT_STOCK: _INSERT_STOCK.returning(location_stock.c.item_id),
}
_BULK_ITEMS = DriverInsert(items)
_BULK_MOVEMENTS = DriverInsert(movements)
_BULK_STOCK = DriverInsert(location_stock)
# Saves: one statement, conditional on the version this transaction read.
_UPDATE_READ_ITEM = DriverStatement(
    update(items).where(
        items.c.id == bindparam("b_id"), items.c.version == bindparam("b_read_version")
    )
)


class SqlAlchemyItemRepository:
    def __init__(self, session: WriteSession, track: Callable[[Item], None]) -> None:
        self._session = session
        self._track = track
        # Each item object as this transaction read it (by identity: two copies of one item may
        # be in play), kept with the object itself so that its id is not reused. Saves are
        # conditional on the version read, only a changed SKU can hit the unique index, and only
        # changed columns and stock rows are written: a stock change leaves the indexes of the
        # name, the SKU and the creation time (and their pages) alone.
        self._read: dict[int, tuple[Item, _Read]] = {}
        self._written_movements: set[UUID] = set()

    def reset(self) -> None:
        self._read.clear()
        self._written_movements.clear()

    async def _locked(self, rows: Any) -> list[Item]:
        """Items from locked item rows, with their stock read after the locks were taken."""
        found = {row.id: mappers.item_to_domain(row._mapping) for row in rows}
        if found:
            stock = await self._session.execute(_STOCK_OF, {"ids": list(found)})
            for level in stock:
                found[level.item_id].stock[level.location_id] = Held(
                    level.quantity, level.version, level.reserved
                )
        for item in found.values():
            self._remember(item)
        return list(found.values())

    def _loaded(self, rows: Iterable[Mapping[Any, Any]]) -> list[Item]:
        """Items from item rows joined with their stock rows (one row per location held)."""
        found: dict[UUID, Item] = {}
        for values in rows:
            item = found.get(values["id"])
            if item is None:
                item = found[values["id"]] = mappers.item_to_domain(values)
            if values["held_at"] is not None:
                item.stock[values["held_at"]] = Held(
                    values["held_quantity"], values["held_version"], values["held_reserved"]
                )
        for item in found.values():
            self._remember(item)
        return list(found.values())

    def _remember(self, item: Item, row: dict[str, Any] | None = None) -> None:
        if row is None:
            row = mappers.item_to_row(item)
        self._read[id(item)] = (item, _Read(item.version, item.sku.value, dict(item.stock), row))

    def _as_read(self, item: Item) -> _Read | None:
        found = self._read.get(id(item))
        return None if found is None else found[1]

    async def _write_stock(self, written: Sequence[Item], *, new: bool = False) -> None:
        """The stock rows that changed since they were read, at once: upserted, or inserted
        like the items themselves for ``new`` items."""
        rows: list[dict[str, Any]] = []
        for item in written:
            read = self._as_read(item)
            before = read.stock if read is not None else {}
            rows.extend(
                {
                    "item_id": item.id,
                    "location_id": location_id,
                    "quantity": held.quantity,
                    "version": held.version,
                    "reserved": held.reserved,
                }
                for location_id, held in item.stock.items()
                if before.get(location_id) != held
            )
        if rows and new:
            await self._insert_many(_INSERT_STOCK, _BULK_STOCK, rows)
        elif rows:
            await self._session.run(_UPSERT_STOCK[self._session.name], rows)

    async def add(self, item: Item) -> None:
        self._session.check_open()
        async with Guarded(self._session, item=item):
            await self._session.execute(insert(items).values(mappers.item_to_row(item)))
            await self._write_stock((item,), new=True)
            await self._write_movements(item)
        self._remember(item)
        self._track(item)

    async def add_many(self, new_items: Sequence[Item]) -> None:
        """One multi-row insert for the items and one for their movements.

        On a constraint violation the savepoint is rolled back and the items are added one by
        one, which names the offending item exactly as ``add`` does (and adds none of them).
        """
        self._session.check_open()
        if not new_items:
            return
        rows = [mappers.item_to_row(item) for item in new_items]
        try:
            async with Guarded(self._session):
                await self._insert_many(_INSERT_ITEMS, _BULK_ITEMS, rows)
                await self._write_stock(new_items, new=True)
                await self._write_movements_of(new_items)
        except exc.IntegrityError:
            self._written_movements.difference_update(
                m.id for item in new_items for m in item.new_movements
            )
            # In a savepoint of its own: after a refusal, none of them stays added.
            async with Guarded(self._session):
                for item in new_items:
                    await self.add(item)
            return
        for item, row in zip(new_items, rows, strict=True):
            self._remember(item, row)
            self._track(item)

    async def save_many(self, changed: Sequence[Item]) -> None:
        """One executemany UPDATE (conditional on each item's read version) and one insert for
        the movements, where the driver reports how many rows an executemany changed and no
        SKU changes; otherwise ``save`` one by one."""
        self._session.check_open()
        bulk: list[tuple[Item, int]] = []
        single: list[Item] = []
        for item in changed:
            read = self._as_read(item)
            if read is None or read.sku != item.sku.value or not self._session.sane_multi_rowcount:
                single.append(item)
            else:
                bulk.append((item, read.version))
        if bulk:
            rows = [mappers.item_to_row(item) for item, _ in bulk]
            parameters = []  # the rows themselves stay whole: they are remembered as written
            for row, (_, read_version) in zip(rows, bulk, strict=True):
                values = {key: value for key, value in row.items() if key != "id"}
                values["b_id"], values["b_read_version"] = row["id"], read_version
                parameters.append(values)
            updated = await self._session.run(_UPDATE_READ_ITEM, parameters)
            if updated != len(bulk):
                for item, read_version in bulk:
                    current = await self._session.execute(
                        select(items.c.version).where(items.c.id == item.id)
                    )
                    if current.scalar_one_or_none() != item.version:
                        await self._explain_missed_update(item, read_version)
            await self._write_stock([item for item, _ in bulk])
            await self._write_movements_of([item for item, _ in bulk])
            for (item, _), row in zip(bulk, rows, strict=True):
                self._remember(item, row)
                self._track(item)
        for item in single:
            await self.save(item)

    async def _get_one(self, read: DriverStatement, key: object, for_update: bool) -> Item | None:
        if for_update and self._session.locks_rows:
            found = await self._locked(await self._session.execute(_LOCKED[read], {"key": key}))
        else:
            found = self._loaded(await self._session.rows(read, {"key": key}))
        return found[0] if found else None

    async def get(self, item_id: UUID, *, for_update: bool = False) -> Item | None:
        return await self._get_one(_ITEM_BY_ID, item_id, for_update)

    async def get_by_sku(self, sku: str, *, for_update: bool = False) -> Item | None:
        return await self._get_one(_ITEM_BY_SKU, sku, for_update)

    async def get_many_by_sku(
        self, skus: Sequence[str], *, for_update: bool = False
    ) -> dict[str, Item]:
        if not skus:
            return {}
        wanted = items.c.sku.in_(set(skus))
        if for_update and self._session.locks_rows:
            # Locks are taken in SKU order, so two bulk writers cannot deadlock each other.
            locking = select(items).where(wanted).order_by(items.c.sku).with_for_update()
            found = await self._locked(await self._session.execute(locking))
        else:
            result = await self._session.execute(_WITH_STOCK.where(wanted))
            found = self._loaded(row._mapping for row in result)
        return {item.sku.value: item for item in found}

    async def save(self, item: Item) -> None:
        self._session.check_open()
        row = mappers.item_to_row(item)
        read = self._as_read(item)
        async with Guarded(
            self._session, item=item, savepoint=read is None or read.sku != row["sku"]
        ):
            if read is not None:  # the usual case: one statement, compiled once per column set
                before = read.row
                parameters = {key: value for key, value in row.items() if before[key] != value}
                parameters.setdefault("version", item.version)  # never an empty SET
                parameters["b_id"], parameters["b_read_version"] = item.id, read.version
                changed = await self._session.run(_UPDATE_READ_ITEM, parameters)
            else:
                values = {key: value for key, value in row.items() if key != "id"}
                statement = update(items).where(items.c.id == item.id).values(values)
                changed = (await self._session.execute(statement)).rowcount
            if changed == 0:
                await self._explain_missed_update(item, None if read is None else read.version)
            await self._write_stock((item,))
            await self._write_movements(item)
        self._remember(item, row)
        self._track(item)

    async def _explain_missed_update(self, item: Item, read_version: int | None) -> None:
        result = await self._session.execute(select(items.c.version).where(items.c.id == item.id))
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
        self, statement: Any, bulk: DriverInsert, rows: list[dict[str, Any]]
    ) -> None:
        """Many rows at once; on SQLite straight to the driver (see ``DriverInsert``)."""
        if self._session.name == "sqlite":
            for sql, values in bulk.statements(self._session.dialect, rows):
                await self._session.execute_driver(sql, (values,))
        else:
            await self._session.execute(_BATCHED[statement], rows)

    async def delete(self, item: Item) -> None:
        """Deletes the item row only: its ledger stays (see ``ItemRepository.delete``)."""
        self._session.check_open()
        await self._session.execute(
            delete(location_stock).where(location_stock.c.item_id == item.id)
        )
        await self._session.execute(delete(items).where(items.c.id == item.id))
        self._read.pop(id(item), None)
        self._track(item)


class SqlAlchemyMovementRepository:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def sum_for_item(self, item_id: UUID) -> int:
        result = await self._session.execute(
            select(func.coalesce(func.sum(movements.c.delta), 0)).where(
                movements.c.item_id == item_id
            )
        )
        return int(result.scalar_one())

    async def sum_for_location(self, item_id: UUID, location_id: UUID) -> int:
        result = await self._session.execute(
            select(func.coalesce(func.sum(movements.c.delta), 0)).where(
                movements.c.item_id == item_id, movements.c.location_id == location_id
            )
        )
        return int(result.scalar_one())
