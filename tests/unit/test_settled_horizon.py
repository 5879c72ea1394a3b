"""How far the ledger is settled only grows: a wait that began earlier than the latest one, and
returned later, settles nothing new."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from application.history import SettledHorizon

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(waits=st.lists(moments, max_size=8), asked=moments)
def test_the_horizon_is_the_latest_wait_and_covers_what_precedes_it(
    waits: list[datetime], asked: datetime
) -> None:
    horizon = SettledHorizon()
    for now in waits:
        horizon.extend(now)
    assert horizon.through == (max(waits) if waits else None)
    assert horizon.covers(asked) == (bool(waits) and asked <= max(waits))
