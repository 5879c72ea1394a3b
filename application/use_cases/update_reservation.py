from application.actors import acting
from application.audit import record_reservation
from application.commands import Unset, UpdateReservationCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases.settle_reservation import Settled, load_held, refuse_if_overdue
from domain.audit import reservation_snapshot
from domain.locations import MAIN_LOCATION_ID
from domain.users import Permission
from domain.values import bounded_int


class UpdateReservation:
    """Changes a hold's quantity or ``expires_at`` (under If-Match). Growing it needs the
    extra units to be available, exactly as a new hold does; shrinking frees them."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: UpdateReservationCommand) -> Settled:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.RESERVE_STOCK)
            now = self.clock.now()
            reservation, item = await load_held(self.uow, cmd.reservation_id)
            await refuse_if_overdue(self.uow, reservation, item, now)
            reservation.check_holds(now)
            reservation.check_version(cmd.expected_version)
            before = reservation_snapshot(reservation)
            changed: list[str] = []
            if not isinstance(cmd.quantity, Unset):
                delta = bounded_int("quantity", cmd.quantity, minimum=1) - reservation.quantity
                if delta > 0:
                    await expire_overdue(self.uow, item, now=now)
                    location = None
                    if reservation.location_id != MAIN_LOCATION_ID:
                        location = await self.uow.locations.get(reservation.location_id)
                    item.hold(
                        delta,
                        location=location,
                        until=reservation.expires_at,
                        at=now,
                        by=actor.user_id,
                    )
                elif delta < 0:
                    item.unhold(-delta, location_id=reservation.location_id, at=now)
                if delta:
                    reservation.resize(cmd.quantity)
                    changed.append("quantity")
            expires_at = cmd.expires_at
            if not isinstance(expires_at, Unset) and reservation.extend_to(expires_at, now=now):
                # Moved earlier, it may now be the item's first hold to expire.
                item.hold_expiring(reservation.expires_at)
                changed.append("expires_at")
            reservation.changed(tuple(changed), at=now, by=actor.user_id)
            if changed:
                await self.uow.reservations.save(reservation)
                await self.uow.items.save(item)
                await record_reservation(
                    self.uow, reservation, before, action="updated", actor_id=actor.user_id, at=now
                )
                await self.uow.commit()
        return Settled(reservation, item)
