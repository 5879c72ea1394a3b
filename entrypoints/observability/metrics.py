"""Prometheus metrics: HTTP series (the names prometheus-fastapi-instrumentator uses, recorded by a
small middleware of ours; the library still serves ``/metrics``) and domain counters of ours.

Domain counters are fed after commit by the event bus's handlers, which run once, in the process
that committed, so a cluster's sum counts each movement once. Refusals have no event (nothing
was committed): the REST error mapping calls ``DomainMetrics.count_refusal``.

Each process has its own registry (one container per process). With ``uvicorn --workers N``
every worker answers ``/metrics`` for itself unless prometheus_client's multiprocess mode is on
(see docs/deployment.md).
"""

import hmac
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
)
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.types import ASGIApp, Receive, Scope, Send

from application.errors import AuthenticationFailed, TooManyAttempts
from domain.errors import CodedError, InsufficientStock
from domain.events import DomainEvent, ItemCreated, LowStockReached, StockAdjusted
from domain.items import MovementReason
from entrypoints.observability.asgi import ResponseStatus
from entrypoints.settings import Settings

METRICS_PATH = "/metrics"
LOGIN_FAILURE_REASONS = ("bad_credentials", "throttled")


def new_metrics_registry() -> CollectorRegistry:
    """A registry of one's own (tests build many apps) with the usual process series."""
    registry = CollectorRegistry(auto_describe=True)
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return registry


class DomainMetrics:
    """Counters of what happens to the stock and to logins."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.movements = Counter(
            "inventory_stock_movements",
            "Committed stock movements, by reason (an item's initial stock counts as received).",
            ["reason"],
            registry=registry,
        )
        self.insufficient_stock = Counter(
            "inventory_insufficient_stock_refusals",
            "Stock changes refused because the quantity would fall below zero.",
            registry=registry,
        )
        self.low_stock = Counter(
            "inventory_low_stock_events",
            "Items that fell to or under their reorder level.",
            registry=registry,
        )
        self.login_failures = Counter(
            "inventory_login_failures",
            "Refused logins: bad_credentials, or throttled after too many failures.",
            ["reason"],
            registry=registry,
        )
        for reason in MovementReason:  # every series exists from the start, at zero
            self.movements.labels(reason=reason.value)
        for failure in LOGIN_FAILURE_REASONS:
            self.login_failures.labels(reason=failure)

    async def count_event(self, event: DomainEvent) -> None:
        """An after-commit handler (``InProcessEventBus(handlers=[...])``)."""
        if isinstance(event, StockAdjusted):
            self.movements.labels(reason=event.reason).inc()
        elif isinstance(event, ItemCreated) and event.quantity:
            self.movements.labels(reason=MovementReason.RECEIVED.value).inc()
        elif isinstance(event, LowStockReached):
            self.low_stock.inc()

    def count_refusal(self, error: CodedError, *, login: bool = True) -> None:
        """Called by the one place that maps domain errors to responses; ignores the others.

        ``login`` says whether the error answers a login (a bad bearer token on another route
        is an authentication failure too, but not a failed login).
        """
        if isinstance(error, InsufficientStock):
            self.insufficient_stock.inc()
        elif isinstance(error, AuthenticationFailed) and login:
            self.login_failures.labels(reason="bad_credentials").inc()
        elif isinstance(error, TooManyAttempts):
            self.login_failures.labels(reason="throttled").inc()


_HTTP_SERIES: "weakref.WeakKeyDictionary[CollectorRegistry, tuple[Counter, Histogram]]" = (
    weakref.WeakKeyDictionary()
)


def _http_series(registry: CollectorRegistry) -> tuple[Counter, Histogram]:
    """The HTTP series of a registry, created once (several apps may share one container)."""
    found = _HTTP_SERIES.get(registry)
    if found is None:
        found = (
            Counter(
                "http_requests_total",
                "Total number of requests by method, status and handler.",
                labelnames=("method", "status", "handler"),
                registry=registry,
            ),
            Histogram(
                "http_request_duration_seconds",
                "Duration of HTTP requests in seconds",
                labelnames=("handler", "method"),
                registry=registry,
            ),
        )
        _HTTP_SERIES[registry] = found
    return found


class RequestMetricsMiddleware:
    """Pure ASGI: the series prometheus-fastapi-instrumentator's ``requests`` and ``latency``
    metrics would record (same names, labels and buckets), taking the route template from
    ``scope["route"]``, which the router has set by the time the response starts.

    The instrumentator matched every request against the routes a second time and built a
    Request, a Response and an info object per request: about 6 % of a cached GET. Counts and
    latencies only: request sizes would mean trusting the client's Content-Length header.
    Paths no route matched share the handler label ``none``; ``/metrics`` is not counted.
    """

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests, self.latency = _http_series(registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = ResponseStatus()
        try:
            await self.app(scope, receive, status.wrap(send))
        finally:
            status_code = status.code or 500
            route = scope.get("route")
            handler = getattr(route, "path", None) or "none"
            if handler != METRICS_PATH:
                method = scope["method"]
                self.requests.labels(method, str(status_code), handler).inc()
                self.latency.labels(handler, method).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI, settings: Settings, registry: CollectorRegistry) -> None:
    """Request counts and latency histograms per route template, and ``GET /metrics``.

    Nothing when ``INVENTORY_METRICS_ENABLED`` is false; a bearer token when
    ``INVENTORY_METRICS_TOKEN`` is set. Call before the app starts (it adds a middleware).
    """
    if not settings.metrics_enabled:
        return
    app.add_middleware(RequestMetricsMiddleware, registry=registry)
    instrumentator = Instrumentator(registry=registry)
    instrumentator.expose(
        app,
        endpoint=METRICS_PATH,
        include_in_schema=False,
        dependencies=[Depends(_token_check(settings))],
    )


def _token_check(settings: Settings) -> Callable[..., Awaitable[None]]:
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    bearer = HTTPBearer(auto_error=False)

    async def require_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if expected is None:
            return
        given = credentials.credentials if credentials else ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a valid metrics token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return require_token
