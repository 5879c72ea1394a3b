from dataclasses import dataclass
from uuid import UUID

from application.actors import Actor, acting
from application.outbox import EventLog, EventQuery, StoredEvent
from application.ports import QuerySession
from domain.errors import InvalidValue
from domain.users import Permission

MAX_EVENTS = 1000
MAX_POSITION = 2**63 - 1
MAX_TYPES = 20


@dataclass(frozen=True, slots=True)
class EventBatch:
    events: list[StoredEvent]
    next: int
    """The cursor to send as ``after`` next time: the last event's position, or ``after`` itself
    when there was none (nothing new yet: ask again later)."""


class ReplayEvents:
    """Committed events after a position, oldest first, for a client catching up (anyone who
    may read items). Only positioned events are shown, so what comes after a cursor never
    changes once read; the service's internal events are never shown."""

    def __init__(self, queries: QuerySession, log: EventLog) -> None:
        self.queries = queries
        self.log = log

    async def execute(
        self,
        actor: Actor,
        *,
        after: int = 0,
        limit: int = 100,
        types: frozenset[str] = frozenset(),
        item_id: UUID | None = None,
    ) -> EventBatch:
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_POSITION:
            raise InvalidValue("after", f"must be a whole number from 0 to {MAX_POSITION}")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_EVENTS:
            raise InvalidValue("limit", f"must be a whole number from 1 to {MAX_EVENTS}")
        if len(types) > MAX_TYPES:
            raise InvalidValue("type", f"at most {MAX_TYPES} event types")
        async with self.queries as session:
            principal = await acting(actor, session.users)
        principal.require(Permission.READ_EVENTS)
        query = EventQuery(after=after, limit=limit, types=types, item_id=item_id)
        events = await self.log.read(query)
        return EventBatch(events=events, next=events[-1].position if events else after)
