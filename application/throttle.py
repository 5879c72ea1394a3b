"""Counting attempts against a ``LoginPolicy``, shared by logins, refreshes and API-token
creation: an attempt is counted *before* the work it guards, in the unit of work that holds
its counter (see ``LoginAttemptRepository``), so concurrent attempts cannot all slip past one
check."""

import ipaddress
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from application.errors import TooManyAttempts
from application.ports import LoginAttemptRepository

if TYPE_CHECKING:
    from application.use_cases.authenticate import LoginPolicy


def address_key(address: str | None, prefix: str = "addr") -> str | None:
    """Whom an address counter counts: one IPv4 address, or one IPv6 /64 (the block a single
    customer usually gets, so walking through its addresses gains nothing). Text that is not an
    IP address (no TCP peer, a test client) has no address counter."""
    try:
        ip = ipaddress.ip_address((address or "").partition("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"{prefix}:{ip.ipv4_mapped}"
        return f"{prefix}:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"{prefix}:{ip}"


async def count(
    attempts: LoginAttemptRepository, policy: "LoginPolicy", key: str, free: int, now: datetime
) -> None:
    """Count one attempt on ``key``, or refuse it with ``TooManyAttempts`` (the caller leaves
    its unit of work uncommitted then: not counted)."""
    failures = await attempts.hold(key)
    wait = policy.retry_after(failures, now, free)
    if wait:
        raise TooManyAttempts(wait)
    await attempts.save(key, policy.counted(failures, now))


async def uncount(attempts: LoginAttemptRepository, key: str) -> None:
    """Take one attempt off ``key``: a success is no failure."""
    failures = await attempts.hold(key)
    if failures is None or failures.count <= 1:
        await attempts.clear(key)
    else:
        await attempts.save(key, replace(failures, count=failures.count - 1))
