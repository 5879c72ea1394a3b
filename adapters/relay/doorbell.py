"""A doorbell: ``ring`` from anywhere on the loop, ``wait`` returns when rung or after a timeout."""

import asyncio
import contextlib


class AsyncDoorbell:
    """Rings are not counted: many rings before a ``wait`` make it return once (the waiter then
    reads everything new anyway)."""

    def __init__(self) -> None:
        self._rung: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _event(self) -> asyncio.Event:
        # One per event loop: an asyncio.Event belongs to the loop that first waited on it, and
        # a container may be started again on another loop (tests, a CLI command after another).
        loop = asyncio.get_running_loop()
        if self._rung is None or self._loop is not loop:
            self._rung, self._loop = asyncio.Event(), loop
        return self._rung

    def ring(self) -> None:
        self._event().set()

    async def wait(self, seconds: float) -> None:
        rung = self._event()
        # ``asyncio.timeout``, not ``wait_for``: on Python 3.11 ``wait_for`` can swallow a
        # cancellation that arrives as it times out, and the relay would never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await rung.wait()
        rung.clear()
