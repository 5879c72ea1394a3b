"""The HTTP contract of the outbox's events (replay) and of webhooks, apart from ``schemas.py``
to keep both readable. ``routes/event_replay.py`` renders events with orjson (``render_event``)."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from domain.webhooks import WebhookEndpoint
from entrypoints.rest.schemas import RequestModel, ResponseModel, absent


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


# -- webhooks ----------------------------------------------------------------------------------
WebhookUrl = Annotated[
    str, StringConstraints(min_length=8, max_length=2000, pattern=r"^https?://[^\s/?#@]+")
]
EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
EventTypes = Annotated[list[EventTypeName], Field(max_length=50)]


class WebhookCreate(RequestModel):
    url: WebhookUrl = Field(description="Where to POST events: a public http(s) URL.")
    event_types: EventTypes = Field(
        default_factory=list, description="Only these types; empty means every type."
    )


class WebhookPatch(RequestModel):
    """Only the fields sent change."""

    url: WebhookUrl = absent()
    event_types: EventTypes = absent()
    active: bool = absent()


class WebhookOut(ResponseModel):
    id: UUID
    url: str
    event_types: list[str]
    active: bool
    status: Literal["active", "failing", "disabled"]
    disabled_reason: str | None
    failing_since: datetime | None
    position: int = Field(description="The last event position delivered or dead-lettered.")
    attempts: int = Field(description="Failed attempts of the next event so far.")
    next_attempt_at: datetime | None
    previous_secret_valid_until: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> "WebhookOut":
        return cls(
            **{
                name: getattr(endpoint, name)
                for name in cls.model_fields
                if name not in ("event_types", "status", "previous_secret_valid_until")
            },
            event_types=sorted(endpoint.event_types),
            status=endpoint.status.value,
            previous_secret_valid_until=endpoint.previous_secret_expires_at,
        )


class WebhookSecretOut(ResponseModel):
    """The secret is shown this once."""

    webhook: WebhookOut
    secret: str = Field(description="`whsec_…`: verify deliveries with it; it is not shown again.")


class DeliveryOut(ResponseModel):
    id: UUID
    position: int
    event_id: UUID
    event_type: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    outcome: Literal["delivered", "failed", "dead"]
    error: str | None
    manual: bool


class DeliveryPageOut(ResponseModel):
    items: list[DeliveryOut]
    total: int
    offset: int
    limit: int
