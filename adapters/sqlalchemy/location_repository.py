"""Locations and stocktakes for a unit of work, on its session.

A movement reads its location ``FOR KEY SHARE`` on PostgreSQL and a change or deletion of
the location reads it ``FOR UPDATE``: a location cannot be deactivated or deleted under a movement
that is about to use it. On SQLite the writer already holds the database write lock.
"""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, exc, exists, insert, select, update

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.driver_statements import DriverStatement
from adapters.sqlalchemy.sessions import WriteSession, guarded_savepoint
from adapters.sqlalchemy.tables import location_stock, locations, stocktake_lines, stocktakes
from domain.errors import AlreadyExists, NotFound, VersionMismatch
from domain.locations import MAX_DEPTH, Location
from domain.stocktakes import LineStatus, Stocktake, StocktakeLine, StocktakeStatus

_BY_ID = select(locations).where(locations.c.id == bindparam("key"))
_BY_CODE = select(locations).where(locations.c.code == bindparam("key"))
#: ``FOR KEY SHARE``: enough to hold off ``FOR UPDATE`` (a change or deletion of the location)
#: while shared by any number of movements, and the lightest row lock PostgreSQL has.
_SHARED = {read: read.with_for_update(read=True, key_share=True) for read in (_BY_ID, _BY_CODE)}
_LOCKED = {read: read.with_for_update() for read in (_BY_ID, _BY_CODE)}
#: Unlocked (and every read on SQLite, whose writer holds the database lock): to the driver.
_PLAIN = {read: DriverStatement(read) for read in (_BY_ID, _BY_CODE)}
#: ``get_many``'s reads, by the number of ids (a transfer names two).
_BY_IDS: dict[int, DriverStatement] = {}


def _by_ids(count: int) -> DriverStatement:
    found = _BY_IDS.get(count)
    if found is None:
        wanted = [bindparam(f"id_{n}", type_=locations.c.id.type) for n in range(count)]
        read = select(locations).where(locations.c.id.in_(wanted)).order_by(locations.c.id)
        found = _BY_IDS[count] = DriverStatement(read)
    return found


_UPDATE_READ = update(locations).where(
    locations.c.id == bindparam("b_id"), locations.c.version == bindparam("b_read_version")
)


class SqlAlchemyLocationRepository:
    def __init__(self, session: WriteSession, track: Callable[[Location], None]) -> None:
        self._session = session
        self._track = track
        self._read: dict[int, int] = {}

    async def _one(self, read: Any, key: object, for_update: bool, for_share: bool) -> Any:
        if self._session.locks_rows and (for_update or for_share):
            statement = (_LOCKED if for_update else _SHARED)[read]
            result = await self._session.execute(statement, {"key": key})
            found: Sequence[Mapping[Any, Any]] = [row._mapping for row in result]
        else:
            found = await self._session.rows(_PLAIN[read], {"key": key})
        if not found:
            return None
        location = mappers.location_to_domain(found[0])
        self._read[id(location)] = location.version
        return location

    async def get(
        self, location_id: UUID, *, for_update: bool = False, for_share: bool = False
    ) -> Location | None:
        found: Location | None = await self._one(_BY_ID, location_id, for_update, for_share)
        return found

    async def get_by_code(
        self, code: str, *, for_update: bool = False, for_share: bool = False
    ) -> Location | None:
        found: Location | None = await self._one(_BY_CODE, code, for_update, for_share)
        return found

    async def get_many(
        self, location_ids: Sequence[UUID], *, for_share: bool = False
    ) -> dict[UUID, Location]:
        ids = sorted(set(location_ids))
        if not ids:
            return {}
        read = _by_ids(len(ids))
        parameters = {f"id_{n}": location_id for n, location_id in enumerate(ids)}
        if self._session.locks_rows and for_share:
            shared = read.statement.with_for_update(read=True, key_share=True)  # type: ignore[attr-defined]
            result = await self._session.execute(shared, parameters)
            rows: Sequence[Mapping[Any, Any]] = [row._mapping for row in result]
        else:
            rows = await self._session.rows(read, parameters)
        found = {}
        for row in rows:
            location = mappers.location_to_domain(row)
            self._read[id(location)] = location.version
            found[location.id] = location
        return found

    async def add(self, location: Location) -> None:
        self._session.check_open()
        async with _code_guarded(self._session, location):
            await self._session.execute(insert(locations).values(mappers.location_to_row(location)))
        self._read[id(location)] = location.version
        self._track(location)

    async def save(self, location: Location) -> None:
        self._session.check_open()
        row = mappers.location_to_row(location)
        row["b_id"] = row.pop("id")
        row["b_read_version"] = self._read.get(id(location), location.version - 1)
        async with _code_guarded(self._session, location):
            result = await self._session.execute(_UPDATE_READ, row)
        if result.rowcount == 0:
            current = await self._session.execute(
                select(locations.c.version).where(locations.c.id == location.id)
            )
            version = current.scalar_one_or_none()
            if version is None:
                raise NotFound("location", location.id)
            raise VersionMismatch("location", expected=row["b_read_version"], actual=version)
        self._read[id(location)] = location.version
        self._track(location)

    async def delete(self, location: Location) -> None:
        self._session.check_open()
        await self._session.execute(
            delete(location_stock).where(
                location_stock.c.location_id == location.id, location_stock.c.quantity == 0
            )
        )
        await self._session.execute(delete(locations).where(locations.c.id == location.id))
        self._track(location)

    async def chain(self, location_id: UUID) -> list[UUID]:
        chain: list[UUID] = []
        step: UUID | None = location_id
        while step is not None and step not in chain and len(chain) <= MAX_DEPTH:
            chain.append(step)
            result = await self._session.execute(
                select(locations.c.parent_id).where(locations.c.id == step)
            )
            step = result.scalar_one_or_none()
        return chain

    async def subtree_height(self, location_id: UUID) -> int:
        level, height = [location_id], 0
        while level and height <= MAX_DEPTH:
            height += 1
            result = await self._session.execute(
                select(locations.c.id).where(locations.c.parent_id.in_(level))
            )
            level = list(result.scalars())
        return height

    async def has_children(self, location_id: UUID) -> bool:
        query = select(exists().where(locations.c.parent_id == location_id))
        return bool((await self._session.execute(query)).scalar_one())

    async def holds_stock(self, location_id: UUID) -> bool:
        query = select(
            exists().where(
                location_stock.c.location_id == location_id, location_stock.c.quantity > 0
            )
        )
        return bool((await self._session.execute(query)).scalar_one())


