"""The outbox: every domain event, written in the transaction of the change that raised it.

A unit of work turns the events its aggregates collected into ``OutboxEntry`` rows and writes
them just before its ``COMMIT``, in the same transaction: an event exists exactly when its change
committed. Where transactions overlap (PostgreSQL, the in-memory store) rows are written without
a position, and the relay (``application/relay.py``), one per deployment, later gives the
committed rows their ``position`` in the order it sees them commit; where they cannot (SQLite's
writers hold the database's one write lock) a transaction's rows take the next positions as it
writes them, which is the same order. Everything downstream (replay, the live stream, webhooks,
the broker) reads by position only, so a transaction that commits late gets a later position
instead of appearing behind a reader's cursor.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.events import AccessRevoked, DomainEvent
from domain.ids import ledger_id

#: Events that are the service's own business (they name users and token versions): they travel
#: through the outbox to every process, but replay, webhooks and the broker never show them.
INTERNAL_TYPES = frozenset({AccessRevoked.name})


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One event as a unit of work writes it (no position yet)."""

    event_id: UUID
    type: str
    aggregate_id: UUID | None
    aggregate_version: int | None
    occurred_at: datetime
    actor_id: UUID | None
    payload: str
    """The event's JSON (``DomainEvent.payload()``), kept as text so every sink sends the very
    bytes that were stored."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A committed, positioned event: what replay, the live stream and the sinks read."""

    position: int
    event_id: UUID
    type: str
    aggregate_id: UUID | None
    aggregate_version: int | None
    occurred_at: datetime
    actor_id: UUID | None
    payload: str

    @property
    def public(self) -> bool:
        return self.type not in INTERNAL_TYPES

    def data(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.payload)
        return loaded


def outbox_entry(event: DomainEvent) -> OutboxEntry:
    """The row for ``event``; its ``event_id`` is new (a UUIDv7, like the ledger's ids), and
    stays with the event wherever it goes (consumers dedupe by it)."""
    data = event.payload()
    # A reservation is an aggregate of its own: its id and version go on the envelope (not the
    # item's), so a consumer's per-aggregate version check stays true.
    aggregate = (
        getattr(event, "reservation_id", None)
        or getattr(event, "item_id", None)
        or getattr(event, "user_id", None)
        or getattr(event, "location_id", None)
    )
    version = getattr(event, "version", None)
    if version is None:
        version = getattr(event, "token_version", None)
    return OutboxEntry(
        event_id=ledger_id(),
        type=event.name,
        aggregate_id=aggregate if isinstance(aggregate, UUID) else None,
        aggregate_version=version if isinstance(version, int) else None,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        payload=json.dumps(data, separators=(",", ":"), ensure_ascii=False),
    )


def outbox_entries(events: Sequence[DomainEvent]) -> list[OutboxEntry]:
    return [outbox_entry(event) for event in events]


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Positioned events after ``after``, oldest first; ``types`` and ``item_id`` narrow them."""

    after: int = 0
    limit: int = 100
    types: frozenset[str] = frozenset()
    item_id: UUID | None = None
    include_internal: bool = False


class EventLog(Protocol):
    """The outbox table as the relay and the readers see it. Every method is a short
    transaction (or a read) of its own: none of them runs inside a unit of work."""

    async def sequence(self, limit: int) -> int:
        """Give up to ``limit`` committed, unpositioned events the next positions, in the order
        they were written, and return how many events became readable since the last call
        (for the live tails). Only the relay's leader calls it, one call at a time; rows of
        transactions still open are invisible and get later positions. A store that positions
        events as they are written has none to number: it returns how many were committed
        since its last call, ``limit`` or not."""

    async def read(self, query: EventQuery) -> list[StoredEvent]:
        """Positioned events only, by position."""

    async def last_position(self) -> int:
        """The highest position given so far (0 for none)."""

    async def pending(self) -> int:
        """Committed events still waiting for a position (the relay's backlog)."""

    async def prune(self, before: datetime, *, up_to: int) -> int:
        """Delete events at positions up to ``up_to`` that occurred before ``before``; the
        newest event is always kept, so positions never start over. Returns how many went."""

    async def cursor(self, name: str) -> int:
        """Where the sink ``name`` has delivered up to (0 for a new sink)."""

    async def save_cursor(self, name: str, position: int) -> None: ...
