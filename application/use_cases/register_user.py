from application.audit import record_user
from application.commands import RegisterUserCommand
from application.ports import Clock, PasswordHasher, UnitOfWork
from application.use_cases.check_registration import check_registration
from domain.users import Role, User, Username, validate_new_password


class RegisterUser:
    """Admins create users. With no acting user, only the first admin of an empty store may be
    created (the bootstrap of a fresh installation)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, hasher: PasswordHasher) -> None:
        self.uow = uow
        self.clock = clock
        self.hasher = hasher

    async def execute(self, cmd: RegisterUserCommand) -> User:
        username = Username.parse(cmd.username)
        role = Role.parse(cmd.role)
        validate_new_password(cmd.password)
        user = User.register(
            username=username,
            password_hash="",
            role=role,
            at=self.clock.now(),
            email=cmd.email,
            full_name=cmd.full_name,
        )
        async with self.uow:
            await check_registration(self.uow.users, cmd.actor, username, role)
        user.password_hash = await self.hasher.hash(cmd.password)  # slow: outside a transaction
        async with self.uow:
            # Checked again: the store may have got its first admin (or the actor lost the
            # right) while we hashed.
            acting_id = await check_registration(self.uow.users, cmd.actor, username, role)
            await self.uow.users.add(user)
            await record_user(
                self.uow,
                user,
                action="created",
                actor_id=acting_id,
                at=user.created_at,
                before=None,
            )
            await self.uow.commit()
        return user
