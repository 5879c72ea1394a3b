from application.actors import Actor, acting
from application.audit import record_item
from application.commands import ExpectedVersion, ItemKey
from application.ports import Clock, ImageStore, UnitOfWork
from application.use_cases._lookup import load_item
from domain.audit import item_snapshot
from domain.errors import NotFound
from domain.items import Item
from domain.users import Permission


class RemoveImage:
    def __init__(self, uow: UnitOfWork, clock: Clock, images: ImageStore) -> None:
        self.uow = uow
        self.clock = clock
        self.images = images

    async def execute(
        self, actor: Actor, item: ItemKey, *, expected_version: ExpectedVersion = None
    ) -> Item:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            principal.require(Permission.WRITE_ITEMS)
            found = await load_item(self.uow, item, for_update=True)
            found.check_version(expected_version)
            previous = found.image
            if previous is None:
                raise NotFound("image of item", found.id)
            before, now = item_snapshot(found), self.clock.now()
            found.set_image(None, at=now, by=principal.user_id)
            await self.uow.items.save(found)
            await record_item(
                self.uow, found, action="updated", actor_id=principal.user_id, at=now, before=before
            )
            await self.uow.commit()
        await self.images.delete(previous.key)
        return found
