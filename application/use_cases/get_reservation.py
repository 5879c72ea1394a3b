from uuid import UUID

from application.actors import Actor, acting
from application.ports import Page, QuerySession, ReservationQuery
from application.use_cases._lookup import check_page
from domain.errors import NotFound
from domain.reservations import Reservation
from domain.users import Permission


class GetReservation:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, reservation_id: UUID) -> Reservation:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await session.reservations.get(reservation_id)
        if found is None:
            raise NotFound("reservation", reservation_id)
        return found


class ListReservations:
    """Newest first, filtered by item, reference and status. A stored ``active`` hold past its
    expiry is shown as it is stored until the sweeper (or a writer) expires it; its
    ``expires_at`` says it holds nothing."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, query: ReservationQuery) -> Page[Reservation]:
        check_page(query.offset, query.limit)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            return await session.reservations.list(query)
