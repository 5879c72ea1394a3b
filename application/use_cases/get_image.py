from dataclasses import dataclass

from application.commands import ItemKey
from application.ports import ImageStore, UnitOfWork
from application.use_cases._lookup import load_item
from domain.errors import NotFound
from domain.items import ItemImage
from domain.users import Permission, Principal


@dataclass(frozen=True, slots=True)
class ImageContent:
    image: ItemImage
    data: bytes


class GetImage:
    def __init__(self, uow: UnitOfWork, images: ImageStore) -> None:
        self.uow = uow
        self.images = images

    async def execute(self, actor: Principal, item: ItemKey) -> ImageContent:
        actor.require(Permission.READ_ITEMS)
        async with self.uow:
            found = await load_item(self.uow, item)
        if found.image is None:
            raise NotFound("image of item", found.id)
        data = await self.images.get(found.image.key)
        if data is None:
            raise NotFound("image of item", found.id)
        return ImageContent(image=found.image, data=data)
