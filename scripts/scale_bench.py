"""What one PostgreSQL primary sustains behind one process, two workers, two processes ("two
machines" sharing the database, load split between them) and one process through PgBouncer:
the figures of docs/scaling.md.

    INVENTORY_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m scripts.scale_bench [--seconds 10] [--connections 32]

It reuses the benchmark harness (``benchmarks/harness``: the store, its users and 10,000 items
imported through the CLI, the wrk scenarios), but starts the servers itself and unpinned, so
that a second worker or process can use the second core: on a 2-core machine that core is
shared with wrk (pinned to core 1 by the harness) and with PostgreSQL, and the table says how
much CPU each of them took. Needs wrk, and pgbouncer for the last topology (skipped without).
"""

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import wrk
from benchmarks.harness.client import item_ids, token_for
from benchmarks.harness.processes import ROOT, VENV_BIN, compile_bytecode, free_port, http_status
from benchmarks.harness.store import Store, create_store, drop_postgres_database, import_csv

SCENARIOS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("GET item", "get_item.lua", {}),
    ("list of 20", "get_path.lua", {"BENCH_PATH": "/api/v1/items?limit=20"}),
    ("movement", "movements.lua", {}),
)
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Topology:
    name: str
    #: One entry per ``inventory serve`` process: its ``--workers``.
    processes: tuple[int, ...]
    pgbouncer: bool = False
    #: ``INVENTORY_DB_TRANSACTION_POOLING=true`` without a pooler: the cost of unnamed statements
    #: alone.
    unnamed_statements: bool = False


TOPOLOGIES = (
    Topology("one process, 1 worker", (1,)),
    Topology("one process, 2 workers", (2,)),
    Topology("two processes (two 'machines'), 1 worker each", (1, 1)),
    Topology("one process, 1 worker, statement caches off", (1,), unnamed_statements=True),
    Topology("one process, 1 worker, through PgBouncer", (1,), pgbouncer=True),
)


@contextmanager
def server(
    command: list[str], port: int, env: dict[str, str], log: Path, ready: str = "/health/ready"
) -> Iterator[int]:
    """A server process, once ``ready`` answers 200; yields its pid."""
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT
        )
    try:
        deadline = time.monotonic() + 60
        while http_status(f"http://127.0.0.1:{port}{ready}", 1.0) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(one for child in children for one in _tree(int(child)))]


def _cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _database_backends(database: str) -> list[int]:
    """PostgreSQL's backends serving ``database`` (their process title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if (
                entry.name.isdigit()
                and (entry / "comm").read_text().strip() == "postgres"
                and f" {database} " in (entry / "cmdline").read_text().replace("\0", " ")
            ):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class BackendMeter:
    """CPU of PostgreSQL's backends for one database during a run. Sampled four times a
    second: a pooled connection that closes mid-run (pool overflow) keeps what it used until
    its last sample; one opened mid-run counts from zero."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, first: bool) -> None:
        for pid in _database_backends(self.database):
            used = _cpu(pid)
            if used:
                self._last[pid] = used
                self._first.setdefault(pid, used if first else 0.0)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample(first=False)

    def __enter__(self) -> "BackendMeter":
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(first=False)

    @property
    def seconds(self) -> float:
        return sum(self._last[pid] - self._first[pid] for pid in self._last)


@dataclass
class Watch:
    """Where the CPU of a run went: the service's processes, PostgreSQL's backends of the
    store's database (``BackendMeter``), PgBouncer, wrk (the script's reaped children) and
    the machine as a whole."""

    servers: list[int]
    database: str
    pgbouncer: int | None = None

    def sample(self) -> dict[str, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "service": sum(_cpu(pid) for root in self.servers for pid in _tree(root)),
            "pgbouncer": _cpu(self.pgbouncer) if self.pgbouncer else 0.0,
            "wrk": children.ru_utime + children.ru_stime,
            "machine": _machine_busy(),
        }


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy so far (every process, ours or not)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / TICKS


def others(cores: dict[str, float]) -> float:
    """Cores taken by everything else on the machine meanwhile: the noise of a shared box."""
    ours = cores["service"] + cores["postgres"] + cores["pgbouncer"] + cores["wrk"]
    return max(0.0, cores["machine"] - ours)


