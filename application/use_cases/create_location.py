from uuid import UUID

from application.actors import acting
from application.audit import record
from application.commands import CreateLocationCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._locations import load_location
from domain.audit import location_snapshot
from domain.locations import Location
from domain.users import Permission


class CreateLocation:
    """Admins manage locations. A parent is read for update, so the tree cannot change under
    the depth check."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: CreateLocationCommand) -> Location:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.MANAGE_LOCATIONS)
            chain: list[UUID] = []
            if cmd.parent is not None:
                parent = await load_location(self.uow, cmd.parent, for_update=True)
                chain = await self.uow.locations.chain(parent.id)
            location = Location.create(
                code=cmd.code,
                name=cmd.name,
                parent_chain=chain,
                at=self.clock.now(),
                by=actor.user_id,
            )
            await self.uow.locations.add(location)
            await record(
                self.uow,
                entity="location",
                entity_id=location.id,
                action="created",
                actor_id=actor.user_id,
                at=location.created_at,
                before=None,
                after=location_snapshot(location),
            )
            await self.uow.commit()
        return location
