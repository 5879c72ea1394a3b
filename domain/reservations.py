"""Reservations: stock held for an order at one location until it is fulfilled, released or
expires.

What an item holds for reservations is kept with its stock (``Held.reserved`` per location,
``Item.held`` in all), changed in the same transaction as the reservation, under the item's
lock: so ``held <= on hand`` at every location, whatever runs at the same time.

A hold past its ``expires_at`` holds nothing from that instant: writers release it (as
``expired``) before they look at what is available, so correctness never waits for the
sweeper, which only tidies holds nobody touched.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from domain.errors import InvalidValue, ReservationClosed
from domain.events import (
    DomainEvent,
    ReservationCreated,
    ReservationEvent,
    ReservationExpired,
    ReservationFulfilled,
    ReservationReleased,
    ReservationUpdated,
)
from domain.items import NOTE_MAX, REFERENCE_MAX
from domain.values import bounded_int, clean_text, optional_text
from domain.versions import check_version

MIN_TTL = timedelta(minutes=1)
MAX_TTL = timedelta(days=30)


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    FULFILLED = "fulfilled"
    RELEASED = "released"
    EXPIRED = "expired"


def parse_ttl(seconds: int) -> timedelta:
    """A time to live from 1 minute to 30 days, in whole seconds."""
    low, high = int(MIN_TTL.total_seconds()), int(MAX_TTL.total_seconds())
    return timedelta(seconds=bounded_int("ttl_seconds", seconds, minimum=low, maximum=high))


def check_expiry(expires_at: datetime, *, now: datetime) -> datetime:
    """A new ``expires_at`` must lie 1 minute to 30 days ahead, like a TTL."""
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InvalidValue("expires_at", "must be a date and time with a time zone")
    if not MIN_TTL <= expires_at - now <= MAX_TTL:
        raise InvalidValue("expires_at", "must be from 1 minute to 30 days from now")
    return expires_at


@dataclass(eq=False)
class Reservation:
    id: UUID
    item_id: UUID
    location_id: UUID
    quantity: int
    reference: str
    created_by: UUID | None
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    note: str | None = None
    status: ReservationStatus = ReservationStatus.ACTIVE
    #: What the fulfilment sold (the rest was released with it).
    fulfilled_quantity: int = 0
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        item_id: UUID,
        location_id: UUID,
        quantity: int,
        reference: str,
        ttl: timedelta,
        at: datetime,
        by: UUID | None,
        note: str | None = None,
    ) -> "Reservation":
        """A new active hold; the caller has checked (and taken) the availability."""
        reservation = cls(
            id=uuid4(),
            item_id=item_id,
            location_id=location_id,
            quantity=bounded_int("quantity", quantity, minimum=1),
            reference=clean_text("reference", reference, max_length=REFERENCE_MAX),
            note=optional_text("note", note, max_length=NOTE_MAX),
            created_by=by,
            created_at=at,
            updated_at=at,
            expires_at=at + ttl,
        )
        reservation._announce(ReservationCreated, at, by)
        return reservation

    # -- state --------------------------------------------------------------------------------
    def holds(self, now: datetime) -> bool:
        """Whether it holds stock at ``now``: active and not yet past its expiry."""
        return self.status is ReservationStatus.ACTIVE and now < self.expires_at

    def overdue(self, now: datetime) -> bool:
        """Active but past its expiry: it holds nothing and is due to be expired."""
        return self.status is ReservationStatus.ACTIVE and now >= self.expires_at

    def check_version(self, expected: int | frozenset[int] | None) -> None:
        check_version("reservation", self.version, expected)

    def check_holds(self, now: datetime) -> None:
        if self.status is not ReservationStatus.ACTIVE:
            raise ReservationClosed(self.id, self.status.value)
        if not self.holds(now):
            raise ReservationClosed(self.id, ReservationStatus.EXPIRED.value)

    # -- changes ------------------------------------------------------------------------------
    def resize(self, quantity: int) -> int:
        """Set the quantity held; returns the change (the caller moves the item's hold)."""
        quantity = bounded_int("quantity", quantity, minimum=1)
        delta = quantity - self.quantity
        self.quantity = quantity
        return delta

    def extend_to(self, expires_at: datetime, *, now: datetime) -> bool:
        expires_at = check_expiry(expires_at, now=now)
        if expires_at == self.expires_at:
            return False
        self.expires_at = expires_at
        return True

    def changed(self, fields: tuple[str, ...], *, at: datetime, by: UUID | None) -> None:
        if not fields:
            return
        self._bump(at)
        self._announce(ReservationUpdated, at, by, changed=fields)

    def fulfil(self, quantity: int | None, *, at: datetime, by: UUID | None) -> int:
        """Sell ``quantity`` (all when None, at most what is held; the rest is released).
        Returns the quantity sold."""
        self.check_holds(at)
        sold = (
            self.quantity
            if quantity is None
            else bounded_int("quantity", quantity, minimum=1, maximum=self.quantity)
        )
        self.status = ReservationStatus.FULFILLED
        self.fulfilled_quantity = sold
        self._bump(at)
        self._announce(ReservationFulfilled, at, by, fulfilled=sold)
        return sold

    def release(self, *, at: datetime, by: UUID | None) -> None:
        self.check_holds(at)
        self.status = ReservationStatus.RELEASED
        self._bump(at)
        self._announce(ReservationReleased, at, by)

    def expire(self, *, at: datetime) -> None:
        """Mark an overdue hold expired (what it held is freed by the caller)."""
        if not self.overdue(at):
            raise ReservationClosed(self.id, self.status.value)
        self.status = ReservationStatus.EXPIRED
        self._bump(at)
        self._announce(ReservationExpired, at, None)

    def _bump(self, at: datetime) -> None:
        self.version += 1
        self.updated_at = max(at, self.updated_at)

    def _announce(
        self, kind: type[ReservationEvent], at: datetime, by: UUID | None, **extra: object
    ) -> None:
        self.events.append(
            kind(
                occurred_at=at,
                actor_id=by,
                reservation_id=self.id,
                item_id=self.item_id,
                location_id=self.location_id,
                reference=self.reference,
                quantity=self.quantity,
                version=self.version,
                **extra,
            )
        )
