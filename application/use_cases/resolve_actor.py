from application.errors import AuthenticationFailed
from application.ports import QuerySession
from application.views import UserView
from domain.errors import NotFound
from domain.users import Principal, Role

_PAGE = 100


class ResolveActor:
    """Who a local command (the CLI) acts as: the named user, or else the first active admin.

    There is no password here: whoever can run the CLI can already reach the database. What
    this decides is whom the ledger names and which permissions the use cases apply, so a
    viewer named with ``--as`` is refused exactly as over HTTP. None means the store has no
    active admin yet (only the bootstrap of the first admin works then).
    """

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, username: str | None) -> Principal | None:
        async with self.queries as session:
            if username is not None:
                user = await session.users.get_by_username(username)
                if user is None:
                    raise NotFound("user", username)
                if not user.active:
                    raise AuthenticationFailed(f"user {user.username} is deactivated")
                return user.principal()
            admin = await self._first_admin(session)
        return None if admin is None else admin.principal()

    async def _first_admin(self, session: QuerySession) -> UserView | None:
        first: UserView | None = None
        offset = 0
        while True:
            page = await session.users.list(offset=offset, limit=_PAGE)
            for user in page.items:
                is_admin = user.role is Role.ADMIN and user.active
                if is_admin and (first is None or user.created_at < first.created_at):
                    first = user
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return first
