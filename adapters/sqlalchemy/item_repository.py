"""Items and their ledger for a unit of work, written as Core statements on its session.

They never commit: statements run inside the unit of work's transaction, so nothing is visible
to others before ``commit``.
"""

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, bindparam, delete, exc, func, insert, select, update

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.bulk_insert import DriverInsert
from adapters.sqlalchemy.integrity import guarded
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import items, movements
from domain.errors import NotFound, VersionMismatch
from domain.items import Item

_ITEM_BY_ID = select(items).where(items.c.id == bindparam("key"))
_ITEM_BY_SKU = select(items).where(items.c.sku == bindparam("key"))
_LOCKED = {read: read.with_for_update() for read in (_ITEM_BY_ID, _ITEM_BY_SKU)}
_INSERT_ITEMS = insert(items)
_INSERT_MOVEMENTS = insert(movements)
# On PostgreSQL, with RETURNING SQLAlchemy sends many rows as a few multi-row INSERTs
# ("insertmanyvalues"); without it, asyncpg's executemany runs one INSERT per row, and the
# statement triggers of the item total (migration 0003) fire once per row: +45 % on an import.
_BATCHED = {
    _INSERT_ITEMS: _INSERT_ITEMS.returning(items.c.id),
    _INSERT_MOVEMENTS: _INSERT_MOVEMENTS.returning(movements.c.id),
}
_BULK_ITEMS = DriverInsert(items)
_BULK_MOVEMENTS = DriverInsert(movements)
# Saves: one statement, conditional on the version this transaction read.
_UPDATE_READ_ITEM = update(items).where(
    items.c.id == bindparam("b_id"), items.c.version == bindparam("b_read_version")
)


class SqlAlchemyItemRepository:
    def __init__(self, session: WriteSession, track: Callable[[Item], None]) -> None:
        self._session = session
        self._track = track
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
        return statement.with_for_update() if for_update and self._session.locks_rows else statement

    def _loaded(self, row: mappers.Row) -> Item:
        item = mappers.item_to_domain(row)
        self._remember(item)
        return item

    def _remember(self, item: Item) -> None:
        self._read[id(item)] = (item, item.version, item.sku.value)

    async def add(self, item: Item) -> None:
        self._session.check_open()
        async with guarded(self._session, item=item):
            await self._session.execute(insert(items).values(mappers.item_to_row(item)))
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
        try:
            async with guarded(self._session):
                await self._insert_many(
                    _INSERT_ITEMS, _BULK_ITEMS, [mappers.item_to_row(i) for i in new_items]
                )
                await self._write_movements_of(new_items)
        except exc.IntegrityError:
            self._written_movements.difference_update(
                m.id for item in new_items for m in item.new_movements
            )
            # In a savepoint of its own: after a refusal, none of them stays added.
            async with guarded(self._session):
                for item in new_items:
                    await self.add(item)
            return
        for item in new_items:
            self._remember(item)
            self._track(item)

    async def save_many(self, changed: Sequence[Item]) -> None:
        """One executemany UPDATE (conditional on each item's read version) and one insert for
        the movements, where the driver reports how many rows an executemany changed and no
        SKU changes; otherwise ``save`` one by one."""
        self._session.check_open()
        bulk: list[tuple[Item, int]] = []
        single: list[Item] = []
        for item in changed:
            _, read_version, read_sku = self._read.get(id(item), (item, None, None))
            if (
                read_version is None
                or read_sku != item.sku.value
                or not self._session.sane_multi_rowcount
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
            result = await self._session.execute(_UPDATE_READ_ITEM, parameters)
            if result.rowcount != len(bulk):
                for item, read_version in bulk:
                    current = await self._session.execute(
                        select(items.c.version).where(items.c.id == item.id)
                    )
                    if current.scalar_one_or_none() != item.version:
                        await self._explain_missed_update(item, read_version)
            await self._write_movements_of([item for item, _ in bulk])
            for item, _ in bulk:
                self._remember(item)
                self._track(item)
        for item in single:
            await self.save(item)

    async def _get_one(self, read: Select[Any], key: object, for_update: bool) -> Item | None:
        statement = _LOCKED[read] if for_update and self._session.locks_rows else read
        row = (await self._session.execute(statement, {"key": key})).first()
        return None if row is None else self._loaded(row._mapping)

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
        result = await self._session.execute(statement.order_by(items.c.sku))
        return {item.sku.value: item for item in (self._loaded(row._mapping) for row in result)}

    async def save(self, item: Item) -> None:
        self._session.check_open()
        row = mappers.item_to_row(item)
        del row["id"]
        _, read_version, read_sku = self._read.get(id(item), (item, None, None))
        if read_version is not None:  # the usual case: one prepared statement, compiled once
            statement: Any = _UPDATE_READ_ITEM
            parameters = {**row, "b_id": item.id, "b_read_version": read_version}
        else:
            statement, parameters = update(items).where(items.c.id == item.id).values(row), None
        async with guarded(self._session, item=item, savepoint=read_sku != item.sku.value):
            result = await self._session.execute(statement, parameters)
            if result.rowcount == 0:
                await self._explain_missed_update(item, read_version)
            await self._write_movements(item)
        self._remember(item)
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
        """Many rows at once; on SQLite straight to the driver (see ``_DriverInsert``)."""
        if len(rows) > 1 and self._session.name == "sqlite":
            for sql, values in bulk.statements(self._session.dialect, rows):
                await self._session.execute_driver(sql, (values,))
        elif self._session.name == "postgresql":
            await self._session.execute(_BATCHED[statement], rows)
        else:
            await self._session.execute(statement, rows)

    async def delete(self, item: Item) -> None:
        """Deletes the item row only: its ledger stays (see ``ItemRepository.delete``)."""
        self._session.check_open()
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
