"""Reservations for a unit of work and for queries, as Core statements.

Every change to a hold is made while its item row is locked (SQLite: the database write lock),
so these statements need no locks of their own, except the sweeper's probe: on PostgreSQL it
locks the items it will expire ``FOR UPDATE SKIP LOCKED``, in the same order as every other
writer (item first), so two sweepers split the work instead of queueing, and never deadlock.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, exc, func, insert, select, update

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.driver_statements import DriverStatement
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import items, reservations
from application.ports import Page, ReservationQuery
from domain.errors import AlreadyExists, NotFound, VersionMismatch
from domain.reservations import Reservation, ReservationStatus

_ACTIVE = ReservationStatus.ACTIVE.value
_BY_ID = select(reservations).where(reservations.c.id == bindparam("key"))
_BY_REFERENCE = select(reservations).where(
    reservations.c.item_id == bindparam("item_id"),
    reservations.c.reference == bindparam("reference"),
)
_OVERDUE = select(reservations).where(
    reservations.c.item_id == bindparam("item_id"),
    reservations.c.status == _ACTIVE,
    reservations.c.expires_at <= bindparam("now"),
)
_DUE_ITEMS = (
    select(reservations.c.item_id)
    .where(reservations.c.status == _ACTIVE, reservations.c.expires_at <= bindparam("now"))
    .distinct()
)
_FIRST_EXPIRY = select(func.min(reservations.c.expires_at)).where(
    reservations.c.item_id == bindparam("item_id"), reservations.c.status == _ACTIVE
)
_LIVE_HELD = (
    select(reservations.c.item_id, func.sum(reservations.c.quantity).label("total"))
    .where(
        reservations.c.item_id.in_(bindparam("item_ids", expanding=True)),
        reservations.c.status == _ACTIVE,
        reservations.c.expires_at > bindparam("now"),
    )
    .group_by(reservations.c.item_id)
)
_UPDATE_READ = update(reservations).where(
    reservations.c.id == bindparam("b_id"), reservations.c.version == bindparam("b_read_version")
)
# The write side's, sent to SQLite's driver itself (``driver_statements.py``).
_ADD = DriverStatement(insert(reservations))
_GET = DriverStatement(_BY_ID)
_GET_BY_REFERENCE = DriverStatement(_BY_REFERENCE)
_SAVE = DriverStatement(_UPDATE_READ)
_FIRST = DriverStatement(_FIRST_EXPIRY)


class SqlAlchemyReservationRepository:
    def __init__(self, session: WriteSession, track: Callable[[Reservation], None]) -> None:
        self._session = session
        self._track = track
        self._read: dict[int, int] = {}

    def _handed(self, row: Mapping[Any, Any]) -> Reservation:
        reservation = mappers.reservation_to_domain(row)
        self._read[id(reservation)] = reservation.version
        return reservation

    async def add(self, reservation: Reservation) -> None:
        self._session.check_open()
        try:
            await self._session.run(_ADD, mappers.reservation_to_row(reservation))
        except exc.IntegrityError as failed:
            # Only a bug could get here: the reference is checked under the item's lock.
            raise AlreadyExists("reservation", "reference", reservation.reference) from failed
        self._read[id(reservation)] = reservation.version
        self._track(reservation)

    async def get(self, reservation_id: UUID) -> Reservation | None:
        found = await self._session.rows(_GET, {"key": reservation_id})
        return self._handed(found[0]) if found else None

    async def by_reference(self, item_id: UUID, reference: str) -> Reservation | None:
        parameters = {"item_id": item_id, "reference": reference}
        found = await self._session.rows(_GET_BY_REFERENCE, parameters)
        return self._handed(found[0]) if found else None

    async def overdue(
        self, item_id: UUID, location_id: UUID | None, *, now: datetime
    ) -> list[Reservation]:
        statement = _OVERDUE
        if location_id is not None:
            statement = statement.where(reservations.c.location_id == location_id)
        rows = await self._session.execute(
            statement.order_by(reservations.c.id), {"item_id": item_id, "now": now}
        )
        return [self._handed(row._mapping) for row in rows]

    async def save(self, reservation: Reservation) -> None:
        self._session.check_open()
        row = mappers.reservation_to_row(reservation)
        row["b_id"] = row.pop("id")
        row["b_read_version"] = self._read.get(id(reservation), reservation.version - 1)
        if await self._session.run(_SAVE, row) == 0:
            current = await self._session.execute(
                select(reservations.c.version).where(reservations.c.id == reservation.id)
            )
            version = current.scalar_one_or_none()
            if version is None:
                raise NotFound("reservation", reservation.id)
            raise VersionMismatch("reservation", expected=row["b_read_version"], actual=version)
        self._read[id(reservation)] = reservation.version
        self._track(reservation)

    async def due_items(self, *, now: datetime, limit: int) -> list[UUID]:
        due = _DUE_ITEMS.order_by(reservations.c.item_id).limit(limit)
        if self._session.locks_rows:
            locking = (
                select(items.c.id)
                .where(items.c.id.in_(due.scalar_subquery()))
                .order_by(items.c.id)
                .with_for_update(skip_locked=True)
            )
            result = await self._session.execute(locking, {"now": now})
        else:
            result = await self._session.execute(due, {"now": now})
        return list(result.scalars())

    async def first_expiry(self, item_id: UUID) -> datetime | None:
        (row,) = await self._session.rows(_FIRST, {"item_id": item_id})
        first: datetime | None = next(iter(row.values()))
        return first


class SqlAlchemyReservationQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def held(self, item_ids: Sequence[UUID], *, now: datetime) -> dict[UUID, int]:
        rows = await self._session.execute(_LIVE_HELD, {"item_ids": list(item_ids), "now": now})
        return {row.item_id: int(row.total) for row in rows}

    async def get(self, reservation_id: UUID) -> Reservation | None:
        row = (await self._session.execute(_BY_ID, {"key": reservation_id})).first()
        return None if row is None else mappers.reservation_to_domain(row._mapping)

    async def list(self, query: ReservationQuery) -> Page[Reservation]:
        conditions = []
        if query.item_id is not None:
            conditions.append(reservations.c.item_id == query.item_id)
        if query.reference is not None:
            conditions.append(reservations.c.reference == query.reference)
        if query.status is not None:
            conditions.append(reservations.c.status == query.status.value)
        rows = await self._session.execute(
            select(reservations)
            .where(*conditions)
            .order_by(reservations.c.created_at.desc(), reservations.c.id.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        found = [mappers.reservation_to_domain(row._mapping) for row in rows]
        total = await self._session.execute(
            select(func.count()).select_from(reservations).where(*conditions)
        )
        return Page(
            items=found, total=int(total.scalar_one()), offset=query.offset, limit=query.limit
        )
