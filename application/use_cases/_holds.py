"""Overdue holds: expired by every writer of an item's stock, ignored at once by every reader.

A hold past its ``expires_at`` holds nothing from that instant. The item's stored counters
(``held``, each location's ``reserved``) still count it until someone expires it, so

* each writer that looks at what is available first expires the item's overdue holds, under the
  item's lock, in its own unit of work (``expire_overdue``);
* each reader that shows what is held recounts the live holds of the items whose first hold
  has expired (``live_holds``), before any writer or the sweeper got to them.

Both look at the item's ``hold_expires_at`` first (never later than its first hold's expiry):
items with nothing held, or whose holds all run on, cost neither a writer nor a reader anything.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from application.audit import record_reservation
from application.ports import QuerySession, UnitOfWork
from application.views import ItemView
from domain.audit import reservation_snapshot
from domain.items import Item
from domain.reservations import Reservation


def overdue_at(expires_at: datetime | None, now: datetime) -> bool:
    """Whether a hold counted under ``expires_at`` (an item's first expiry) may be overdue."""
    return expires_at is not None and expires_at <= now


async def expire_overdue(uow: UnitOfWork, item: Item, *, now: datetime) -> list[Reservation]:
    """Expire the item's overdue holds, at every location, and free what they held; then
    recount its first expiry, so that its readers stop recounting. The item must have been
    loaded ``for_update`` in ``uow``."""
    if not overdue_at(item.hold_expires_at, now):
        return []
    expired = await uow.reservations.overdue(item.id, None, now=now)
    for reservation in expired:
        before = reservation_snapshot(reservation)
        reservation.expire(at=now)
        item.unhold(reservation.quantity, location_id=reservation.location_id, at=now)
        await uow.reservations.save(reservation)
        await record_reservation(uow, reservation, before, action="expired", actor_id=None, at=now)
    item.holds_expire_at(await uow.reservations.first_expiry(item.id) if item.held else None)
    return expired


async def live_holds(
    session: QuerySession, views: Sequence[ItemView], *, now: datetime
) -> list[ItemView]:
    """``views`` with ``held`` counting only the holds live at ``now``: one more read, for all
    of them, when some item's first hold has expired; none otherwise."""
    due = [view.id for view in views if overdue_at(view.hold_expires_at, now)]
    if not due:
        return list(views)
    held = await session.reservations.held(due, now=now)
    return [
        replace(view, held=held.get(view.id, 0)) if overdue_at(view.hold_expires_at, now) else view
        for view in views
    ]
