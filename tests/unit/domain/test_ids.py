"""Ledger ids are RFC 9562 UUIDv7: the creation time first, so ids written later sort later."""

import time
from uuid import UUID

from domain.ids import ledger_id


def _millis(found: UUID) -> int:
    return found.int >> 80


def test_a_ledger_id_is_a_version_7_uuid_of_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    found = ledger_id()
    after = time.time_ns() // 1_000_000
    assert found.version == 7
    assert found.variant == "specified in RFC 4122"
    assert before <= _millis(found) <= after


def test_ledger_ids_are_unique_and_ordered_by_millisecond() -> None:
    made = [ledger_id() for _ in range(5_000)]
    assert len(set(made)) == len(made)
    assert [_millis(one) for one in made] == sorted(_millis(one) for one in made)


def test_ids_of_a_later_millisecond_sort_after() -> None:
    first = ledger_id()
    while _millis(later := ledger_id()) == _millis(first):
        time.sleep(0.0005)
    assert str(first) < str(later)
    assert first.hex < later.hex
