"""The audit trail in memory: a list that only grows, at commit."""

from typing import TYPE_CHECKING
from uuid import UUID

from application.history import AuditQuery
from domain.audit import AuditRecord

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryAuditTrail:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    async def append(self, *records: AuditRecord) -> None:
        for record in records:
            self._uow.stage_audit(record)


def select_records(stored: list[AuditRecord], query: AuditQuery) -> tuple[list[AuditRecord], int]:
    def wanted(record: AuditRecord) -> bool:
        return (
            (query.entity is None or record.entity == query.entity)
            and (query.entity_id is None or record.entity_id == query.entity_id)
            and (query.actor_id is None or record.actor_id == query.actor_id)
            and (query.since is None or record.occurred_at >= query.since)
            and (query.until is None or record.occurred_at < query.until)
        )

    matching = [record for record in reversed(stored) if wanted(record)]
    return matching[query.offset : query.offset + query.limit], len(matching)


class InMemoryAuditQueries:
    def __init__(self, stored: list[AuditRecord]) -> None:
        self._stored = stored

    async def find(self, query: AuditQuery) -> tuple[list[AuditRecord], int]:
        return select_records(self._stored, query)

    async def for_entity(self, entity: str, entity_id: UUID) -> list[AuditRecord]:
        return [r for r in self._stored if r.entity == entity and r.entity_id == entity_id]
