"""Issue 11's targets (and issue 14's transfer), per engine, as ratios to the bare route measured
in the same run."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Targets:
    get_item: float
    get_item_p99_ms: float | None
    list_page: float
    movement: float
    movement_p99_ms: float
    keyed_movement: float
    #: ``POST /transfers`` (issue 14): two movements and two locations per request.
    transfer: float = 0.10
    #: ``/health/live`` through the whole middleware stack: what the stack itself costs.
    health_live: float = 0.80


SQLITE = Targets(
    get_item=0.40,
    get_item_p99_ms=20,
    list_page=0.25,
    movement=0.15,
    movement_p99_ms=50,
    keyed_movement=0.12,
)
POSTGRESQL = Targets(
    get_item=0.25,
    get_item_p99_ms=None,
    list_page=0.18,
    movement=0.12,
    movement_p99_ms=100,
    keyed_movement=0.10,
    transfer=0.08,
)


def for_engine(postgres: bool) -> Targets:
    return POSTGRESQL if postgres else SQLITE
