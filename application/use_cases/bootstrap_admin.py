import secrets
from dataclasses import dataclass

from application.commands import RegisterUserCommand
from application.ports import UnitOfWork
from application.use_cases.register_user import RegisterUser
from domain.errors import AlreadyExists, PermissionDenied
from domain.users import User


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    user: User
    generated_password: str | None
    """Set when no password was configured: shown once to the operator, never stored."""


class BootstrapAdmin:
    """On first start, creates an admin so a new installation can be used at all.

    Several workers may start at once; the first wins and the others see a user and do nothing.
    """

    def __init__(self, uow: UnitOfWork, register: RegisterUser) -> None:
        self.uow = uow
        self.register = register

    async def execute(self, username: str, password: str | None) -> BootstrapResult | None:
        async with self.uow:
            if await self.uow.users.count():
                return None
        generated = None
        if password is None:
            generated = secrets.token_urlsafe(18)
            password = generated
        try:
            user = await self.register.execute(
                RegisterUserCommand(actor=None, username=username, password=password, role="admin")
            )
        except (AlreadyExists, PermissionDenied):
            return None  # another worker got there first
        return BootstrapResult(user=user, generated_password=generated)
