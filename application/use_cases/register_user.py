from application.actors import acting
from application.commands import RegisterUserCommand
from application.ports import Clock, PasswordHasher, UnitOfWork
from domain.errors import AlreadyExists, PermissionDenied
from domain.users import Permission, Role, User, Username, validate_new_password


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
        if cmd.actor is None:
            await self._check_bootstrap(role)
        async with self.uow:
            if cmd.actor is not None:
                actor = await acting(cmd.actor, self.uow.users)
                actor.require(Permission.MANAGE_USERS)
            if await self.uow.users.get_by_username(username.value) is not None:
                raise AlreadyExists("user", "username", username)
        user.password_hash = await self.hasher.hash(cmd.password)
        async with self.uow:
            if cmd.actor is None:
                await self._check_bootstrap(role, in_transaction=True)
            await self.uow.users.add(user)
            await self.uow.commit()
        return user

    async def _check_bootstrap(self, role: Role, *, in_transaction: bool = False) -> None:
        if role is not Role.ADMIN:
            raise PermissionDenied("create a non-admin user without an acting admin", "nobody")
        if in_transaction:
            count = await self.uow.users.count()
        else:
            async with self.uow:
                count = await self.uow.users.count()
        if count:
            raise PermissionDenied("create users without acting as an admin", "nobody")
