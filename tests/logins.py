"""Logging in from the tests: the command, fake hashers, and bursts of concurrent attempts.

``GatedHasher`` holds every password check until the test opens its gate, so a burst's attempts
have all been counted (or refused) before any check ends: the worst case for throttling,
reached without relying on timing.
"""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Sequence
from hashlib import sha256

from application.commands import LoginCommand
from application.errors import AuthenticationFailed, TooManyAttempts
from application.ports import AccessToken
from entrypoints.container import Container

#: Every wait below is for something that must happen; this only bounds a failure.
SETTLE_SECONDS = 60.0


async def log_in(
    container: Container, username: str, password: str, *, address: str | None = None
) -> AccessToken:
    command = LoginCommand(username=username, password=password, client_address=address)
    return await container.authenticate().execute(command)


class CountingHasher:
    """A fast, honest PasswordHasher that remembers how often it was asked to do work."""

    def __init__(self) -> None:
        self.hashed = 0
        self.verified: list[str | None] = []

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return "fake$" + sha256(password.encode()).hexdigest()

    async def verify(self, password: str, hashed: str | None) -> bool:
        self.verified.append(hashed)
        return hashed is not None and hashed == "fake$" + sha256(password.encode()).hexdigest()

    def needs_rehash(self, hashed: str) -> bool:
        return False


class GatedHasher(CountingHasher):
    """A ``CountingHasher`` whose checks wait until ``gate`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = 0
        #: Set whenever one more check starts waiting.
        self.arrived = asyncio.Event()

    async def verify(self, password: str, hashed: str | None) -> bool:
        self.waiting += 1
        self.arrived.set()
        await self.gate.wait()
        return await super().verify(password, hashed)


def start(logins: Sequence[Awaitable[AccessToken]]) -> list["asyncio.Task[AccessToken]"]:
    return [asyncio.ensure_future(login) for login in logins]


async def settle(tasks: Sequence["asyncio.Task[AccessToken]"], hasher: GatedHasher) -> None:
    """Until every attempt has either ended (refused) or reached its password check."""
    async with asyncio.timeout(SETTLE_SECONDS):
        while True:
            hasher.arrived.clear()
            pending = [task for task in tasks if not task.done()]
            if len(tasks) - len(pending) + hasher.waiting >= len(tasks):
                return
            arrival = asyncio.ensure_future(hasher.arrived.wait())
            await asyncio.wait([*pending, arrival], return_when=asyncio.FIRST_COMPLETED)
            arrival.cancel()


def outcome(result: object) -> str:
    """``token``, ``401`` or ``429``; anything else is a failure of the test."""
    if isinstance(result, AccessToken):
        return "token"
    if isinstance(result, AuthenticationFailed):
        return "401"
    if isinstance(result, TooManyAttempts):
        assert result.retry_after_seconds >= 1
        return "429"
    raise AssertionError(f"unexpected outcome: {result!r}")


async def outcomes(tasks: Sequence["asyncio.Task[AccessToken]"]) -> Counter[str]:
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return Counter(outcome(result) for result in results)
