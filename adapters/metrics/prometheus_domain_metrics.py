"""Domain counters in Prometheus: an after-commit handler of the event bus, plus refusals.

Fed after commit by the event bus's handlers, which run once, in the process that committed, so
a cluster's sum counts each movement once. Refusals have no event (nothing was committed): the
REST error mapping calls ``count_refusal``. The series live in the registry the container owns,
which ``GET /metrics`` serves next to the HTTP series.
"""

from prometheus_client import CollectorRegistry, Counter

from domain.events import (
    DomainEvent,
    ItemCreated,
    LowStockReached,
    StockAdjusted,
    StockTransferred,
)
from domain.items import MovementReason

LOGIN_FAILURE_REASONS = ("bad_credentials", "throttled")
#: Refusals counted, by the stable code of the error (wherever the error class lives).
_INSUFFICIENT_STOCK = "insufficient_stock"
_AUTHENTICATION_FAILED = "authentication_failed"
_TOO_MANY_ATTEMPTS = "too_many_attempts"


class PrometheusDomainMetrics:
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
        # Every series exists from the start, at zero; kept, as ``labels`` costs a lock and a
        # lookup on each call.
        self._movements = {
            reason.value: self.movements.labels(reason=reason.value) for reason in MovementReason
        }
        for failure in LOGIN_FAILURE_REASONS:
            self.login_failures.labels(reason=failure)

    async def count_event(self, event: DomainEvent) -> None:
        """An after-commit handler (``InProcessEventBus(handlers=[...])``)."""
        if isinstance(event, StockAdjusted):
            self._movements[event.reason].inc()
        elif isinstance(event, ItemCreated) and event.quantity:
            self._movements[MovementReason.RECEIVED.value].inc()
        elif isinstance(event, StockTransferred):  # its two movements
            self._movements[MovementReason.TRANSFER_OUT.value].inc()
            self._movements[MovementReason.TRANSFER_IN.value].inc()
        elif isinstance(event, LowStockReached):
            self.low_stock.inc()

    def count_refusal(self, error: Exception, *, login: bool = True) -> None:
        """Called by the one place that maps errors to responses; ignores the others.

        Matched by the error's stable ``code``, so it does not matter which layer defines the
        error. ``login`` says whether the error answers a login (a bad bearer token on another
        route is an authentication failure too, but not a failed login).
        """
        code = getattr(error, "code", None)
        if code == _INSUFFICIENT_STOCK:
            self.insufficient_stock.inc()
        elif code == _AUTHENTICATION_FAILED and login:
            self.login_failures.labels(reason="bad_credentials").inc()
        elif code == _TOO_MANY_ATTEMPTS:
            self.login_failures.labels(reason="throttled").inc()
