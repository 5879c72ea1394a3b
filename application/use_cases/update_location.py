from uuid import UUID

from application.actors import acting
from application.audit import record
from application.commands import Unset, UpdateLocationCommand
from application.ports import Clock, UnitOfWork
from application.use_cases._locations import load_location
from domain.audit import location_snapshot
from domain.locations import Location
from domain.users import Permission


class UpdateLocation:
    """PATCH a location: code, name, parent (None makes it a root) and active flag. Moving it
    checks the tree stays acyclic and at most ``MAX_DEPTH`` deep."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: UpdateLocationCommand) -> Location:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.MANAGE_LOCATIONS)
            location = await load_location(self.uow, cmd.location, for_update=True)
            location.check_version(cmd.expected_version)
            before = location_snapshot(location)
            changed = location.rename(
                code=None if isinstance(cmd.code, Unset) else cmd.code,
                name=None if isinstance(cmd.name, Unset) else cmd.name,
            )
            if not isinstance(cmd.parent, Unset):
                chain: list[UUID] = []
                if cmd.parent is not None:
                    parent = await load_location(self.uow, cmd.parent, for_update=True)
                    chain = await self.uow.locations.chain(parent.id)
                height = await self.uow.locations.subtree_height(location.id)
                changed += location.move_under(chain, height)
            if not isinstance(cmd.active, Unset):
                changed += location.set_active(cmd.active)
            now = self.clock.now()
            location.changed(changed, at=now, by=actor.user_id)
            if changed:
                await self.uow.locations.save(location)
                await record(
                    self.uow,
                    entity="location",
                    entity_id=location.id,
                    action="updated",
                    actor_id=actor.user_id,
                    at=now,
                    before=before,
                    after=location_snapshot(location),
                )
                await self.uow.commit()
        return location
