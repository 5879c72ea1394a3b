"""A tiny FastAPI app built like ``create_app``: the observability pieces around a few routes, a
fake "current user" dependency and a domain-error handler that counts refusals."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from adapters.metrics import PrometheusDomainMetrics
from domain.errors import DomainError, InsufficientStock
from entrypoints.observability.metrics import http_metrics, install_metrics
from entrypoints.observability.request_context import RequestContext
from entrypoints.rest.errors import problem
from entrypoints.settings import Settings

USER_ID = UUID("6f1d9c2e-0000-4000-8000-000000000001")


async def current_user(request: Request) -> UUID:
    request.state.user_id = USER_ID
    return USER_ID


def tiny_app(
    settings: Settings, registry: CollectorRegistry, metrics: PrometheusDomainMetrics
) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def get_item(
        item_id: str, user: Annotated[UUID, Depends(current_user)]
    ) -> dict[str, str]:
        return {"id": item_id, "user": str(user)}

    @app.post("/items/{item_id}/adjust")
    async def adjust(item_id: str) -> None:
        raise InsufficientStock(item_id, available=1, requested=5)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        metrics.count_refusal(error)
        return JSONResponse({"code": error.code}, status_code=409)

    app.add_middleware(RequestContext, metrics=http_metrics(settings, registry), problem=problem)
    install_metrics(app, settings, registry)
    return app
