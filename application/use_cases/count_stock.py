from application.actors import acting
from application.commands import CountStockCommand
from application.idempotency import DEFAULT_POLICY, IdempotencyPolicy, Idempotent
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._locations import load_location
from application.use_cases._lookup import load_item
from application.use_cases.adjust_stock import CHANGE_CODEC, StockChange
from domain.users import Permission


class CountStock:
    """A physical count: sets the absolute quantity, recording the difference as ``count``.
    Counting the quantity already on hand records nothing and returns no movement."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, idempotency: IdempotencyPolicy = DEFAULT_POLICY
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.idempotency = idempotency

    async def execute(self, cmd: CountStockCommand) -> StockChange:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.ADJUST_STOCK)
            now = self.clock.now()
            keyed = Idempotent(self.uow, actor, cmd.idempotency_key, "count", cmd, CHANGE_CODEC)
            if (replayed := await keyed.replay(now, self.idempotency)) is not None:
                return replayed
            location = (
                None
                if cmd.location is None
                else await load_location(self.uow, cmd.location, for_share=True)
            )
            item = await load_item(self.uow, cmd.item, for_update=True)
            item.check_version(cmd.expected_version)
            expired = await expire_overdue(self.uow, item, now=now)
            movement = item.count(
                cmd.quantity,
                at=now,
                by=actor.user_id,
                note=cmd.note,
                reference=cmd.reference,
                location=location,
            )
            change = StockChange(item=item, movement=movement)
            if movement is not None or expired:
                await self.uow.items.save(item)
            if movement is not None or expired or cmd.idempotency_key is not None:
                await keyed.record(change)
                await self.uow.commit()
        return change
