from application.commands import CountStockCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._lookup import load_item
from application.use_cases.adjust_stock import StockChange
from domain.users import Permission


class CountStock:
    """A physical count: sets the absolute quantity, recording the difference as ``count``.
    Counting the quantity already on hand records nothing and returns no movement."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: CountStockCommand) -> StockChange:
        cmd.actor.require(Permission.ADJUST_STOCK)
        async with self.uow:
            item = await load_item(self.uow, cmd.item, for_update=True)
            item.check_version(cmd.expected_version)
            movement = item.count(
                cmd.quantity, at=self.clock.now(), by=cmd.actor.user_id, note=cmd.note
            )
            if movement is not None:
                await self.uow.items.save(item)
                await self.uow.commit()
        return StockChange(item=item, movement=movement)
