"""The HTTP contract of the audit trail and of an item's history."""

from datetime import datetime
from typing import Literal, Self
from uuid import UUID

from pydantic import Field

from application.use_cases import HistoryEntry, StockLine, Valuation, ValuationLine
from domain.audit import AuditRecord, FieldChange
from entrypoints.rest.schemas import AmountOut, MovementOut, ResponseModel


class FieldChangeOut(ResponseModel):
    field: str
    old: str | None = Field(description="The value before, as text; null when there was none.")
    new: str | None = Field(description="The value after; a password shows as '(withheld)'.")

    @classmethod
    def of(cls, change: FieldChange) -> Self:
        return cls(field=change.field, old=change.old, new=change.new)


class AuditRecordOut(ResponseModel):
    id: UUID
    entity: Literal["item", "user", "location", "api_token", "session", "webhook", "reservation"]
    entity_id: UUID
    action: str = Field(description="created, updated, archived, restored, purged, ...")
    actor_id: UUID | None = Field(description="Who made the change; null for the service.")
    occurred_at: datetime
    channel: Literal["rest", "cli", "service"]
    request_id: str | None = Field(description="The REST request's X-Request-ID, or the CLI run's.")
    changes: list[FieldChangeOut]

    @classmethod
    def of(cls, record: AuditRecord) -> Self:
        return cls(
            id=record.id,
            entity=record.entity,  # type: ignore[arg-type]
            entity_id=record.entity_id,
            action=record.action,
            actor_id=record.actor_id,
            occurred_at=record.occurred_at,
            channel=record.channel.value,
            request_id=record.request_id,
            changes=[FieldChangeOut.of(change) for change in record.changes],
        )


class HistoryEntryOut(ResponseModel):
    kind: Literal["change", "movement"]
    at: datetime
    change: AuditRecordOut | None = None
    movement: MovementOut | None = None

    @classmethod
    def of(cls, entry: HistoryEntry) -> Self:
        if entry.change is not None:
            return cls(kind="change", at=entry.at, change=AuditRecordOut.of(entry.change))
        assert entry.movement is not None
        return cls(kind="movement", at=entry.at, movement=MovementOut.of(entry.movement))


class StockLineOut(ResponseModel):
    item_id: UUID
    sku: str
    name: str
    quantity: int

    @classmethod
    def of(cls, line: StockLine) -> Self:
        return cls(item_id=line.item_id, sku=line.sku, name=line.name, quantity=line.quantity)


class ValuationLineOut(ResponseModel):
    item_id: UUID
    sku: str
    name: str
    quantity: int
    unit_price: AmountOut = Field(description="The price in force at as_of.")
    value: AmountOut

    @classmethod
    def of(cls, line: ValuationLine) -> Self:
        return cls(
            item_id=line.item_id,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            value=line.value,
        )


class ValuationOut(ResponseModel):
    as_of: datetime
    total: AmountOut
    lines: list[ValuationLineOut]

    @classmethod
    def of(cls, valuation: Valuation) -> Self:
        return cls(
            as_of=valuation.as_of,
            total=valuation.total,
            lines=[ValuationLineOut.of(line) for line in valuation.lines],
        )


class MovementExportOut(ResponseModel):
    items: list[MovementOut]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; null when this page reached the end."
    )
