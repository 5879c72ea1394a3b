"""Ending a hold: fulfilling it (a ``sold`` movement) or releasing it."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.actors import acting
from application.audit import record_reservation
from application.commands import FulfilReservationCommand, ReleaseReservationCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._lookup import load_item
from domain.audit import reservation_snapshot
from domain.errors import NotFound, ReservationClosed
from domain.items import Item, StockMovement
from domain.reservations import Reservation
from domain.users import Permission


@dataclass(frozen=True, slots=True)
class Settled:
    reservation: Reservation
    item: Item
    #: The ``sold`` movement of a fulfilment (None for a release).
    movement: StockMovement | None = None


async def load_held(uow: UnitOfWork, reservation_id: UUID) -> tuple[Reservation, Item]:
    """The reservation and its item, the item locked (the item's lock guards its holds)."""
    probe = await uow.reservations.get(reservation_id)
    if probe is None:
        raise NotFound("reservation", reservation_id)
    item = await load_item(uow, probe.item_id, for_update=True)
    # Read again under the item's lock: a concurrent writer may have changed it (or deleted
    # the item, and its reservations with it).
    reservation = await uow.reservations.get(probe.id)
    if reservation is None:
        raise NotFound("reservation", reservation_id)
    return reservation, item


async def refuse_if_overdue(
    uow: UnitOfWork, reservation: Reservation, item: Item, now: datetime
) -> None:
    """An overdue hold is expired, and that committed, before the refusal is raised: the
    caller learns it expired, and the item shows it freed at once."""
    if reservation.overdue(now):
        await expire_overdue(uow, item, now=now)
        await uow.items.save(item)
        await uow.commit()
        raise ReservationClosed(reservation.id, "expired")


class FulfilReservation:
    """Turns a hold into a ``sold`` movement of its quantity (or of less, releasing the rest),
    recording the reservation on the movement, in one unit of work."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: FulfilReservationCommand) -> Settled:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.RESERVE_STOCK)
            now = self.clock.now()
            reservation, item = await load_held(self.uow, cmd.reservation_id)
            await refuse_if_overdue(self.uow, reservation, item, now)
            reservation.check_version(cmd.expected_version)
            before = reservation_snapshot(reservation)
            held = reservation.quantity
            sold = reservation.fulfil(cmd.quantity, at=now, by=actor.user_id)
            movement = item.sell_held(
                held,
                sold,
                location_id=reservation.location_id,
                reservation_id=reservation.id,
                reference=reservation.reference,
                at=now,
                by=actor.user_id,
            )
            await self.uow.reservations.save(reservation)
            await self.uow.items.save(item)
            await record_reservation(
                self.uow, reservation, before, action="fulfilled", actor_id=actor.user_id, at=now
            )
            await self.uow.commit()
        return Settled(reservation, item, movement)


class ReleaseReservation:
    """Frees a hold."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: ReleaseReservationCommand) -> Settled:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.RESERVE_STOCK)
            now = self.clock.now()
            reservation, item = await load_held(self.uow, cmd.reservation_id)
            await refuse_if_overdue(self.uow, reservation, item, now)
            reservation.check_version(cmd.expected_version)
            before = reservation_snapshot(reservation)
            reservation.release(at=now, by=actor.user_id)
            item.unhold(reservation.quantity, location_id=reservation.location_id, at=now)
            await self.uow.reservations.save(reservation)
            await self.uow.items.save(item)
            await record_reservation(
                self.uow, reservation, before, action="released", actor_id=actor.user_id, at=now
            )
            await self.uow.commit()
        return Settled(reservation, item)
