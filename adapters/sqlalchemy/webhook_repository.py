"""Webhook endpoints and their delivery log on SQLAlchemy, in the unit of work's transaction."""

import json
from dataclasses import asdict
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update

from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import webhook_attempts, webhook_endpoints
from application.ports import Page
from domain.webhooks import DeliveryAttempt, WebhookEndpoint

_ATTEMPT_COLUMNS = [c for c in webhook_attempts.c if c.name != "seq"]


def _row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    row = asdict(endpoint)
    row["event_types"] = json.dumps(sorted(endpoint.event_types))
    return row


def _endpoint(row: Any) -> WebhookEndpoint:
    values = dict(row._mapping)
    values["event_types"] = frozenset(json.loads(values["event_types"]))
    return WebhookEndpoint(**values)


def _attempt(row: Any) -> DeliveryAttempt:
    return DeliveryAttempt(**dict(row._mapping))


class SqlAlchemyWebhookRepository:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await self._session.execute(insert(webhook_endpoints).values(_row(endpoint)))

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        statement = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        if self._session.locks_rows:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        return None if row is None else _endpoint(row)

    async def claim(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        """PostgreSQL only: the endpoint, row-locked until the transaction ends; None when it
        is gone or another transaction holds its lock (``SKIP LOCKED``: no waiting)."""
        statement = (
            select(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint_id)
            .with_for_update(skip_locked=True)
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _endpoint(row)

    async def list(self) -> list[WebhookEndpoint]:
        statement = select(webhook_endpoints).order_by(
            webhook_endpoints.c.created_at, webhook_endpoints.c.id
        )
        return [_endpoint(row) for row in (await self._session.execute(statement)).all()]

    async def save(self, endpoint: WebhookEndpoint) -> None:
        values = _row(endpoint)
        del values["id"]
        await self._session.execute(
            update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint.id).values(values)
        )

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        await self._session.execute(
            delete(webhook_attempts).where(webhook_attempts.c.endpoint_id == endpoint.id)
        )
        await self._session.execute(
            delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint.id)
        )

    async def log(self, attempt: DeliveryAttempt) -> None:
        await self._session.execute(insert(webhook_attempts).values(asdict(attempt)))

    async def attempts(
        self, endpoint_id: UUID, *, offset: int, limit: int
    ) -> Page[DeliveryAttempt]:
        mine = webhook_attempts.c.endpoint_id == endpoint_id
        rows = await self._session.execute(
            select(*_ATTEMPT_COLUMNS)
            .where(mine)
            .order_by(webhook_attempts.c.seq.desc())
            .offset(offset)
            .limit(limit)
        )
        total = await self._session.execute(
            select(func.count()).select_from(webhook_attempts).where(mine)
        )
        return Page(
            items=[_attempt(row) for row in rows.all()],
            total=int(total.scalar_one()),
            offset=offset,
            limit=limit,
        )

    async def attempt(self, endpoint_id: UUID, attempt_id: UUID) -> DeliveryAttempt | None:
        row = (
            await self._session.execute(
                select(*_ATTEMPT_COLUMNS).where(
                    webhook_attempts.c.endpoint_id == endpoint_id,
                    webhook_attempts.c.id == attempt_id,
                )
            )
        ).first()
        return None if row is None else _attempt(row)
