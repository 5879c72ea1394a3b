"""The HTTP contract of the outbox's events (replay), apart from ``schemas.py`` to keep both
readable. ``routes/event_replay.py`` renders the same JSON with orjson (``render_event``)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from entrypoints.rest.schemas import ResponseModel


class EventOut(ResponseModel):
    position: int = Field(description="Where the event stands in the one order of all events.")
    event_id: UUID = Field(description="Stable across redeliveries: dedupe by it.")
    type: str = Field(description="`item.created`, `stock.adjusted`, … (see docs/events.md).")
    aggregate_id: UUID | None = Field(description="The item the event is about.")
    aggregate_version: int | None = Field(description="The item's version after the change.")
    occurred_at: datetime
    actor_id: UUID | None = Field(description="The user who made the change.")
    data: dict[str, Any] = Field(description="The event's payload, `type` included.")


class EventBatchOut(ResponseModel):
    events: list[EventOut]
    next: int = Field(description="Send as `after` to get the events that follow.")
