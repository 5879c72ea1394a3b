"""Optimistic locking against a set of versions (an HTTP If-Match list): any member matches."""

import pytest

from domain.errors import InvalidValue, VersionMismatch, VersionNotListed
from tests.unit.domain.builders import new_item


def test_a_set_matches_when_it_holds_the_current_version() -> None:
    item = new_item(quantity=1)
    item.check_version(frozenset({1}))
    item.check_version(frozenset({7, 1, 3}))


def test_a_set_without_the_current_version_is_refused_with_the_versions_named() -> None:
    item = new_item(quantity=1)
    with pytest.raises(VersionNotListed) as caught:
        item.check_version(frozenset({3, 2}))
    assert caught.value.code == VersionMismatch.code
    assert caught.value.actual == 1
    assert caught.value.listed == {2, 3}
    assert caught.value.message == "item is at version 1, not 2 or 3: re-read it and try again"


def test_an_empty_set_matches_nothing() -> None:
    """What an If-Match of weak or foreign tags only comes to."""
    item = new_item(quantity=1)
    with pytest.raises(VersionNotListed, match="at version 1"):
        item.check_version(frozenset())


@pytest.mark.parametrize("bad", [frozenset({True}), frozenset({"1"}), frozenset({1.0})])
def test_members_must_be_whole_numbers(bad: frozenset[object]) -> None:
    with pytest.raises(InvalidValue, match="expected_version"):
        new_item().check_version(bad)  # type: ignore[arg-type]
