"""Archive, restore and purge: how an item leaves use without its history going with it."""

from application.actors import Actor, acting
from application.audit import record_item
from application.commands import ExpectedVersion, ItemKey
from application.ports import Clock, ImageStore, UnitOfWork
from application.use_cases._lookup import load_item
from domain.audit import item_snapshot
from domain.items import Item
from domain.users import Permission


async def _change_archival(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    item: ItemKey,
    expected_version: ExpectedVersion,
    *,
    restore: bool,
) -> Item:
    """Archiving and restoring differ only in the change and its audit action."""
    async with uow:
        principal = await acting(actor, uow.users)
        principal.require(Permission.DELETE_ITEMS)
        found = await load_item(uow, item, for_update=True)
        found.check_version(expected_version)
        before, now = item_snapshot(found), clock.now()
        change = found.restore if restore else found.archive
        change(at=now, by=principal.user_id)
        await uow.items.save(found)
        await record_item(
            uow,
            found,
            action="restored" if restore else "archived",
            actor_id=principal.user_id,
            at=now,
            before=before,
        )
        await uow.commit()
    return found


class ArchiveItem:
    """What ``DELETE /items/{id}`` does: the item leaves lists and searches and takes no more
    changes, but its ledger, its image and its SKU stay, because the movements are the record
    of real goods and may be needed years later. ``RestoreItem`` undoes it."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(
        self, actor: Actor, item: ItemKey, *, expected_version: ExpectedVersion = None
    ) -> Item:
        return await _change_archival(
            self.uow, self.clock, actor, item, expected_version, restore=False
        )


class RestoreItem:
    """Brings an archived item back into lists, with its stock and history as they were."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(
        self, actor: Actor, item: ItemKey, *, expected_version: ExpectedVersion = None
    ) -> Item:
        return await _change_archival(
            self.uow, self.clock, actor, item, expected_version, restore=True
        )


class PurgeItem:
    """Removes an item for good (its SKU becomes free again), for an admin, and only when it has
    no stock. Its ledger rows stay, so past stock and valuation reports do not change; the
    ``item.deleted`` event tells listeners it is gone."""

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
            now = self.clock.now()
            found.purge(at=now, by=principal.user_id)
            await self.uow.items.delete(found)
            await record_item(
                self.uow,
                found,
                action="purged",
                actor_id=principal.user_id,
                at=now,
                before=item_snapshot(found),
                gone=True,
            )
            await self.uow.commit()
        if found.image is not None:
            await self.images.delete(found.image.key)
