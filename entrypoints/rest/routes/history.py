from typing import Annotated, Literal
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query

from application import use_cases as uc
from application.history import AuditQuery
from entrypoints.container import Container
from entrypoints.rest.errors import with_common
from entrypoints.rest.history_schemas import AuditRecordOut, HistoryEntryOut
from entrypoints.rest.http import ExactJsonRoute, ItemId
from entrypoints.rest.injection import Provide
from entrypoints.rest.instants import Instant
from entrypoints.rest.schemas import PageOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, tags=["history"])
Offset = Annotated[int, Query(ge=0, le=10**12)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get(
    "/api/v1/audit",
    operation_id="audit-list",
    summary="The audit trail (admin)",
    description="Every change to items, users, locations, API tokens and sessions, newest"
    " first: who, when, each field's old and new value, the channel (rest, cli) and the"
    " request id. `from` is inclusive, `to` exclusive (ISO 8601 with a time zone).",
    response_model=PageOut[AuditRecordOut],
    responses=with_common(403),
)
@inject
async def list_audit(
    caller: CurrentCaller,
    use_case: Annotated[uc.ListAudit, Depends(Provide[Container.list_audit])],
    entity: Literal["item", "user", "location", "api_token", "session", "webhook", "reservation"]
    | None = None,
    entity_id: UUID | None = None,
    actor: Annotated[UUID | None, Query(description="The acting user's id.")] = None,
    since: Annotated[Instant | None, Query(alias="from")] = None,
    until: Annotated[Instant | None, Query(alias="to")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[AuditRecordOut]:
    query = AuditQuery(
        entity=entity,
        entity_id=entity_id,
        actor_id=actor,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
    )
    page = await use_case.execute(caller, query)
    return PageOut[AuditRecordOut].of(page, [AuditRecordOut.of(r) for r in page.items])


@router.get(
    "/api/v1/items/{item_id}/history",
    operation_id="items-history",
    summary="An item's history",
    description="The item's changes (from the audit trail) and its stock movements, newest"
    " first. A purged item's history stays readable by its id.",
    response_model=PageOut[HistoryEntryOut],
    responses=with_common(403, 404),
)
@inject
async def item_history(
    item_id: ItemId,
    caller: CurrentCaller,
    use_case: Annotated[uc.ItemHistory, Depends(Provide[Container.item_history])],
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Limit = 20,
) -> PageOut[HistoryEntryOut]:
    page = await use_case.execute(caller, item_id, offset=offset, limit=limit)
    return PageOut[HistoryEntryOut].of(page, [HistoryEntryOut.of(e) for e in page.items])
