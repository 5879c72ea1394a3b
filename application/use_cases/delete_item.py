from application.actors import Actor, acting
from application.commands import ExpectedVersion, ItemKey
from application.ports import Clock, ImageStore, UnitOfWork
from application.use_cases._lookup import load_item
from domain.users import Permission


class DeleteItem:
    """Removes an item with its ledger (deliberately: the ledger belongs to the item) and its
    image; the ``item.deleted`` event keeps a record that it existed."""

    def __init__(self, uow: UnitOfWork, clock: Clock, images: ImageStore) -> None:
        self.uow = uow
        self.clock = clock
        self.images = images

    async def execute(
        self, actor: Actor, item: ItemKey, *, expected_version: ExpectedVersion = None
    ) -> None:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            principal.require(Permission.DELETE_ITEMS)
            found = await load_item(self.uow, item, for_update=True)
            found.check_version(expected_version)
            found.mark_deleted(at=self.clock.now(), by=principal.user_id)
            await self.uow.items.delete(found)
            await self.uow.commit()
        if found.image is not None:
            await self.images.delete(found.image.key)
