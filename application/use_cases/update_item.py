from application.actors import acting
from application.audit import record_item
from application.commands import Unset, UpdateItemCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._lookup import load_item
from domain.audit import item_snapshot
from domain.items import Item, ItemDetails
from domain.users import Permission

_DETAIL_FIELDS = ("sku", "name", "unit_price", "description", "tax_rate", "reorder_level")


class UpdateItem:
    """PATCH semantics: only the fields sent change; ``None`` clears an optional field and an
    absolute ``quantity`` is recorded as a ``count`` movement."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: UpdateItemCommand) -> Item:
        given = {
            name: getattr(cmd, name)
            for name in _DETAIL_FIELDS
            if not isinstance(getattr(cmd, name), Unset)
        }
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.WRITE_ITEMS)
            now, by = self.clock.now(), actor.user_id
            item = await load_item(self.uow, cmd.item, for_update=True)
            item.check_version(cmd.expected_version)
            before = item_snapshot(item)
            if given:
                current = item.details
                merged = {name: getattr(current, name) for name in _DETAIL_FIELDS} | given
                details = ItemDetails.parse(**merged)
                item.update(details, at=now, by=by)
            if not isinstance(cmd.quantity, Unset):
                await expire_overdue(self.uow, item, now=now)
                item.count(cmd.quantity, at=now, by=by)
            await self.uow.items.save(item)
            await record_item(self.uow, item, action="updated", actor_id=by, at=now, before=before)
            await self.uow.commit()
        return item
