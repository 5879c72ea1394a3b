"""The outbox of ``InMemoryStore``: the same contract as the SQL event log, in one process."""

import bisect
from datetime import datetime

from adapters.memory.store import InMemoryStore
from application.outbox import EventQuery, StoredEvent


class InMemoryEventLog:
    """Units of work append to ``store.outbox`` in their commit (no ``await`` in between, so a
    change and its events appear together); ``sequence`` moves them to ``store.events``."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def sequence(self, limit: int) -> int:
        store = self._store
        taken, store.outbox[:limit] = store.outbox[:limit], []
        start = store.events[-1].position if store.events else 0
        positioned = [
            StoredEvent(
                position=start + offset,
                event_id=entry.event_id,
                type=entry.type,
                aggregate_id=entry.aggregate_id,
                aggregate_version=entry.aggregate_version,
                occurred_at=entry.occurred_at,
                actor_id=entry.actor_id,
                payload=entry.payload,
            )
            for offset, entry in enumerate(taken, start=1)
        ]
        store.events.extend(positioned)
        return len(positioned)

    async def read(self, query: EventQuery) -> list[StoredEvent]:
        found: list[StoredEvent] = []
        events = self._store.events
        start = bisect.bisect_right(events, query.after, key=lambda event: event.position)
        for event in events[start:]:
            if len(found) >= query.limit:
                break
            if not query.include_internal and not event.public:
                continue
            if query.types and event.type not in query.types:
                continue
            if query.item_id is not None and event.aggregate_id != query.item_id:
                continue
            found.append(event)
        return found

    async def last_position(self) -> int:
        return self._store.events[-1].position if self._store.events else 0

    async def pending(self) -> int:
        return len(self._store.outbox)

    async def prune(self, before: datetime, *, up_to: int) -> int:
        events = self._store.events
        kept = [e for e in events[:-1] if e.occurred_at >= before or e.position > up_to] + events[
            -1:
        ]
        removed = len(events) - len(kept)
        self._store.events = kept
        return removed

    async def cursor(self, name: str) -> int:
        return self._store.event_cursors.get(name, 0)

    async def save_cursor(self, name: str, position: int) -> None:
        self._store.event_cursors[name] = position
