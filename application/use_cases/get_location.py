from application.actors import Actor, acting
from application.commands import LocationKey
from application.ports import LocationQuery, Page, QuerySession
from application.use_cases._locations import find_location
from application.use_cases._lookup import check_page
from application.views import LocationView
from domain.errors import InvalidValue
from domain.users import Permission

SEARCH_MAX = 200


class GetLocation:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, location: LocationKey) -> LocationView:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            return await find_location(session.locations, location)


class ListLocations:
    """Locations by code, filtered by parent, active flag and a search in code and name."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, query: LocationQuery) -> Page[LocationView]:
        check_page(query.offset, query.limit)
        if query.search is not None and (len(query.search) > SEARCH_MAX or "\x00" in query.search):
            raise InvalidValue("q", f"must be at most {SEARCH_MAX} characters, without NUL")
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            return await session.locations.list(query)
