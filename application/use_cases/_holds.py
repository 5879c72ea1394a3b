"""Expiring overdue holds of an item, shared by every writer of its stock.

A hold past its ``expires_at`` holds nothing from that instant. The item's stored ``reserved``
counters still count it until someone expires it, so each writer that looks at what is
available first expires the item's overdue holds, under the item's lock, in its own unit of
work. Items with nothing reserved (clients that ignore reservations) cost nothing extra.
"""

from datetime import datetime
from uuid import UUID

from application.ports import UnitOfWork
from domain.items import Item
from domain.reservations import Reservation


async def expire_overdue(
    uow: UnitOfWork, item: Item, location_id: UUID | None, *, now: datetime
) -> list[Reservation]:
    """Expire the item's overdue holds (at ``location_id``; everywhere when None) and free what
    they held. The item must have been loaded ``for_update`` in ``uow``."""
    reserved = item.held if location_id is None else item.reserved_at(location_id)
    if not reserved:
        return []
    expired = await uow.reservations.overdue(item.id, location_id, now=now)
    for reservation in expired:
        reservation.expire(at=now)
        item.unhold(reservation.quantity, location_id=reservation.location_id, at=now)
        await uow.reservations.save(reservation)
    return expired
