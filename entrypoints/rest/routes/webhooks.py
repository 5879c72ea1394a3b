"""Webhook endpoints (admins): ``/api/v1/webhooks``, their delivery log and manual redelivery.
The secret is in the response of the creation and of a rotation only."""

from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from application import use_cases as uc
from entrypoints.container import Container
from entrypoints.rest.errors import with_common
from entrypoints.rest.event_schemas import (
    DeliveryOut,
    DeliveryPageOut,
    WebhookCreate,
    WebhookOut,
    WebhookPatch,
    WebhookSecretOut,
)
from entrypoints.rest.http import ExactJsonRoute, json_response
from entrypoints.rest.injection import Provide
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/webhooks", tags=["webhooks"])
WebhookId = Annotated[UUID, Path(description="The webhook endpoint's id.")]


@router.post(
    "",
    operation_id="webhooks-create",
    summary="Add a webhook endpoint (admin)",
    description="Its URL must lead to a public address (or one allowed by"
    " INVENTORY_WEBHOOK_ALLOWED_HOSTS). It receives the events committed from now on; the"
    " secret that signs them is in this response only.",
    status_code=201,
    response_model=WebhookSecretOut,
    responses=with_common(403, body=True),
)
@inject
async def create_webhook(
    body: WebhookCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.CreateWebhook, Depends(Provide[Container.create_webhook])],
) -> Response:
    created = await use_case.execute(caller, url=body.url, event_types=body.event_types)
    out = WebhookSecretOut(webhook=WebhookOut.of(created.endpoint), secret=created.secret)
    return json_response(out, 201, {"Location": f"/api/v1/webhooks/{created.endpoint.id}"})


@router.get(
    "",
    operation_id="webhooks-list",
    summary="List webhook endpoints (admin)",
    response_model=list[WebhookOut],
    responses=with_common(403),
)
@inject
async def list_webhooks(
    caller: CurrentCaller,
    use_case: Annotated[uc.ListWebhooks, Depends(Provide[Container.list_webhooks])],
) -> list[WebhookOut]:
    return [WebhookOut.of(endpoint) for endpoint in await use_case.execute(caller)]


@router.get(
    "/{webhook_id:uuid}",
    operation_id="webhooks-get",
    summary="Get a webhook endpoint and its status (admin)",
    response_model=WebhookOut,
    responses=with_common(403, 404),
)
@inject
async def get_webhook(
    webhook_id: WebhookId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetWebhook, Depends(Provide[Container.get_webhook])],
) -> WebhookOut:
    return WebhookOut.of(await use_case.execute(caller, webhook_id))


@router.patch(
    "/{webhook_id:uuid}",
    operation_id="webhooks-update",
    summary="Change a webhook endpoint's URL, event types or active flag (admin)",
    response_model=WebhookOut,
    responses=with_common(403, 404, body=True),
)
@inject
async def update_webhook(
    webhook_id: WebhookId,
    body: WebhookPatch,
    caller: CurrentCaller,
    use_case: Annotated[uc.UpdateWebhook, Depends(Provide[Container.update_webhook])],
) -> WebhookOut:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return WebhookOut.of(await use_case.execute(caller, webhook_id, **changes))


@router.delete(
    "/{webhook_id:uuid}",
    operation_id="webhooks-delete",
    summary="Remove a webhook endpoint and its delivery log (admin)",
    status_code=204,
    response_class=Response,
    responses=with_common(403, 404),
)
@inject
async def delete_webhook(
    webhook_id: WebhookId,
    caller: CurrentCaller,
    use_case: Annotated[uc.DeleteWebhook, Depends(Provide[Container.delete_webhook])],
) -> Response:
    await use_case.execute(caller, webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id:uuid}/rotate-secret",
    operation_id="webhooks-rotate-secret",
    summary="Replace a webhook endpoint's secret (admin)",
    description="The new secret is in this response only; the previous one keeps signing (both"
    " signatures are sent) for INVENTORY_WEBHOOK_SECRET_OVERLAP_HOURS.",
    response_model=WebhookSecretOut,
    responses=with_common(403, 404),
)
@inject
async def rotate_secret(
    webhook_id: WebhookId,
    caller: CurrentCaller,
    use_case: Annotated[uc.RotateWebhookSecret, Depends(Provide[Container.rotate_webhook_secret])],
) -> WebhookSecretOut:
    endpoint, secret = await use_case.execute(caller, webhook_id)
    return WebhookSecretOut(webhook=WebhookOut.of(endpoint), secret=secret)


@router.get(
    "/{webhook_id:uuid}/deliveries",
    operation_id="webhooks-deliveries",
    summary="A webhook endpoint's delivery log, newest first (admin)",
    response_model=DeliveryPageOut,
    responses=with_common(403, 404),
)
@inject
async def list_deliveries(
    webhook_id: WebhookId,
    caller: CurrentCaller,
    use_case: Annotated[
        uc.ListWebhookDeliveries, Depends(Provide[Container.list_webhook_deliveries])
    ],
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DeliveryPageOut:
    page = await use_case.execute(caller, webhook_id, offset=offset, limit=limit)
    return DeliveryPageOut(
        items=[DeliveryOut.model_validate(attempt) for attempt in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


@router.post(
    "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
    operation_id="webhooks-redeliver",
    summary="Send a logged delivery's event again, now (admin)",
    response_model=DeliveryOut,
    responses=with_common(403, 404),
)
@inject
async def redeliver(
    webhook_id: WebhookId,
    delivery_id: Annotated[UUID, Path(description="The delivery log entry's id.")],
    caller: CurrentCaller,
    use_case: Annotated[uc.RedeliverWebhook, Depends(Provide[Container.redeliver_webhook])],
) -> DeliveryOut:
    return DeliveryOut.model_validate(await use_case.execute(caller, webhook_id, delivery_id))
