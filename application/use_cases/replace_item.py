from application.actors import acting
from application.audit import record_item
from application.commands import ReplaceItemCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._lookup import load_item
from domain.audit import item_snapshot
from domain.items import Item, ItemDetails
from domain.users import Permission


class ReplaceItem:
    """PUT semantics: every descriptive field is replaced; a given quantity is a stock count."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: ReplaceItemCommand) -> Item:
        details = ItemDetails.parse(
            sku=cmd.sku,
            name=cmd.name,
            unit_price=cmd.unit_price,
            description=cmd.description,
            tax_rate=cmd.tax_rate,
            reorder_level=cmd.reorder_level,
        )
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.WRITE_ITEMS)
            now, by = self.clock.now(), actor.user_id
            item = await load_item(self.uow, cmd.item, for_update=True)
            item.check_version(cmd.expected_version)
            before = item_snapshot(item)
            item.update(details, at=now, by=by)
            if cmd.quantity is not None:
                await expire_overdue(self.uow, item, now=now)
                item.count(cmd.quantity, at=now, by=by)
            await self.uow.items.save(item)
            await record_item(self.uow, item, action="updated", actor_id=by, at=now, before=before)
            await self.uow.commit()
        return item
