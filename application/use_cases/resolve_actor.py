from application.errors import AuthenticationFailed
from application.ports import UnitOfWork
from domain.errors import NotFound
from domain.users import Principal, Role, User

_PAGE = 100


class ResolveActor:
    """Who a local command (the CLI) acts as: the named user, or else the first active admin.

    There is no password here: whoever can run the CLI can already reach the database. What
    this decides is whom the ledger names and which permissions the use cases apply, so a
    viewer named with ``--as`` is refused exactly as over HTTP. None means the store has no
    active admin yet (only the bootstrap of the first admin works then).
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, username: str | None) -> Principal | None:
        async with self.uow:
            if username is not None:
                user = await self.uow.users.get_by_username(username)
                if user is None:
                    raise NotFound("user", username)
                if not user.active:
                    raise AuthenticationFailed(f"user {user.username} is deactivated")
                return user.principal()
            admin = await self._first_admin()
        return None if admin is None else admin.principal()

    async def _first_admin(self) -> User | None:
        first: User | None = None
        offset = 0
        while True:
            page = await self.uow.users.list(offset=offset, limit=_PAGE)
            for user in page.items:
                is_admin = user.role is Role.ADMIN and user.active
                if is_admin and (first is None or user.created_at < first.created_at):
                    first = user
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return first
