from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._lookup import load_item
from domain.errors import NotFound

BATCH = 100


@dataclass(frozen=True, slots=True)
class Sweep:
    items: int
    expired: int


class ExpireReservations:
    """The sweeper: expires the holds past their ``expires_at``, item by item, each item in a
    unit of work of its own under the item's lock, as every other writer of its holds.

    Correctness never depends on it (writers expire overdue holds themselves before they look
    at what is available); it frees what nobody touched, and announces ``reservation.expired``.
    Two sweepers at once are harmless: the second finds the holds expired already.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, batch: int = BATCH) -> None:
        self.uow = uow
        self.clock = clock
        self.batch = batch

    async def execute(self) -> Sweep:
        async with self.uow:
            due = await self.uow.reservations.due_items(now=self.clock.now(), limit=self.batch)
        items = expired = 0
        for item_id in due:
            async with self.uow:
                now = self.clock.now()
                try:
                    item = await load_item(self.uow, item_id, for_update=True)
                except NotFound:
                    continue
                done = await expire_overdue(self.uow, item, None, now=now)
                if done:
                    await self.uow.items.save(item)
                    await self.uow.commit()
                    items += 1
                    expired += len(done)
        return Sweep(items=items, expired=expired)
