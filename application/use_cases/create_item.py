from dataclasses import dataclass

from application.actors import acting
from application.audit import record_item
from application.commands import CreateItemCommand
from application.idempotency import (
    DEFAULT_POLICY,
    Codec,
    IdempotencyPolicy,
    Idempotent,
    decode_item,
    encode_item,
)
from application.ports import Clock, UnitOfWork
from domain.errors import AlreadyExists
from domain.items import Item, ItemDetails
from domain.users import Permission


@dataclass(frozen=True, slots=True)
class CreatedItem:
    item: Item
    #: True when this is the recorded result of an earlier request with the same key.
    replayed: bool = False


_CODEC: Codec[CreatedItem] = Codec(
    encode=lambda created: encode_item(created.item),
    decode=lambda data: CreatedItem(decode_item(data), replayed=True),
)


class CreateItem:
    """Adds an item to the catalogue; an initial quantity enters the ledger as ``received``."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, idempotency: IdempotencyPolicy = DEFAULT_POLICY
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.idempotency = idempotency

    async def execute(self, cmd: CreateItemCommand) -> CreatedItem:
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
            now = self.clock.now()
            keyed = Idempotent(self.uow, actor, cmd.idempotency_key, "create", cmd, _CODEC)
            if (replayed := await keyed.replay(now, self.idempotency)) is not None:
                return replayed
            item = Item.create(details, quantity=cmd.quantity, at=now, by=actor.user_id)
            # Checked here for a clear message; the store's unique index settles races.
            if await self.uow.items.get_by_sku(details.sku.value) is not None:
                raise AlreadyExists("item", "sku", details.sku)
            await self.uow.items.add(item)
            await record_item(
                self.uow, item, action="created", actor_id=actor.user_id, at=now, before=None
            )
            created = CreatedItem(item)
            await keyed.record(created)
            await self.uow.commit()
        return created
