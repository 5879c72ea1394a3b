from decimal import Decimal
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from application import use_cases as uc
from application.commands import (
    UNSET,
    CreateItemCommand,
    ReplaceItemCommand,
    UpdateItemCommand,
)
from application.ports import ItemQuery, ItemSort
from application.views import ItemView
from domain.items import Item
from entrypoints.container import Container
from entrypoints.rest import render
from entrypoints.rest.errors import with_common
from entrypoints.rest.fields import Sku
from entrypoints.rest.http import (
    ExactJsonRoute,
    IfMatch,
    IfNoneMatch,
    ItemId,
    etag,
    expected_version,
    not_modified,
)
from entrypoints.rest.idempotency import IdempotencyKey, replay_headers
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import ItemCreate, ItemOut, ItemPatch, ItemReplace, PageOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/items", tags=["items"])
ITEMS = "/api/v1/items"


def _item_response(
    item: Item | ItemView, status: int = 200, *, location: bool = False, replayed: bool = False
) -> Response:
    headers = {"ETag": etag(item.version), **replay_headers(replayed)}
    if location:
        headers["Location"] = f"{ITEMS}/{item.id}"
    return render.json_response(render.item(item), status, headers)


@router.get(
    "",
    operation_id="items-list",
    summary="List items",
    response_model=PageOut[ItemOut],
    responses=with_common(403),
)
@inject
async def list_items(
    caller: CurrentCaller,
    use_case: Annotated[uc.ListItems, Depends(Provide[Container.list_items])],
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    low_stock: bool | None = None,
    sort: ItemSort = ItemSort.NAME,
    available_below_reorder: bool | None = None,
    archived: Annotated[
        bool, Query(description="true lists the archived items instead of those in use")
    ] = False,
) -> Response:
    query = ItemQuery(
        offset=offset,
        limit=limit,
        search=q,
        low_stock=low_stock,
        sort=sort,
        available_below_reorder=available_below_reorder,
        archived=archived,
    )
    page = await use_case.execute(caller, query)
    return render.json_response(render.page(page, render.item))


@router.post(
    "",
    operation_id="items-create",
    summary="Create an item",
    status_code=201,
    response_model=ItemOut,
    responses=with_common(403, 409, body=True),
)
@inject
async def create_item(
    body: ItemCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.CreateItem, Depends(Provide[Container.create_item])],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    command = CreateItemCommand(actor=caller, idempotency_key=idempotency_key, **body.model_dump())
    created = await use_case.execute(command)
    return _item_response(created.item, 201, location=True, replayed=created.replayed)


@router.get(
    "/by-sku/{sku}",
    operation_id="items-get-by-sku",
    summary="Find an item by its SKU",
    description="Exact lookup for scanners and integrations: the SKU is trimmed and upper-cased"
    " as the service stores it, so `ab-1` finds `AB-1`; nothing else matches. The SKUs `.` and"
    " `..` are dot segments in a URL, which clients remove: send them as `%2E` and `%2E%2E`.",
    response_model=ItemOut,
    responses=with_common(403, 404),
)
@inject
async def get_item_by_sku(
    sku: Annotated[Sku, Path()],
    caller: CurrentCaller,
    use_case: Annotated[uc.GetItemBySku, Depends(Provide[Container.get_item_by_sku])],
) -> Response:
    item = await use_case.execute(caller, sku)
    return render.json_response(render.item(item), headers={"ETag": etag(item.version)})


@router.get(
    "/{item_id}",
    operation_id="items-get",
    summary="Get an item",
    response_model=ItemOut,
    responses={304: {"description": "Not modified (If-None-Match)"}, **with_common(403, 404)},
)
@inject
async def get_item(
    item_id: ItemId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetItem, Depends(Provide[Container.get_item])],
    if_none_match: IfNoneMatch = None,
) -> Response:
    item = await use_case.execute(caller, item_id)
    tag = etag(item.version)
    if not_modified(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return render.json_response(render.item(item), headers={"ETag": tag})


@router.put(
    "/{item_id}",
    operation_id="items-replace",
    summary="Replace an item",
    response_model=ItemOut,
    responses=with_common(403, 404, 409, 412, body=True),
)
@inject
async def replace_item(
    item_id: ItemId,
    body: ItemReplace,
    caller: CurrentCaller,
    use_case: Annotated[uc.ReplaceItem, Depends(Provide[Container.replace_item])],
    if_match: IfMatch = None,
) -> Response:
    item = await use_case.execute(
        ReplaceItemCommand(
            actor=caller,
            item=item_id,
            expected_version=expected_version(if_match),
            **body.model_dump(),
        )
    )
    return _item_response(item)


@router.patch(
    "/{item_id}",
    operation_id="items-update",
    summary="Change some fields of an item",
    response_model=ItemOut,
    responses=with_common(403, 404, 409, 412, body=True),
)
@inject
async def update_item(
    item_id: ItemId,
    body: ItemPatch,
    caller: CurrentCaller,
    use_case: Annotated[uc.UpdateItem, Depends(Provide[Container.update_item])],
    if_match: IfMatch = None,
) -> Response:
    changes: dict[str, Decimal | str | int | None] = {
        name: getattr(body, name) for name in body.model_fields_set
    }
    command = UpdateItemCommand(
        actor=caller,
        item=item_id,
        expected_version=expected_version(if_match),
        **{name: changes.get(name, UNSET) for name in ItemPatch.model_fields},  # type: ignore[arg-type]
    )
    return _item_response(await use_case.execute(command))


@router.delete(
    "/{item_id}",
    operation_id="items-delete",
    summary="Archive an item, or purge it",
    description="Archives the item: it leaves lists and searches and takes no more changes, its"
    " SKU stays taken and its ledger and history stay (`POST …/restore` brings it back). With"
    " `purge=true`, an admin removes an item with no stock for good: its SKU becomes free, its"
    " ledger rows and audit trail stay.",
    status_code=204,
    response_class=Response,
    responses=with_common(403, 404, 409, 412),
)
@inject
async def delete_item(
    item_id: ItemId,
    caller: CurrentCaller,
    archive: Annotated[uc.ArchiveItem, Depends(Provide[Container.archive_item])],
    purge_item: Annotated[uc.PurgeItem, Depends(Provide[Container.purge_item])],
    if_match: IfMatch = None,
    purge: Annotated[bool, Query(description="remove for good (admin, no stock)")] = False,
) -> Response:
    expected = expected_version(if_match)
    if purge:
        await purge_item.execute(caller, item_id, expected_version=expected)
    else:
        await archive.execute(caller, item_id, expected_version=expected)
    return Response(status_code=204)


@router.post(
    "/{item_id}/restore",
    operation_id="items-restore",
    summary="Restore an archived item",
    response_model=ItemOut,
    responses=with_common(403, 404, 409, 412),
)
@inject
async def restore_item(
    item_id: ItemId,
    caller: CurrentCaller,
    use_case: Annotated[uc.RestoreItem, Depends(Provide[Container.restore_item])],
    if_match: IfMatch = None,
) -> Response:
    item = await use_case.execute(caller, item_id, expected_version=expected_version(if_match))
    return _item_response(item)