def load(
    scenario: tuple[str, str, dict[str, str]],
    ports: list[int],
    env: dict[str, str],
    args: argparse.Namespace,
    watch: Watch,
) -> tuple[float, float, int, dict[str, float]]:
    """rps (summed over the ports), worst p99 ms, failures, and cores used per program."""
    _name, script, extra = scenario
    share = max(1, args.connections // len(ports))
    with BackendMeter(watch.database) as meter:
        before, started = watch.sample(), time.monotonic()
        running = [
            wrk.start(
                script,
                f"http://127.0.0.1:{port}",
                seconds=args.seconds,
                connections=share,
                env={**env, **extra},
            )
            for port in ports
        ]
        results = [wrk.finish(process) for process in running]
        wall = time.monotonic() - started
        after = watch.sample()
    cores = {name: (after[name] - before[name]) / wall for name in after}
    cores["postgres"] = meter.seconds / wall
    rps = sum(result.rps for result in results)
    p99 = max(result.p99_ms for result in results)
    failures = sum(result.errors + result.non_2xx for result in results)
    return rps, p99, failures, cores


def serve_command(port: int, workers: int) -> list[str]:
    host = ["--host", "127.0.0.1", "--port", str(port)]
    return [str(VENV_BIN / "inventory"), "serve", *host, "--workers", str(workers)]


def measure(topology: Topology, store: Store, workdir: Path, args: argparse.Namespace) -> list[str]:
    lines = []
    with ExitStack() as stack:
        env = dict(store.env)
        pgbouncer = None
        if topology.pgbouncer:
            from tests.pgbouncer import running_pgbouncer

            place = workdir / "pgbouncer"
            pooled = stack.enter_context(
                running_pgbouncer(store.database_url, place, server_connections=10)
            )
            pgbouncer = _process_of("pgbouncer", str(place))
            env |= {
                "INVENTORY_DATABASE_URL": pooled,
                "INVENTORY_DB_TRANSACTION_POOLING": "true",
                "INVENTORY_EVENT_FANOUT_URL": store.database_url,
            }
        if topology.unnamed_statements:
            env |= {
                "INVENTORY_DB_TRANSACTION_POOLING": "true",
                "INVENTORY_EVENT_FANOUT_URL": store.database_url,
            }
        ports, pids = [], []
        for index, workers in enumerate(topology.processes):
            port = free_port()
            log = workdir / f"server-{port}-{index}.log"
            pids.append(stack.enter_context(server(serve_command(port, workers), port, env, log)))
            ports.append(port)
        base = f"http://127.0.0.1:{ports[0]}"
        token = token_for(base, "clerk")
        ids = workdir / "ids.txt"
        if not ids.exists():
            ids.write_text("\n".join(item_ids(base, token, args.items)))
        bench_env = {"BENCH_TOKEN": token, "BENCH_IDS": str(ids)}
        database = store.database_url.rpartition("/")[2]
        watch = Watch(pids, database, pgbouncer)
        for scenario in SCENARIOS:
            rps, p99, failures, cores = load(scenario, ports, bench_env, args, watch)
            lines.append(
                f"| {topology.name} | {scenario[0]} | {rps:,.0f} | {p99:.0f} ms | {failures} |"
                f" {cores['service']:.2f} | {cores['postgres']:.2f} | {cores['pgbouncer']:.2f} |"
                f" {cores['wrk']:.2f} | {others(cores):.2f} | {_per(cores['service'], rps)} |"
                f" {_per(cores['postgres'], rps)} | {_per(cores['pgbouncer'], rps)} |"
            )
            print(lines[-1], flush=True)
    return lines


def _per(cores: float, rps: float) -> str:
    """CPU microseconds per request."""
    return f"{cores / rps * 1e6:,.0f}" if rps else "-"


def _process_of(command: str, argument: str) -> int | None:
    for entry in Path("/proc").iterdir():
        try:
            if (
                entry.name.isdigit()
                and (entry / "comm").read_text().strip() == command
                and argument in (entry / "cmdline").read_text()
            ):
                return int(entry.name)
        except OSError:
            continue
    return None


def baseline(workdir: Path, args: argparse.Namespace) -> str:
    port = free_port()
    command = [
        str(VENV_BIN / "uvicorn"), "benchmarks.baseline_app:app", "--host", "127.0.0.1",
        "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    log = workdir / "baseline.log"
    with server(command, port, dict(os.environ), log, ready="/baseline") as pid:
        scenario = ("bare FastAPI route", "get_path.lua", {"BENCH_PATH": "/baseline"})
        rps, p99, failures, cores = load(scenario, [port], {}, args, Watch([pid], "-"))
    return (
        f"| baseline, 1 process | bare route | {rps:,.0f} | {p99:.0f} ms | {failures} |"
        f" {cores['service']:.2f} | - | - | {cores['wrk']:.2f} | {others(cores):.2f} |"
        f" {_per(cores['service'], rps)} | - | - |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1, help="every topology again, in turn")
    args = parser.parse_args()
    postgres = os.environ["INVENTORY_BENCH_POSTGRES_URL"]
    wrk.wrk_binary()
    compile_bytecode()
    topologies = [t for t in TOPOLOGIES if not t.pgbouncer or _has_pgbouncer()]
    print("| topology | scenario | req/s | p99 | failed | service cores | PostgreSQL cores"
          " | PgBouncer cores | wrk cores | other cores | service µs/req | PostgreSQL µs/req"
          " | PgBouncer µs/req |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="inventory-scale-") as tmp:
        workdir = Path(tmp)
        print(baseline(workdir, args), flush=True)
        store = create_store("scale", workdir, postgres)
        try:
            import_csv(store, args.items)
            for _round in range(args.rounds):
                for topology in topologies:
                    measure(topology, store, workdir, args)
        finally:
            if store.dropper:
                drop_postgres_database(postgres, store.dropper)


def _has_pgbouncer() -> bool:
    return bool(shutil.which("pgbouncer") or os.access("/usr/sbin/pgbouncer", os.X_OK))


if __name__ == "__main__":
    main()
