"""Ledger ids are RFC 9562 UUIDv7: the creation time first, so ids written later sort later."""

import os
import time
from concurrent.futures import ThreadPoolExecutor
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


def test_ledger_ids_made_on_many_threads_at_once_are_unique() -> None:
    with ThreadPoolExecutor(8) as pool:
        batches = list(pool.map(lambda _: [ledger_id() for _ in range(2_000)], range(8)))
    made = [one for batch in batches for one in batch]
    assert len(set(made)) == len(made) == 16_000


def test_a_forked_child_draws_other_random_bits_than_its_parent() -> None:
    ledger_id()  # the parent holds a block of random bytes it has started on
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(writer, ledger_id().bytes)
        os._exit(0)
    os.close(writer)
    theirs = os.read(reader, 16)
    os.waitpid(child, 0)
    ours = ledger_id().bytes
    assert theirs[6:] != ours[6:]  # the random part (after the time and the version)
