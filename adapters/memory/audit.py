"""The audit trail and the ledger's history queries in memory."""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from adapters.memory.store import InMemoryStore
from application.history import AuditQuery, ItemLabel, LocationQuantity, MovementQuery
from domain.audit import AuditRecord, values_as_of
from domain.items import StockMovement

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

    async def values_as_of(
        self, entity: str, fields: Sequence[str], at: datetime
    ) -> dict[UUID, dict[str, str | None]]:
        return values_as_of(self._stored, entity, fields, at)


class InMemoryLedgerQueries:
    """The ledger of ``InMemoryStore``; a position is an index in ``store.ledger`` plus one."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def item_as_of(self, item_id: UUID, at: datetime) -> list[LocationQuantity]:
        held: dict[UUID, int] = {}
        for movement in self._store.movements.get(item_id, []):
            if movement.occurred_at <= at:
                held[movement.location_id] = held.get(movement.location_id, 0) + movement.delta
        places = self._store.locations
        return [
            LocationQuantity(where, None if where not in places else places[where].code.value, n)
            for where, n in held.items()
        ]

    async def totals_as_of(self, at: datetime) -> dict[UUID, int]:
        totals: dict[UUID, int] = {}
        for movement in self._store.ledger:
            if movement.occurred_at <= at:
                totals[movement.item_id] = totals.get(movement.item_id, 0) + movement.delta
        return totals

    async def describe(self, item_ids: Sequence[UUID]) -> dict[UUID, ItemLabel]:
        found = (self._store.items.get(item_id) for item_id in item_ids)
        return {
            item.id: ItemLabel(item.sku.value, item.name, item.unit_price.amount)
            for item in found
            if item is not None
        }

    async def movements(self, query: MovementQuery) -> list[tuple[int, StockMovement]]:
        def wanted(movement: StockMovement) -> bool:
            return (
                (query.item_id is None or movement.item_id == query.item_id)
                and (query.reason is None or movement.reason.value == query.reason)
                and (query.since is None or movement.occurred_at >= query.since)
                and (query.until is None or movement.occurred_at < query.until)
            )

        found: list[tuple[int, StockMovement]] = []
        for index, movement in enumerate(self._store.ledger[query.after :]):
            if wanted(movement):
                found.append((query.after + index + 1, movement))
                if len(found) == query.limit:
                    break
        return found
