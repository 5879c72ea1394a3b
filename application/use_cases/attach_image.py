from application.actors import acting
from application.audit import record_item
from application.commands import AttachImageCommand
from application.errors import PayloadTooLarge, UnsupportedMedia
from application.ports import Clock, ImageStore, UnitOfWork
from application.use_cases._lookup import load_item
from domain.audit import item_snapshot
from domain.errors import InvalidValue
from domain.images import detect_image_type
from domain.items import Item, ItemImage
from domain.users import Permission

DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024


class AttachImage:
    """Stores a picture for an item, recognised from its bytes (PNG, JPEG, GIF or WebP).

    The bytes are stored first under a generated key; if the item cannot be updated the stored
    file is removed again, and a replaced picture is removed only after the commit.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        images: ImageStore,
        max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.images = images
        self.max_bytes = max_bytes

    async def execute(self, cmd: AttachImageCommand) -> Item:
        async with self.uow:  # refused callers learn nothing and store nothing
            actor = await acting(cmd.actor, self.uow.users)
        actor.require(Permission.WRITE_ITEMS)
        if not cmd.data:
            raise InvalidValue("file", "is empty")
        if len(cmd.data) > self.max_bytes:
            raise PayloadTooLarge(len(cmd.data), self.max_bytes)
        kind = detect_image_type(cmd.data[:16])
        if kind is None:
            raise UnsupportedMedia("only PNG, JPEG, GIF and WebP images are accepted")
        stored = await self.images.put(cmd.data, extension=kind.extension)
        try:
            async with self.uow:
                item = await load_item(self.uow, cmd.item, for_update=True)
                item.check_version(cmd.expected_version)
                previous, before = item.image, item_snapshot(item)
                image = ItemImage(
                    key=stored.key,
                    content_type=kind.value,
                    size=stored.size,
                    sha256=stored.sha256,
                )
                now = self.clock.now()
                item.set_image(image, at=now, by=actor.user_id)
                await self.uow.items.save(item)
                await record_item(
                    self.uow, item, action="updated", actor_id=actor.user_id, at=now, before=before
                )
                await self.uow.commit()
        except BaseException:
            await self.images.delete(stored.key)
            raise
        if previous is not None and previous.key != stored.key:
            await self.images.delete(previous.key)
        return item
