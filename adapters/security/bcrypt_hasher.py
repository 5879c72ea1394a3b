import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import bcrypt

from domain.users import PASSWORD_MAX_BYTES

T = TypeVar("T")
#: Nice value of the hashing threads: the event loop thread keeps priority over them.
HASHING_NICENESS = 10


def _lower_priority() -> None:
    """Runs in each hashing thread: on Linux the nice value is per thread, so a login storm
    cannot starve the event loop (health checks, reads) of its core."""
    with contextlib.suppress(AttributeError, OSError):  # elsewhere hashing simply runs as is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


class BcryptPasswordHasher:
    """bcrypt, called directly (passlib is unmaintained and breaks with bcrypt 5).

    Hashing takes about a quarter of a second at cost 12, so it runs in worker threads of its
    own (one per core, at a lower priority) and never blocks the event loop: more concurrent
    logins queue instead of taking every core away from the requests being served.
    A password over 72 UTF-8 bytes is never handed to bcrypt (bcrypt 5
    raises for it): it simply does not match.
    """

    def __init__(self, rounds: int = 12) -> None:
        if not 4 <= rounds <= 31:
            raise ValueError("bcrypt rounds must be between 4 and 31")
        self.rounds = rounds
        self._dummy: bytes | None = None
        self._executor = ThreadPoolExecutor(
            max_workers=os.cpu_count() or 1,
            thread_name_prefix="bcrypt",
            initializer=_lower_priority,
        )

    async def _in_thread(self, function: Callable[..., T], *args: bytes) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def hash(self, password: str) -> str:
        secret = self._encode(password)
        if secret is None:
            raise ValueError(f"passwords are limited to {PASSWORD_MAX_BYTES} bytes")
        hashed = await self._in_thread(bcrypt.hashpw, secret, bcrypt.gensalt(self.rounds))
        return hashed.decode("ascii")

    async def verify(self, password: str, hashed: str | None) -> bool:
        secret = self._encode(password)
        if hashed is None:
            # No such user: spend the same time as a real check, then fail.
            await self._in_thread(bcrypt.checkpw, secret or b"-", await self._dummy_hash())
            return False
        if secret is None:
            return False
        return await self._in_thread(self._check, secret, hashed.encode("ascii", "replace"))

    def needs_rehash(self, hashed: str) -> bool:
        try:
            return int(hashed.split("$")[2]) < self.rounds
        except (IndexError, ValueError):
            return True

    async def warm_up(self) -> None:
        """Compute the dummy hash ahead of time so the first unknown-user login is not faster."""
        await self._dummy_hash()

    async def _dummy_hash(self) -> bytes:
        if self._dummy is None:
            self._dummy = await self._in_thread(
                bcrypt.hashpw, b"not a real password", bcrypt.gensalt(self.rounds)
            )
        return self._dummy

    @staticmethod
    def _encode(password: str) -> bytes | None:
        secret = password.encode("utf-8", "surrogatepass")
        return secret if len(secret) <= PASSWORD_MAX_BYTES else None

    @staticmethod
    def _check(secret: bytes, hashed: bytes) -> bool:
        try:
            return bcrypt.checkpw(secret, hashed)
        except ValueError:  # a malformed stored hash never matches
            return False
