"""Ports of the audit trail: appended by commands, read by queries, never changed.

``AuditTrail`` has one method, ``append``: no port lets a use case update or delete a record
(the SQL store also refuses it with triggers, migration 0007). Records are written in the unit
of work of the change they describe, so a change and its record commit or roll back together.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.audit import AuditRecord, Origin
from domain.items import StockMovement

#: What ``entity`` may be in a record and in a query.
ENTITIES = ("item", "user", "location", "api_token", "session", "webhook", "reservation")


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Newest first; every filter is optional; ``since`` inclusive, ``until`` exclusive."""

    entity: str | None = None
    entity_id: UUID | None = None
    actor_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    offset: int = 0
    limit: int = 50


@dataclass(slots=True)
class SettledHorizon:
    """How far the ledger is settled: every movement stamped at or before ``through`` is
    committed. A store keeps one (``QuerySession.settle`` explains why it only grows)."""

    through: datetime | None = None

    def covers(self, as_of: datetime) -> bool:
        return self.through is not None and as_of <= self.through

    def extend(self, now: datetime) -> None:
        """A wait for the write transactions open at ``now`` has returned."""
        if self.through is None or now > self.through:
            self.through = now


@dataclass(frozen=True, slots=True)
class LocationQuantity:
    """What an item held at one location at an instant; the code is None when the location no
    longer exists."""

    location_id: UUID
    location_code: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class ItemLabel:
    sku: str
    name: str
    unit_price: Decimal


class AuditTrail(Protocol):
    async def append(self, *records: AuditRecord) -> None:
        """Add records to the transaction of the unit of work (many at once: an import)."""


class AuditQueries(Protocol):
    async def find(self, query: AuditQuery) -> tuple[list[AuditRecord], int]:
        """One page of matching records, newest first (ties by insertion), and their count."""

    async def for_entity(self, entity: str, entity_id: UUID) -> list[AuditRecord]:
        """Every record of one entity, oldest first (an item's history)."""

    async def values_as_of(
        self, entity: str, fields: Sequence[str], at: datetime
    ) -> dict[UUID, dict[str, str | None]]:
        """Per entity, the value each of ``fields`` had at ``at``: the newest value a record at
        or before then gave it (fields no record set by then are missing)."""


class LedgerQueries(Protocol):
    """The ledger at a past instant: a movement counts when its ``occurred_at`` is at or before
    it. Exact only after ``QuerySession.settle`` (see ``application.use_cases.stock_as_of``)."""

    async def item_as_of(self, item_id: UUID, at: datetime) -> list[LocationQuantity]:
        """Quantity per location, with its code (locations whose movements sum to 0 included;
        none when the item had no movement by then), in no particular order."""

    async def totals_as_of(self, at: datetime) -> dict[UUID, int]:
        """Total quantity per item id, for every item (purged ones too) with a movement by
        then."""

    async def describe(self, item_ids: Sequence[UUID]) -> dict[UUID, ItemLabel]:
        """SKU, name and price of the items that still exist (archived ones too), by id."""

    async def movements(self, query: "MovementQuery") -> list[tuple[int, StockMovement]]:
        """Up to ``query.limit`` movements in the order they were written, after the position
        ``query.after``, each with its position (the next page's cursor)."""


@dataclass(frozen=True, slots=True)
class MovementQuery:
    """The ledger in the order it was written (a cursor is the last position seen), for
    accounting systems that sync from it; ``since`` inclusive, ``until`` exclusive."""

    after: int = 0
    limit: int = 100
    item_id: UUID | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class OriginSource(Protocol):
    """Where the change being made comes from: REST (with its request id) or the CLI. The
    entrypoint provides it; the unit of work stamps it on the records it appends."""

    def current(self) -> Origin: ...
