"""Where a SQLite writer's COMMIT runs (``adapters/sqlalchemy/sqlite.py``): on the loop while
commits are fast, on the thread from the first slow one, back once they are fast again."""

from hypothesis import given
from hypothesis import strategies as st

from adapters.sqlalchemy.sqlite import CommitPlacement

FAST, SLOW = 0.0001, 0.01


def test_fast_commits_stay_on_the_loop_and_one_slow_commit_moves_them_off() -> None:
    placement = CommitPlacement()
    for _ in range(100):
        placement.took(FAST)
    assert placement.on_loop
    placement.took(SLOW)
    assert not placement.on_loop


def test_commits_come_back_once_they_are_fast_again() -> None:
    placement = CommitPlacement()
    placement.took(SLOW)
    fast_ones = 0
    while not placement.on_loop:
        placement.took(FAST)
        fast_ones += 1
    assert 1 <= fast_ones <= 20


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=50))
def test_the_average_stays_within_what_was_seen(seconds: list[float]) -> None:
    placement = CommitPlacement()
    for value in seconds:
        placement.took(value)
    assert 0 <= placement.average <= max(seconds)
