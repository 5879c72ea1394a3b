"""Ids of ledger records (stock movements, transfers, audit entries): UUIDv7 (RFC 9562).

A random UUIDv4 lands anywhere in an index on the id, so every new ledger row dirtied a leaf
page of its own in each such index (and the database wrote that page out at the next
commit). A UUIDv7 starts with the time in milliseconds, so rows written together sit together
at the end of the index, and a transaction of many rows touches a few pages. The remaining 74
bits are random, as unguessable as an id needs to be (these ids are not secrets), and the
creation time they reveal is in the record already.
"""

import os
import time
from uuid import UUID

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62
_RAND_A = (1 << 12) - 1
_RAND_B = (1 << 62) - 1


def ledger_id() -> UUID:
    """A new UUIDv7: the current Unix time in milliseconds, then random bits."""
    millis = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10))
    return UUID(
        int=(millis & 0xFFFF_FFFF_FFFF) << 80
        | _VERSION_7
        | ((random >> 62) & _RAND_A) << 64
        | _VARIANT_RFC
        | (random & _RAND_B)
    )
