from application.commands import CreateItemCommand
from application.ports import Clock, UnitOfWork
from domain.errors import AlreadyExists
from domain.items import Item, ItemDetails
from domain.users import Permission


class CreateItem:
    """Adds an item to the catalogue; an initial quantity enters the ledger as ``received``."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: CreateItemCommand) -> Item:
        cmd.actor.require(Permission.WRITE_ITEMS)
        details = ItemDetails.parse(
            sku=cmd.sku,
            name=cmd.name,
            unit_price=cmd.unit_price,
            description=cmd.description,
            tax_rate=cmd.tax_rate,
            reorder_level=cmd.reorder_level,
        )
        item = Item.create(
            details, quantity=cmd.quantity, at=self.clock.now(), by=cmd.actor.user_id
        )
        async with self.uow:
            # Checked here for a clear message; the store's unique index settles races.
            if await self.uow.items.get_by_sku(details.sku.value) is not None:
                raise AlreadyExists("item", "sku", details.sku)
            await self.uow.items.add(item)
            await self.uow.commit()
        return item
