from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from application import use_cases as uc
from entrypoints.container import Container
from entrypoints.rest.http import json_response
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import HealthOut, ServiceOut
from entrypoints.web import page_response, wants_page

router = APIRouter(tags=["service"])
SERVICE_NAME = "inventory-service"


def _version() -> str:
    try:
        return version(SERVICE_NAME)
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "0+unknown"


_SERVICE = ServiceOut(
    name=SERVICE_NAME,
    version=_version(),
    links={
        "web": "/",
        "docs": "/docs",
        "redoc": "/redoc",
        "openapi": "/openapi.json",
        "api": "/api/v1",
        "token": "/api/v1/auth/token",
        "items": "/api/v1/items",
        "events": "/api/v1/events",
        "live": "/health/live",
        "ready": "/health/ready",
    },
)


_SERVICE_JSON = _SERVICE.model_dump_json().encode()


@router.get(
    "/api/v1",
    operation_id="service-info",
    summary="What this service is",
    response_model=ServiceOut,
)
async def service() -> Response:
    return Response(_SERVICE_JSON, media_type="application/json")


@router.get("/", include_in_schema=False)
async def root(request: Request) -> Response:
    """The web page for browsers; the service description (as at ``/api/v1``) for API clients,
    which asked for JSON here before the page existed."""
    if wants_page(request.headers.get("accept")):
        return page_response()
    return Response(_SERVICE_JSON, media_type="application/json", headers={"Vary": "Accept"})


_LIVE = HealthOut(status="ok").model_dump_json().encode()


@router.get(
    "/health/live",
    operation_id="health-live",
    summary="The process is up",
    response_model=HealthOut,
)
async def live() -> Response:
    # The same bytes every time: built once, not validated and serialised per call (a
    # liveness probe is the most frequent request a load balancer sends).
    return Response(_LIVE, media_type="application/json")


@router.get(
    "/health/ready",
    operation_id="health-ready",
    summary="The service can serve requests (its store answers)",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Not ready"}},
)
@inject
async def ready(
    use_case: Annotated[uc.CheckReadiness, Depends(Provide[Container.check_readiness])],
) -> Response:
    readiness = await use_case.execute()
    body = HealthOut(
        status="ok" if readiness.ready else "unavailable", checks=dict(readiness.checks)
    )
    return json_response(body, 200 if readiness.ready else 503, {"Cache-Control": "no-store"})
