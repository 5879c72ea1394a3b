"""Ids of ledger records (stock movements, transfers, audit entries, outbox events): UUIDv7
(RFC 9562).

A random UUIDv4 lands anywhere in an index on the id, so every new ledger row dirtied a leaf
page of its own in each such index (and the database wrote that page out at the next
commit). A UUIDv7 starts with the time in milliseconds, so rows written together sit together
at the end of the index, and a transaction of many rows touches a few pages. The remaining 74
bits are random, as unguessable as an id needs to be (these ids are not secrets), and the
creation time they reveal is in the record already.

The random bits come from ``os.urandom`` a block at a time: one system call per id (three or
four per transfer) measured about 2 % of a transfer's CPU on the loop.
"""

import os
import threading
import time
from uuid import UUID

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62
_RAND_A = (1 << 12) - 1
_RAND_B = (1 << 62) - 1


#: Random bytes per id, and ids per ``os.urandom`` call.
_RANDOM_BYTES = 10
_BLOCK = _RANDOM_BYTES * 256


class _Entropy:
    """Random bytes from the OS, drawn a block at a time. A lock, because ids are also made on
    other threads; a forked child starts a block of its own (``register_at_fork``), so two
    processes never hand out the same bits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._block = b""
        self._offset = 0

    def forget(self) -> None:
        self._lock = threading.Lock()  # a lock held at the fork stays held in the child
        self._block, self._offset = b"", 0

    def take(self) -> int:
        with self._lock:
            offset = self._offset
            if offset >= len(self._block):
                self._block, offset = os.urandom(_BLOCK), 0
            self._offset = offset + _RANDOM_BYTES
            return int.from_bytes(self._block[offset : offset + _RANDOM_BYTES])


_entropy = _Entropy()
os.register_at_fork(after_in_child=_entropy.forget)


def ledger_id() -> UUID:
    """A new UUIDv7: the current Unix time in milliseconds, then random bits."""
    millis = time.time_ns() // 1_000_000
    random = _entropy.take()
    return UUID(
        int=(millis & 0xFFFF_FFFF_FFFF) << 80
        | _VERSION_7
        | ((random >> 62) & _RAND_A) << 64
        | _VARIANT_RFC
        | (random & _RAND_B)
    )
