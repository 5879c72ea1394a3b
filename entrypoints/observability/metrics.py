"""Prometheus metrics: HTTP series from prometheus-fastapi-instrumentator, domain counters of ours.

Domain counters are fed after commit by the event bus's handlers, which run once, in the process
that committed, so a cluster's sum counts each movement once. Refusals have no event (nothing
was committed): the REST error mapping calls ``DomainMetrics.count_refusal``.

Each process has its own registry (one container per process). With ``uvicorn --workers N``
every worker answers ``/metrics`` for itself unless prometheus_client's multiprocess mode is on
(see docs/deployment.md).
"""

import hmac
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
)
from prometheus_fastapi_instrumentator import Instrumentator, metrics

from domain.errors import AuthenticationFailed, DomainError, InsufficientStock, TooManyAttempts
from domain.events import DomainEvent, ItemCreated, LowStockReached, StockAdjusted
from domain.items import MovementReason
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

    def count_refusal(self, error: DomainError, *, login: bool = True) -> None:
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


def install_metrics(app: FastAPI, settings: Settings, registry: CollectorRegistry) -> None:
    """Request counts and latency histograms per route template, and ``GET /metrics``.

    Nothing when ``INVENTORY_METRICS_ENABLED`` is false; a bearer token when
    ``INVENTORY_METRICS_TOKEN`` is set. Call before the app starts (it adds a middleware).
    """
    if not settings.metrics_enabled:
        return
    instrumentator = Instrumentator(
        should_group_status_codes=False,
        excluded_handlers=[METRICS_PATH],
        registry=registry,
    )
    # Counts and latencies only: the library's default set also observes request sizes by
    # parsing the client's Content-Length header, and a garbage value there raised a 500.
    instrumentator.add(
        metrics.requests(registry=registry),
        metrics.latency(registry=registry, should_include_status=False),
    )
    instrumentator.instrument(app)
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
