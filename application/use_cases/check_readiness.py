import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from application.ports import QuerySession

#: An extra readiness check (a schema check, a cache ping...): raises when not ready.
Probe = Callable[[], Awaitable[object]]
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    checks: Mapping[str, str]
    """Each check's name and ``"ok"`` or ``"failed"`` (never the error: it may hold secrets)."""


class CheckReadiness:
    """Can this process serve requests? It reads from the store and runs any extra probes the
    composition root adds, so a load balancer stops sending traffic to a worker whose database
    went away instead of letting its requests fail."""

    def __init__(self, queries: QuerySession, probes: Mapping[str, Probe] | None = None) -> None:
        self.queries = queries
        self.probes = dict(probes or {})

    async def execute(self) -> Readiness:
        checks = {"store": await self._run("store", self._read_store)}
        for name, probe in self.probes.items():
            checks[name] = await self._run(name, probe)
        return Readiness(ready=all(v == "ok" for v in checks.values()), checks=checks)

    async def _read_store(self) -> None:
        async with self.queries as session:
            await session.users.count()

    @staticmethod
    async def _run(name: str, probe: Probe) -> str:
        try:
            await probe()
        except Exception:
            logger.exception("readiness check %s failed", name)
            return "failed"
        return "ok"
