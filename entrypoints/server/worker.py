"""The app as ``inventory serve`` runs it: uvicorn calls ``create_served_app`` in each process.

Two things belong to a server process and not to the app (tests build apps in their own process
and must not get them), so they are added here, after the app's own start-up:

* **Process tuning** (issue 11): the cyclic garbage collector is told to ignore everything loaded
  at start-up and to collect young objects less often, and the GIL is handed over more often.
* **Outliving the supervisor** (issue 12, item 3): with ``--workers N`` (and ``--reload``)
  uvicorn's supervisor spawns the workers. If it is killed with SIGKILL it cannot stop them; they
  are re-parented and keep serving on the inherited socket, so a restarted service fails with
  "Address already in use". Each worker therefore watches its supervisor and, when it is gone,
  shuts itself down exactly as on the supervisor's SIGTERM: it stops accepting at once (freeing
  the port), lets in-flight requests finish, and runs the app's shutdown.

Why a watch on ``os.getppid()`` rather than Linux's ``prctl(PR_SET_PDEATHSIG)``: the death signal
is sent when the *thread* that created the child exits, not the process, so it also fires when a
supervisor spawns from a helper thread that then ends (uvicorn's spawns from its main thread
today; nothing promises it); it is Linux-only; and a supervisor killed between the spawn and the
``prctl`` call is missed unless the parent is checked anyway. The parent process id, by contrast,
changes exactly when the parent process dies (the orphan is adopted by init or a subreaper), on
every POSIX system, whichever thread spawned it. Checking it twice a second costs one system call
per half second, and the first check runs at start-up, so no death goes unnoticed.
"""

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from entrypoints.rest.app import create_app

logger = logging.getLogger("inventory")

GIL_SWITCH_INTERVAL = 0.0005
#: Allocations between two young-generation collections (Python's default: 700).
GC_YOUNG_THRESHOLD = 10_000
SUPERVISOR_CHECK_SECONDS = 0.5


def create_served_app() -> FastAPI:
    """The app, with the server process's tuning and supervisor watch after its start-up."""
    app = create_app()
    app_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def served(application: Any) -> AsyncIterator[Any]:
        async with app_lifespan(application) as state:
            tune_for_serving()
            watch = watch_supervisor()
            try:
                yield state
            finally:
                if watch is not None:
                    watch.cancel()

    app.router.lifespan_context = served
    return app


def tune_for_serving() -> None:
    """Once per server process, when the app has started."""
    # Everything loaded so far (modules, routes, schemas, the container) lives as long as the
    # process: out of the cyclic collector's sight, its full collections stop walking it again
    # and again while requests wait (they stretched the slowest 1 % of responses).
    gc.freeze()
    # A request allocates a few hundred container objects, almost all freed by their reference
    # counts; collecting the young generation every 700 allocations, and the older ones every
    # 10 and 100 of those, cost a transfer ≈8 % of its CPU in process (≈25 µs), for cycles that
    # are few and small. Every 10,000 it is under 1 %, and what waits for a collection is a few
    # megabytes at most.
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    # SQLite's BEGIN IMMEDIATE and COMMIT run on aiosqlite's thread; while the loop is busy that
    # thread waited up to the default 5 ms switch interval for the GIL, twice per write, which
    # capped stock movements near 100/s with the CPU half idle.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def watch_supervisor() -> "asyncio.Task[None] | None":
    """In a worker spawned by uvicorn's supervisor, a task that shuts the worker down when the
    supervisor dies; ``None`` in a process that has no supervisor (a single ``inventory serve``
    must not stop because the shell that started it went away)."""
    supervisor = multiprocessing.parent_process()
    if supervisor is None or supervisor.pid is None:
        return None
    return asyncio.create_task(_stop_when_orphaned(supervisor.pid))


async def _stop_when_orphaned(supervisor: int) -> None:
    # Polling is the point: no event tells a process that its parent died.
    while os.getppid() == supervisor:  # noqa: ASYNC110
        await asyncio.sleep(SUPERVISOR_CHECK_SECONDS)
    logger.warning("the supervisor (process %d) is gone: shutting this worker down", supervisor)
    # uvicorn's own SIGTERM handling: stop accepting, finish in-flight requests, shut down.
    signal.raise_signal(signal.SIGTERM)
