from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports import IdempotencyRecord, IdempotentResponse


@dataclass
class _Entry:
    record: IdempotencyRecord
    expires_at: datetime


class InMemoryIdempotencyStore:
    """Per-process idempotency records (the SQL adapter shares them between processes)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    async def reserve(
        self, key: str, fingerprint: str, *, now: datetime, ttl_seconds: int
    ) -> IdempotencyRecord | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at > now:
            return entry.record
        self._entries[key] = _Entry(
            record=IdempotencyRecord(fingerprint=fingerprint, response=None),
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
        return None

    async def complete(self, key: str, response: IdempotentResponse) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.record = IdempotencyRecord(
                fingerprint=entry.record.fingerprint, response=response
            )

    async def release(self, key: str) -> None:
        self._entries.pop(key, None)