@asynccontextmanager
async def _code_guarded(session: WriteSession, location: Location) -> AsyncIterator[None]:
    """A taken code is ``AlreadyExists``, in a savepoint so the transaction stays usable."""
    try:
        async with guarded_savepoint(session, True):
            yield
    except exc.IntegrityError as failed:
        text = str(failed.orig)
        if "uq_locations_code" in text or "locations.code" in text:
            raise AlreadyExists("location", "code", location.code) from failed
        raise


class SqlAlchemyStocktakeRepository:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def add(self, stocktake: Stocktake) -> None:
        self._session.check_open()
        await self._session.execute(insert(stocktakes).values(_stocktake_row(stocktake)))
        await self._write_lines(stocktake)

    async def get(self, stocktake_id: UUID, *, for_update: bool = False) -> Stocktake | None:
        statement = select(stocktakes).where(stocktakes.c.id == stocktake_id)
        if for_update and self._session.locks_rows:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        lines = await self._session.execute(
            select(stocktake_lines).where(stocktake_lines.c.stocktake_id == stocktake_id)
        )
        return stocktake_to_domain(row._mapping, [line._mapping for line in lines])

    async def save(self, stocktake: Stocktake) -> None:
        self._session.check_open()
        row = _stocktake_row(stocktake)
        del row["id"]
        await self._session.execute(
            update(stocktakes).where(stocktakes.c.id == stocktake.id).values(row)
        )
        await self._session.execute(
            delete(stocktake_lines).where(stocktake_lines.c.stocktake_id == stocktake.id)
        )
        await self._write_lines(stocktake)

    async def _write_lines(self, stocktake: Stocktake) -> None:
        rows = [
            {
                "stocktake_id": stocktake.id,
                "item_id": line.item_id,
                "location_id": line.location_id,
                "expected": line.expected,
                "version": line.version,
                "counted": line.counted,
                "status": line.status.value,
            }
            for line in stocktake.lines.values()
        ]
        if rows:
            await self._session.execute(insert(stocktake_lines), rows)

    async def held_at(self, location_id: UUID) -> list[tuple[UUID, int, int]]:
        result = await self._session.execute(
            select(location_stock.c.item_id, location_stock.c.quantity, location_stock.c.version)
            .where(location_stock.c.location_id == location_id, location_stock.c.quantity > 0)
            .order_by(location_stock.c.item_id)
        )
        return [(row.item_id, row.quantity, row.version) for row in result]


def _stocktake_row(stocktake: Stocktake) -> dict[str, Any]:
    return {
        "id": stocktake.id,
        "location_id": stocktake.location_id,
        "status": stocktake.status.value,
        "created_by": stocktake.created_by,
        "created_at": stocktake.created_at,
        "updated_at": stocktake.updated_at,
        "committed_at": stocktake.committed_at,
    }


def stocktake_to_domain(row: mappers.Row, lines: list[mappers.Row]) -> Stocktake:
    found = [
        StocktakeLine(
            item_id=line["item_id"],
            location_id=line["location_id"],
            expected=line["expected"],
            version=line["version"],
            counted=line["counted"],
            status=LineStatus(line["status"]),
        )
        for line in lines
    ]
    return Stocktake(
        id=row["id"],
        location_id=row["location_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=StocktakeStatus(row["status"]),
        committed_at=row["committed_at"],
        lines={
            line.key: line
            for line in sorted(found, key=lambda x: (str(x.item_id), str(x.location_id)))
        },
    )
