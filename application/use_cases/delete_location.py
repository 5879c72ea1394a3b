from application.actors import Actor, acting
from application.audit import record
from application.commands import ExpectedVersion, LocationKey
from application.ports import Clock, UnitOfWork
from application.use_cases._locations import load_location
from domain.audit import location_snapshot
from domain.users import Permission


class DeleteLocation:
    """Only an empty leaf can go: a location with stock or children is refused (deactivate it
    instead). Its ledger lines stay, naming its id: they are the history of the stock."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(
        self, actor: Actor, location: LocationKey, *, expected_version: ExpectedVersion = None
    ) -> None:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            principal.require(Permission.MANAGE_LOCATIONS)
            found = await load_location(self.uow, location, for_update=True)
            found.check_version(expected_version)
            found.check_deletable(
                holds_stock=await self.uow.locations.holds_stock(found.id),
                has_children=await self.uow.locations.has_children(found.id),
            )
            now = self.clock.now()
            found.mark_deleted(at=now, by=principal.user_id)
            await self.uow.locations.delete(found)
            await record(
                self.uow,
                entity="location",
                entity_id=found.id,
                action="deleted",
                actor_id=principal.user_id,
                at=now,
                before=location_snapshot(found),
                after=None,
            )
            await self.uow.commit()
