"""The FastAPI application: ``create_app`` builds it around one container.

Also a uvicorn factory: ``uvicorn entrypoints.rest.app:create_app --factory``.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dependency_injector import providers
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from application.ports import ItemSort
from entrypoints.container import (
    Container,
    DatabaseNotReady,
    build_container,
    check_storage,
    close,
    start,
)
from entrypoints.observability.logs import configure_logging
from entrypoints.observability.metrics import install_metrics
from entrypoints.rest import errors, idempotency
from entrypoints.rest.first_admin import bootstrap
from entrypoints.rest.http import document_enum_names, document_if_match, served_methods
from entrypoints.rest.injection import leave_to_inject
from entrypoints.rest.middleware import build_middleware
from entrypoints.rest.origin import RequestOrigin
from entrypoints.rest.route_index import RouteIndex
from entrypoints.rest.routes import (
    access,
    auth,
    counts,
    docs,
    event_replay,
    events,
    health,
    history,
    images,
    items,
    locations,
    movements,
    reports,
    reservations,
    stocktakes,
    transfers,
    users,
    webhooks,
)
from entrypoints.rest.routes.health import _SERVICE, SERVICE_NAME
from entrypoints.rest.scopes import document_scopes
from entrypoints.rest.security import document_api_token_schemes
from entrypoints.rest.telemetry import native_telemetry
from entrypoints.web import router as web_assets

logger = logging.getLogger("inventory")

#: Every module with ``Provide[...]`` markers; a module missing here gets raw ``Provide``
#: objects instead of use cases.
WIRED_MODULES = [
    idempotency,
    auth,
    users,
    access,
    items,
    movements,
    counts,
    images,
    events,
    event_replay,
    webhooks,
    health,
    locations,
    transfers,
    stocktakes,
    reservations,
    history,
    reports,
]
#: In the order of the OpenAPI document and of matching where patterns overlap (the first that
#: matches answers); a request is tried only against the routes ``RouteIndex`` groups for it.
ROUTERS = [
    items.router,
    movements.router,
    counts.router,
    health.router,
    auth.router,
    users.router,
    access.router,
    images.router,
    events.router,
    event_replay.router,
    webhooks.router,
    locations.router,
    transfers.router,
    stocktakes.router,
    reservations.router,
    history.router,
    reports.router,
    reports.movements_router,
    docs.router,
    web_assets,
]
DESCRIPTION = """An inventory of items with a stock-movement ledger.

A web page for people is at `/` (browsers get it there; API clients asking for JSON at `/` get
this service's description, which is also at `/api/v1`).

Log in with **Authorize** (the OAuth2 password flow: your username and password), or paste an
API token (`inv_…`) there, then try the routes. An API token may do what both its scopes and
its user's current role allow; each route says which scope it needs. Errors are
`application/problem+json` (RFC 9457).

Live events: a WebSocket at `/api/v1/events?token=<access token>` (or with an
`Authorization: Bearer` header) streams `item.created`, `item.updated`, `item.deleted`,
`stock.adjusted` (with the location), `stock.transferred`, `stock.low`, `location.changed` and
`reservation.created`/`.updated`/`.fulfilled`/`.released`/`.expired` as JSON objects, with a
`{"type": "heartbeat"}` when idle.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container: Container = app.state.container
    try:
        await check_storage(container)
    except DatabaseNotReady as error:
        # Said plainly first; uvicorn then reports the failed start-up and exits non-zero.
        # (`inventory serve` checks the same before starting uvicorn at all.)
        logger.error("cannot start: %s", error)
        await close(container)
        raise
    await start(container)
    hasher = container.password_hasher()
    warm_up = getattr(hasher, "warm_up", None)
    # In the background: a quarter of a second of bcrypt need not delay readiness (a login
    # for an unknown user before it is done computes the same hash itself).
    warming = asyncio.create_task(warm_up()) if warm_up is not None else None
    await bootstrap(container)
    try:
        yield
    finally:
        if warming is not None:
            await warming
        await close(container)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        problem = errors.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        _parameters_are_never_null(schema)
        document_if_match(schema)
        document_api_token_schemes(schema)
        document_scopes(schema)
        document_enum_names(schema, ItemSort)
        app.openapi_schema = schema
    return app.openapi_schema


def _parameters_are_never_null(schema: dict[str, Any]) -> None:
    """An optional header or query parameter is absent, never ``null``: drop the null branch
    pydantic writes for ``str | None`` so clients do not send the text 'null'."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                options = parameter.get("schema", {}).pop("anyOf", None)
                if options is not None:
                    kept = [option for option in options if option.get("type") != "null"]
                    parameter["schema"].update(kept[0] if len(kept) == 1 else {"anyOf": kept})


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build_container()
    settings = container.settings()
    configure_logging(settings)
    container.wire(modules=WIRED_MODULES)
    container.listens_for_live_events.override(providers.Object(True))
    container.sweeps_reservations.override(providers.Object(True))
    container.origin.override(providers.Object(RequestOrigin()))
    app = FastAPI(
        title=SERVICE_NAME,
        version=_SERVICE.version,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        telemetry=native_telemetry(),
        middleware=build_middleware(settings, images.UPLOAD_PATH, container.metrics_registry()),
    )
    app.state.container = container
    install_metrics(app, settings, container.metrics_registry())
    errors.install_error_handlers(app)
    # The routes themselves, not the routers: FastAPI 0.165 includes a router lazily, and then
    # walks every included router and matches twice in the one holding the route, on every
    # request (a tenth of a bare request's CPU). The routers carry their prefixes and tags
    # already, and nothing is added at inclusion, so their routes serve as they are.
    app.router.routes.extend(route for router in ROUTERS for route in router.routes)
    leave_to_inject(app.router.routes)
    app.state.route_methods = [
        (route.path_regex, served_methods(route.methods))
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    app.mount(docs.ASSETS_PATH, docs.assets, name="docs-assets")
    app.router.middleware_stack = RouteIndex(app.router)  # in place of the routes one by one
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
