from dataclasses import dataclass

from application.commands import AdjustStockCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._lookup import load_item
from domain.items import Item, StockMovement
from domain.users import Permission


@dataclass(frozen=True, slots=True)
class StockChange:
    """The item after the change and the movement recorded (None when a count changed nothing)."""

    item: Item
    movement: StockMovement | None


class AdjustStock:
    """Records one stock movement. The item is loaded for update, so concurrent adjustments are
    applied one after the other and exactly those that fit succeed."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: AdjustStockCommand) -> StockChange:
        cmd.actor.require(Permission.ADJUST_STOCK)
        async with self.uow:
            item = await load_item(self.uow, cmd.item, for_update=True)
            item.check_version(cmd.expected_version)
            movement = item.adjust(
                cmd.delta,
                cmd.reason,
                at=self.clock.now(),
                by=cmd.actor.user_id,
                note=cmd.note,
                reference=cmd.reference,
            )
            await self.uow.items.save(item)
            await self.uow.commit()
        return StockChange(item=item, movement=movement)
