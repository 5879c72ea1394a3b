"""Webhook endpoints and their delivery log in ``InMemoryStore``, staged until the commit like
everything else of ``InMemoryUnitOfWork``."""

import builtins
import copy
from typing import TYPE_CHECKING
from uuid import UUID

from application.ports import Page
from domain.webhooks import DeliveryAttempt, WebhookEndpoint

if TYPE_CHECKING:
    from adapters.memory.store import InMemoryStore

_GONE = None


class InMemoryWebhookRepository:
    def __init__(self, store: "InMemoryStore") -> None:
        self._store = store
        self._staged: dict[UUID, WebhookEndpoint | None] = {}
        self._logged: list[DeliveryAttempt] = []

    def reset(self) -> None:
        self._staged, self._logged = {}, []

    def apply(self) -> None:
        """Part of the unit of work's commit (no ``await``: all at once)."""
        for endpoint_id, endpoint in self._staged.items():
            if endpoint is _GONE:
                self._store.webhooks.pop(endpoint_id, None)
                self._store.webhook_attempts.pop(endpoint_id, None)
            else:
                self._store.webhooks[endpoint_id] = copy.deepcopy(endpoint)
        for attempt in self._logged:
            if attempt.endpoint_id in self._store.webhooks:
                self._store.webhook_attempts.setdefault(attempt.endpoint_id, []).append(attempt)
        self.reset()

    def _view(self) -> dict[UUID, WebhookEndpoint]:
        merged = dict(self._store.webhooks)
        for endpoint_id, endpoint in self._staged.items():
            if endpoint is _GONE:
                merged.pop(endpoint_id, None)
            else:
                merged[endpoint_id] = endpoint
        return merged

    async def add(self, endpoint: WebhookEndpoint) -> None:
        self._staged[endpoint.id] = copy.deepcopy(endpoint)

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        found = self._view().get(endpoint_id)
        return None if found is None else copy.deepcopy(found)

    async def list(self) -> list[WebhookEndpoint]:
        endpoints = sorted(self._view().values(), key=lambda e: (e.created_at, str(e.id)))
        return [copy.deepcopy(endpoint) for endpoint in endpoints]

    async def save(self, endpoint: WebhookEndpoint) -> None:
        self._staged[endpoint.id] = copy.deepcopy(endpoint)

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        self._staged[endpoint.id] = _GONE

    async def log(self, attempt: DeliveryAttempt) -> None:
        self._logged.append(attempt)

    def _attempts(self, endpoint_id: UUID) -> builtins.list[DeliveryAttempt]:
        staged = [a for a in self._logged if a.endpoint_id == endpoint_id]
        return self._store.webhook_attempts.get(endpoint_id, []) + staged

    async def attempts(
        self, endpoint_id: UUID, *, offset: int, limit: int
    ) -> Page[DeliveryAttempt]:
        newest_first = self._attempts(endpoint_id)[::-1]
        return Page(
            items=newest_first[offset : offset + limit],
            total=len(newest_first),
            offset=offset,
            limit=limit,
        )

    async def attempt(self, endpoint_id: UUID, attempt_id: UUID) -> DeliveryAttempt | None:
        return next((a for a in self._attempts(endpoint_id) if a.id == attempt_id), None)
