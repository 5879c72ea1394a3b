"""The audit trail in SQL: inserted by the unit of work, read by the query session."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, insert, select

from adapters.sqlalchemy.driver_statements import DriverStatement
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import audit_log
from application.history import AuditQuery
from domain.audit import AuditRecord, Channel, FieldChange, values_as_of

_INSERT = DriverStatement(insert(audit_log))


def _row(record: AuditRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "entity": record.entity,
        "entity_id": record.entity_id,
        "action": record.action,
        "actor_id": record.actor_id,
        "occurred_at": record.occurred_at,
        "channel": record.channel.value,
        "request_id": record.request_id,
        "changes": json.dumps([[c.field, c.old, c.new] for c in record.changes]),
    }


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        actor_id=row.actor_id,
        occurred_at=row.occurred_at,
        changes=tuple(FieldChange(*change) for change in json.loads(row.changes)),
        channel=Channel(row.channel),
        request_id=row.request_id,
    )


class SqlAlchemyAuditTrail:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def append(self, *records: AuditRecord) -> None:
        self._session.check_open()
        if records:
            await self._session.run(_INSERT, [_row(record) for record in records])


def _filters(query: AuditQuery) -> list[ColumnElement[bool]]:
    c = audit_log.c
    found: list[ColumnElement[bool]] = []
    if query.entity is not None:
        found.append(c.entity == query.entity)
    if query.entity_id is not None:
        found.append(c.entity_id == query.entity_id)
    if query.actor_id is not None:
        found.append(c.actor_id == query.actor_id)
    if query.since is not None:
        found.append(c.occurred_at >= query.since)
    if query.until is not None:
        found.append(c.occurred_at < query.until)
    return found


class SqlAlchemyAuditQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def find(self, query: AuditQuery) -> tuple[list[AuditRecord], int]:
        where = _filters(query)
        rows = await self._session.execute(
            select(audit_log)
            .where(*where)
            .order_by(audit_log.c.seq.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        page = [_record(row) for row in rows]
        total = await self._session.execute(
            select(func.count()).select_from(audit_log).where(*where)
        )
        return page, int(total.scalar_one())

    async def values_as_of(
        self, entity: str, fields: Sequence[str], at: datetime
    ) -> dict[UUID, dict[str, str | None]]:
        rows = await self._session.execute(
            select(audit_log)
            .where(audit_log.c.entity == entity, audit_log.c.occurred_at <= at)
            .order_by(audit_log.c.seq)
        )
        return values_as_of([_record(row) for row in rows], entity, fields, at)

    async def for_entity(self, entity: str, entity_id: UUID) -> list[AuditRecord]:
        rows = await self._session.execute(
            select(audit_log)
            .where(audit_log.c.entity == entity, audit_log.c.entity_id == entity_id)
            .order_by(audit_log.c.seq)
        )
        return [_record(row) for row in rows]
