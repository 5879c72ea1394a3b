"""Prometheus for the REST app: the HTTP series (the names prometheus-fastapi-instrumentator uses,
recorded by ``RequestContext``; the library still serves ``/metrics``) and the registry.

The domain counters are an adapter of the event bus (``adapters.metrics``) sharing this registry.
Each process has its own registry (one container per process). With ``uvicorn --workers N``
every worker answers ``/metrics`` for itself unless prometheus_client's multiprocess mode is on
(see docs/deployment.md).
"""

import hmac
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

from entrypoints.settings import Settings

METRICS_PATH = "/metrics"
#: The handler label of requests no route matched: one series instead of one per path.
UNMATCHED = "none"


def new_metrics_registry() -> CollectorRegistry:
    """A registry of one's own (tests build many apps) with the usual process series."""
    registry = CollectorRegistry(auto_describe=True)
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return registry


_SERIES: "weakref.WeakKeyDictionary[CollectorRegistry, tuple[Counter, Histogram]]" = (
    weakref.WeakKeyDictionary()
)


def _series(registry: CollectorRegistry) -> tuple[Counter, Histogram]:
    """The HTTP series of a registry, created once (several apps may share one container)."""
    found = _SERIES.get(registry)
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
        _SERIES[registry] = found
    return found


class HttpMetrics:
    """The series prometheus-fastapi-instrumentator's ``requests`` and ``latency`` metrics would
    record (same names, labels and buckets), per route template.

    Counts and latencies only: request sizes would mean trusting the client's Content-Length.
    ``/metrics`` itself is not counted. The labelled children are kept per (method, status,
    route): prometheus_client's ``labels()`` takes a lock and builds a key on every call.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests, self.latency = _series(registry)
        self._children: dict[tuple[str, int, str], tuple[Counter, Histogram]] = {}

    def record(self, method: str, status_code: int, handler: str | None, seconds: float) -> None:
        handler = handler or UNMATCHED
        key = (method, status_code, handler)
        children = self._children.get(key)
        if children is None:
            if handler == METRICS_PATH:
                return
            children = (
                self.requests.labels(method, str(status_code), handler),
                self.latency.labels(handler, method),
            )
            self._children[key] = children
        count, latency = children
        count.inc()
        latency.observe(seconds)


def http_metrics(settings: Settings, registry: CollectorRegistry) -> HttpMetrics | None:
    """What ``RequestContext`` records into; None when ``INVENTORY_METRICS_ENABLED`` is false."""
    return HttpMetrics(registry) if settings.metrics_enabled else None


def install_metrics(app: FastAPI, settings: Settings, registry: CollectorRegistry) -> None:
    """``GET /metrics``: nothing when ``INVENTORY_METRICS_ENABLED`` is false; a bearer token
    when ``INVENTORY_METRICS_TOKEN`` is set. The HTTP series are recorded by ``RequestContext``
    (given ``http_metrics(settings, registry)``)."""
    if not settings.metrics_enabled:
        return
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
