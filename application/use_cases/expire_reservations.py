from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._lookup import load_item

BATCH = 100


@dataclass(frozen=True, slots=True)
class Sweep:
    items: int
    expired: int


class ExpireReservations:
    """The sweeper: expires the holds past their ``expires_at``, a batch of items per unit of
    work, each under its item's lock like every other writer of its holds (the probe itself
    locks them on PostgreSQL, skipping items another sweeper or writer holds).

    Correctness never depends on it: writers expire an item's overdue holds themselves before
    they look at what is available. It frees what nobody touched and announces
    ``reservation.expired``. Two sweepers at once are harmless: each hold is expired once.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, batch: int = BATCH) -> None:
        self.uow = uow
        self.clock = clock
        self.batch = batch

    async def execute(self) -> Sweep:
        items = expired = 0
        while True:
            async with self.uow:
                now = self.clock.now()
                due = await self.uow.reservations.due_items(now=now, limit=self.batch)
                for item_id in due:
                    item = await load_item(self.uow, item_id, for_update=True)
                    done = await expire_overdue(self.uow, item, now=now)
                    if done:
                        await self.uow.items.save(item)
                        items += 1
                        expired += len(done)
                await self.uow.commit()
            if len(due) < self.batch:
                return Sweep(items=items, expired=expired)
