"""Replay: ``GET /api/v1/events?after=<position>`` returns the committed events that follow a
position, oldest first, with ``next`` for the following call. The same path's WebSocket
(``routes/events.py``) streams them live."""

from typing import Annotated, Any
from uuid import UUID

import orjson
from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from application import use_cases as uc
from application.outbox import StoredEvent
from entrypoints.container import Container
from entrypoints.rest import render
from entrypoints.rest.errors import with_common
from entrypoints.rest.event_schemas import EventBatchOut
from entrypoints.rest.http import ExactJsonRoute
from entrypoints.rest.injection import Provide
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/events", tags=["events"])


def render_event(event: StoredEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "event_id": str(event.event_id),
        "type": event.type,
        "aggregate_id": None if event.aggregate_id is None else str(event.aggregate_id),
        "aggregate_version": event.aggregate_version,
        "occurred_at": event.occurred_at,
        "actor_id": None if event.actor_id is None else str(event.actor_id),
        # The stored JSON as it is: the bytes every sink sends, not parsed and written again.
        "data": orjson.Fragment(event.payload),
    }


@router.get(
    "",
    operation_id="events-replay",
    summary="Replay committed events after a position",
    description="Events in position order (the order of the live stream), at most `limit`."
    " `next` is the cursor for the following call; an empty list means nothing new yet."
    " Events are kept for INVENTORY_EVENT_RETENTION_DAYS.",
    response_model=EventBatchOut,
    responses=with_common(403),
)
@inject
async def replay_events(
    caller: CurrentCaller,
    use_case: Annotated[uc.ReplayEvents, Depends(Provide[Container.replay_events])],
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[list[str] | None, Query(max_length=20)] = None,
    item_id: Annotated[UUID | None, Query()] = None,
) -> Response:
    batch = await use_case.execute(
        caller,
        after=after,
        limit=limit,
        types=frozenset(name for name in type or () if name),  # ``?type=`` filters nothing
        item_id=item_id,
    )
    body = {"events": [render_event(event) for event in batch.events], "next": batch.next}
    return render.json_response(body)
