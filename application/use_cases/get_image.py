from dataclasses import dataclass

from application.actors import Actor, acting
from application.commands import ItemKey
from application.ports import ImageStore, QuerySession
from application.use_cases._lookup import find_item
from domain.errors import NotFound
from domain.items import ItemImage
from domain.users import Permission


@dataclass(frozen=True, slots=True)
class ImageContent:
    image: ItemImage
    data: bytes


class GetImage:
    def __init__(self, queries: QuerySession, images: ImageStore) -> None:
        self.queries = queries
        self.images = images

    async def execute(self, actor: Actor, item: ItemKey) -> ImageContent:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await find_item(session.items, item)
        if found.image is None:
            raise NotFound("image of item", found.id)
        data = await self.images.get(found.image.key)
        if data is None:
            raise NotFound("image of item", found.id)
        return ImageContent(image=found.image, data=data)
