from application.actors import Actor, acting
from application.audit import record_user
from application.errors import AuthenticationFailed
from application.ports import Clock, PasswordHasher, UnitOfWork
from application.use_cases._lookup import load_user
from domain.audit import user_snapshot
from domain.errors import InvalidValue
from domain.users import PASSWORD_MAX_BYTES, Permission, validate_new_password


class ChangeOwnPassword:
    """Needs the current password; every token issued before stops working."""

    def __init__(self, uow: UnitOfWork, clock: Clock, hasher: PasswordHasher) -> None:
        self.uow = uow
        self.clock = clock
        self.hasher = hasher

    async def execute(self, actor: Actor, current_password: str, new_password: str) -> None:
        validate_new_password(new_password)
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            # Not with an API token: a password is the person's, not an integration's.
            principal.require(Permission.MANAGE_OWN_ACCESS)
            user = await load_user(self.uow, principal.user_id)
        too_long = len(current_password.encode("utf-8", "surrogatepass")) > PASSWORD_MAX_BYTES
        if too_long or not await self.hasher.verify(current_password, user.password_hash):
            raise AuthenticationFailed("the current password is wrong")
        if current_password == new_password:
            raise InvalidValue("new_password", "must differ from the current password")
        new_hash = await self.hasher.hash(new_password)
        async with self.uow:
            user = await load_user(self.uow, principal.user_id)
            before, now = user_snapshot(user), self.clock.now()
            user.change_password_hash(new_hash, at=now)
            await self.uow.users.save(user)
            await record_user(
                self.uow,
                user,
                action="password_changed",
                actor_id=principal.user_id,
                at=now,
                before=before,
            )
            await self.uow.commit()


class SetUserPassword:
    """An admin sets another user's password (for example after they forgot it)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, hasher: PasswordHasher) -> None:
        self.uow = uow
        self.clock = clock
        self.hasher = hasher

    async def execute(self, actor: Actor, user: str, new_password: str) -> None:
        validate_new_password(new_password)
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            principal.require(Permission.MANAGE_USERS)
            await load_user(self.uow, user)
        new_hash = await self.hasher.hash(new_password)
        async with self.uow:
            found = await load_user(self.uow, user)
            before, now = user_snapshot(found), self.clock.now()
            found.change_password_hash(new_hash, at=now)
            await self.uow.users.save(found)
            await record_user(
                self.uow,
                found,
                action="password_changed",
                actor_id=principal.user_id,
                at=now,
                before=before,
            )
            await self.uow.commit()
