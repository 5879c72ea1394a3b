"""Reservations over ``InMemoryStore``: staged in the unit of work like items, copies handed
out, and the same (item, reference) uniqueness as the SQL table's."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from application.ports import Page, ReservationQuery
from domain.errors import AlreadyExists, VersionMismatch
from domain.reservations import Reservation, ReservationStatus

if TYPE_CHECKING:
    from adapters.memory.store import InMemoryStore
    from adapters.memory.unit_of_work import InMemoryUnitOfWork


def copy_reservation(reservation: Reservation) -> Reservation:
    return replace(reservation, events=[])


def _overdue(reservation: Reservation, now: datetime) -> bool:
    return reservation.status is ReservationStatus.ACTIVE and reservation.expires_at <= now


def live_held(
    reservations: Iterable[Reservation], item_ids: Collection[UUID], now: datetime
) -> dict[UUID, int]:
    """What the holds live at ``now`` hold, by item, for ``item_ids`` (none: left out)."""
    held: dict[UUID, int] = {}
    for reservation in reservations:
        if reservation.item_id in item_ids and reservation.holds(now):
            held[reservation.item_id] = held.get(reservation.item_id, 0) + reservation.quantity
    return held


class InMemoryReservationRepository:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow
        self._read: dict[int, int] = {}

    def _current(self) -> dict[UUID, Reservation]:
        return self._uow.view_reservations()

    def _handed(self, found: Reservation | None) -> Reservation | None:
        if found is None:
            return None
        reservation = copy_reservation(found)
        self._read[id(reservation)] = reservation.version
        return reservation

    async def add(self, reservation: Reservation) -> None:
        for other in self._current().values():
            if other.item_id == reservation.item_id and other.reference == reservation.reference:
                raise AlreadyExists("reservation", "reference", reservation.reference)
        self._read[id(reservation)] = reservation.version
        self._uow.stage_reservation(reservation)

    async def get(self, reservation_id: UUID) -> Reservation | None:
        return self._handed(self._current().get(reservation_id))

    async def by_reference(self, item_id: UUID, reference: str) -> Reservation | None:
        found = next(
            (
                r
                for r in self._current().values()
                if r.item_id == item_id and r.reference == reference
            ),
            None,
        )
        return self._handed(found)

    async def overdue(
        self, item_id: UUID, location_id: UUID | None, *, now: datetime
    ) -> list[Reservation]:
        found = [
            r
            for r in self._current().values()
            if r.item_id == item_id
            and (location_id is None or r.location_id == location_id)
            and _overdue(r, now)
        ]
        return [copy for r in found if (copy := self._handed(r)) is not None]

    async def save(self, reservation: Reservation) -> None:
        current = self._current().get(reservation.id)
        read = self._read.get(id(reservation))
        if current is not None and read is not None and current.version != read:
            raise VersionMismatch("reservation", expected=read, actual=current.version)
        self._read[id(reservation)] = reservation.version
        self._uow.stage_reservation(reservation)

    async def due_items(self, *, now: datetime, limit: int) -> list[UUID]:
        due = sorted({r.item_id for r in self._current().values() if _overdue(r, now)}, key=str)
        return due[:limit]

    async def first_expiry(self, item_id: UUID) -> datetime | None:
        active = [
            r.expires_at
            for r in self._current().values()
            if r.item_id == item_id and r.status is ReservationStatus.ACTIVE
        ]
        return min(active, default=None)


class InMemoryReservationQueries:
    def __init__(self, store: "InMemoryStore") -> None:
        self._store = store

    async def get(self, reservation_id: UUID) -> Reservation | None:
        found = self._store.reservations.get(reservation_id)
        return None if found is None else copy_reservation(found)

    async def held(self, item_ids: Sequence[UUID], *, now: datetime) -> dict[UUID, int]:
        return live_held(self._store.reservations.values(), set(item_ids), now)

    async def list(self, query: ReservationQuery) -> Page[Reservation]:
        found = [
            r
            for r in self._store.reservations.values()
            if (query.item_id is None or r.item_id == query.item_id)
            and (query.reference is None or r.reference == query.reference)
            and (query.status is None or r.status is query.status)
        ]
        found.sort(key=lambda r: (r.created_at, str(r.id)), reverse=True)
        page = found[query.offset : query.offset + query.limit]
        return Page(
            items=[copy_reservation(r) for r in page],
            total=len(found),
            offset=query.offset,
            limit=query.limit,
        )
