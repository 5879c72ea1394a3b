from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, File, Header, UploadFile
from starlette.responses import Response

from application import use_cases as uc
from application.commands import AttachImageCommand
from domain.images import ImageType
from entrypoints.container import Container
from entrypoints.rest import render
from entrypoints.rest.errors import error_responses, with_common
from entrypoints.rest.http import (
    ExactJsonRoute,
    IfMatch,
    IfNoneMatch,
    ItemId,
    etag,
    expected_version,
    not_modified,
)
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import ItemOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(
    route_class=ExactJsonRoute, prefix="/api/v1/items/{item_id}/image", tags=["images"]
)
UPLOAD_PATH = r"/api/v1/items/[^/]+/image"

#: A served picture can never run script or be sniffed into HTML, even if a browser is lenient.
_IMAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=0, must-revalidate",
    "Vary": "Accept",
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
OCTET_STREAM = "application/octet-stream"
#: One media range for every picture type, and the generic binary type that generated clients
#: turn into a call returning bytes (openapi-python-client knows no ``image/*``).
_PICTURE = {"image/*": _BINARY, OCTET_STREAM: _BINARY}


def _wants_octet_stream(accept: str | None) -> bool:
    """Pictures are sent with their own type (``image/png``...), unless the client asks for
    ``application/octet-stream`` and for no image type."""
    if not accept:
        return False
    ranges = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    return OCTET_STREAM in ranges and not any(r.startswith("image/") for r in ranges)


@router.put(
    "",
    operation_id="images-put",
    summary="Upload or replace an item's picture",
    description="PNG, JPEG, GIF or WebP, recognised from the bytes (the file name and declared"
    " type are ignored). Larger than the configured limit: 413; other types: 415; empty: 422.",
    response_model=ItemOut,
    responses=with_common(400, 403, 404, 412, 415, body=True),
)
@inject
async def put_image(
    item_id: ItemId,
    file: Annotated[
        UploadFile,
        # ``format: binary`` beside OpenAPI 3.1's contentMediaType: generated clients (such as
        # openapi-python-client) take it for a file to upload, not for text.
        File(description="The picture.", json_schema_extra={"minLength": 1, "format": "binary"}),
    ],
    caller: CurrentCaller,
    use_case: Annotated[uc.AttachImage, Depends(Provide[Container.attach_image])],
    if_match: IfMatch = None,
) -> Response:
    data = await file.read()
    item = await use_case.execute(
        AttachImageCommand(
            actor=caller, item=item_id, data=data, expected_version=expected_version(if_match)
        )
    )
    return render.json_response(render.item(item), 200, {"ETag": etag(item.version)})


@router.get(
    "",
    operation_id="images-get",
    summary="Download an item's picture",
    response_class=Response,
    responses={
        200: {
            "description": "The picture's bytes, with its stored content type ("
            + ", ".join(kind.value for kind in ImageType)
            + f"), or as {OCTET_STREAM} when the request's Accept names that and no image type",
            "content": _PICTURE,
        },
        304: {"description": "Not modified (If-None-Match)"},
        **with_common(403, 404),
    },
)
@inject
async def get_image(
    item_id: ItemId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetImage, Depends(Provide[Container.get_image])],
    if_none_match: IfNoneMatch = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    content = await use_case.execute(caller, item_id)
    tag = f'"{content.image.sha256}"'
    headers = {"ETag": tag, **_IMAGE_HEADERS}
    if not_modified(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    media_type = OCTET_STREAM if _wants_octet_stream(accept) else content.image.content_type
    return Response(content.data, media_type=media_type, headers=headers)


@router.delete(
    "",
    operation_id="images-delete",
    summary="Remove an item's picture",
    status_code=204,
    response_class=Response,
    responses={**error_responses(401, 403, 404, 412, 422)},
)
@inject
async def delete_image(
    item_id: ItemId,
    caller: CurrentCaller,
    use_case: Annotated[uc.RemoveImage, Depends(Provide[Container.remove_image])],
    if_match: IfMatch = None,
) -> Response:
    await use_case.execute(caller, item_id, expected_version=expected_version(if_match))
    return Response(status_code=204)
