"""Optimistic locking, shared by every aggregate with a version (items, locations)."""

from collections.abc import Set

from domain.errors import InvalidValue, VersionMismatch, VersionNotListed


def _is_version(value: object) -> bool:
    # ``True == 1`` in Python: a boolean must not pass for version 1.
    return isinstance(value, int) and not isinstance(value, bool)


def check_version(kind: str, actual: int, expected: int | Set[int] | None) -> None:
    """``expected`` is the version the caller based its change on, or a set of versions of
    which any will do (an HTTP ``If-Match`` list; an empty set matches nothing); None skips
    the check."""
    if expected is None:
        return
    if isinstance(expected, Set):
        if not all(_is_version(version) for version in expected):
            raise InvalidValue("expected_version", "must be whole numbers")
        if actual not in expected:
            raise VersionNotListed(kind, listed=expected, actual=actual)
        return
    if not _is_version(expected):
        raise InvalidValue("expected_version", "must be a whole number")
    if expected != actual:
        raise VersionMismatch(kind, expected=expected, actual=actual)
