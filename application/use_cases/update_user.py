from application.actors import acting
from application.audit import record_user
from application.commands import Unset, UpdateUserCommand
from application.errors import Conflict
from application.ports import Clock, UnitOfWork
from application.use_cases._lookup import load_user
from domain.audit import user_snapshot
from domain.errors import InvalidValue
from domain.users import Permission, Role, User, parse_email
from domain.values import optional_text


class UpdateUser:
    """An admin changes a user's role, active flag or contact details.

    The last active admin can be neither demoted nor deactivated: that would lock everyone out.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: UpdateUserCommand) -> User:
        role = None if isinstance(cmd.role, Unset) else Role.parse(cmd.role)
        if not isinstance(cmd.active, Unset) and not isinstance(cmd.active, bool):
            raise InvalidValue("active", "must be true or false")
        now = self.clock.now()
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.MANAGE_USERS)
            user = await load_user(self.uow, cmd.user_id)
            before = user_snapshot(user)
            was_admin = user.role is Role.ADMIN and user.active
            if role is not None:
                user.set_role(role, at=now)
            if not isinstance(cmd.active, Unset):
                user.set_active(cmd.active, at=now)
            if not isinstance(cmd.email, Unset):
                user.email = parse_email(cmd.email)
                user.updated_at = now
            if not isinstance(cmd.full_name, Unset):
                user.full_name = optional_text("full_name", cmd.full_name, max_length=200)
                user.updated_at = now
            still_admin = user.role is Role.ADMIN and user.active
            if was_admin and not still_admin and await self.uow.users.count_admins() <= 1:
                raise Conflict("the last active admin cannot be demoted or deactivated")
            await self.uow.users.save(user)
            await record_user(
                self.uow, user, action="updated", actor_id=actor.user_id, at=now, before=before
            )
            await self.uow.commit()
        return user
