"""Ports of the audit trail: appended by commands, read by queries, never changed.

``AuditTrail`` has one method, ``append``: no port lets a use case update or delete a record
(the SQL store also refuses it with triggers, migration 0007). Records are written in the unit
of work of the change they describe, so a change and its record commit or roll back together.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.audit import AuditRecord, Origin

#: What ``entity`` may be in a record and in a query.
ENTITIES = ("item", "user", "location", "api_token", "session")


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


class AuditTrail(Protocol):
    async def append(self, *records: AuditRecord) -> None:
        """Add records to the transaction of the unit of work (many at once: an import)."""


class AuditQueries(Protocol):
    async def find(self, query: AuditQuery) -> tuple[list[AuditRecord], int]:
        """One page of matching records, newest first (ties by insertion), and their count."""

    async def for_entity(self, entity: str, entity_id: UUID) -> list[AuditRecord]:
        """Every record of one entity, oldest first (an item's history; its prices)."""


class OriginSource(Protocol):
    """Where the change being made comes from: REST (with its request id) or the CLI. The
    entrypoint provides it; the unit of work stamps it on the records it appends."""

    def current(self) -> Origin: ...
