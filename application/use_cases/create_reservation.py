from dataclasses import dataclass
from datetime import timedelta

from application.actors import acting
from application.audit import record_reservation
from application.commands import CreateReservationCommand
from application.idempotency import (
    DEFAULT_POLICY,
    Codec,
    IdempotencyPolicy,
    Idempotent,
    decode_item,
    decode_reservation,
    encode_item,
    encode_reservation,
)
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._locations import load_location
from application.use_cases._lookup import load_item
from domain.errors import ReservationConflict
from domain.items import REFERENCE_MAX, Item
from domain.locations import MAIN_LOCATION_ID
from domain.reservations import Reservation, parse_ttl
from domain.users import Permission
from domain.values import clean_text


@dataclass(frozen=True, slots=True)
class Reserved:
    """The hold and its item after it; ``existing`` when the reference held the item already
    (a retry: nothing changed)."""

    reservation: Reservation
    item: Item
    existing: bool = False
    #: True when this is the recorded result of an earlier request with the same key.
    replayed: bool = False


RESERVED_CODEC: Codec[Reserved] = Codec(
    encode=lambda r: [encode_reservation(r.reservation), encode_item(r.item), r.existing],
    decode=lambda data: Reserved(
        decode_reservation(data[0]), decode_item(data[1]), data[2], replayed=True
    ),
)


class CreateReservation:
    """Holds stock for an order. The item is loaded for update, so concurrent reservations and
    movements of the item apply one after the other: exactly those that fit succeed, and what
    is held never exceeds what is on hand.

    One reference holds an item once: asking again with the same quantity returns the existing
    hold (a safe retry), with another quantity is a ``ReservationConflict``.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        default_ttl: timedelta,
        idempotency: IdempotencyPolicy = DEFAULT_POLICY,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.default_ttl = default_ttl
        self.idempotency = idempotency

    async def execute(self, cmd: CreateReservationCommand) -> Reserved:
        ttl = self.default_ttl if cmd.ttl_seconds is None else parse_ttl(cmd.ttl_seconds)
        reference = clean_text("reference", cmd.reference, max_length=REFERENCE_MAX)
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.RESERVE_STOCK)
            now = self.clock.now()
            keyed = Idempotent(self.uow, actor, cmd.idempotency_key, "reserve", cmd, RESERVED_CODEC)
            if (replayed := await keyed.replay(now, self.idempotency)) is not None:
                return replayed
            location = (
                None
                if cmd.location is None
                else await load_location(self.uow, cmd.location, for_share=True)
            )
            item = await load_item(self.uow, cmd.item, for_update=True)
            existing = await self.uow.reservations.by_reference(item.id, reference)
            if existing is not None:
                if existing.quantity != cmd.quantity:
                    raise ReservationConflict(reference, existing.quantity, cmd.quantity)
                return Reserved(existing, item, existing=True)
            location_id = MAIN_LOCATION_ID if location is None else location.id
            await expire_overdue(self.uow, item, now=now)
            reservation = Reservation.create(
                item_id=item.id,
                location_id=location_id,
                quantity=cmd.quantity,
                reference=reference,
                note=cmd.note,
                ttl=ttl,
                at=now,
                by=actor.user_id,
            )
            item.hold(
                reservation.quantity,
                location=location,
                until=reservation.expires_at,
                at=now,
                by=actor.user_id,
            )
            await self.uow.reservations.add(reservation)
            await self.uow.items.save(item)
            await record_reservation(
                self.uow, reservation, None, action="created", actor_id=actor.user_id, at=now
            )
            made = Reserved(reservation, item)
            await keyed.record(made)
            await self.uow.commit()
        return made
