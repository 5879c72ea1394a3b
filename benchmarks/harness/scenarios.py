"""The scenarios of issues 6, 11 and 14, each measured against the baseline of the same run."""

import csv
import json
import os
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harness import api_tokens, relay_lag, wrk
from benchmarks.harness.client import item_ids, token_for
from benchmarks.harness.inprocess import BUDGET_US, profile_get_item
from benchmarks.harness.processes import VENV_BIN, Server, free_port, rss_mb, serve
from benchmarks.harness.report import Report, Row
from benchmarks.harness.store import PASSWORD, Store, create_store, import_csv, ledger_mismatches
from benchmarks.harness.targets import Targets, for_engine

LIST = "/api/v1/items?limit=20"
SEARCH = "/api/v1/items?limit=20&q=gear"
SORTED = "/api/v1/items?limit=20&sort=-updated_at"
#: Concurrent logins of the storm (issue 6: "8 clients log in continuously").
STORM_CLIENTS = 8


@dataclass(frozen=True)
class Options:
    seconds: float = 10
    connections: int = 32
    items: int = 10_000
    small: int = 1_000
    large: int = 100_000
    #: GET item requests per round of the in-process profile (five rounds, the best counts).
    profile_requests: int = 2_000
    #: Ledger rows of the one item whose stock ``as_of`` is measured (issue 18).
    history: int = 1_000_000
    #: Movements per round and variant of the outbox's cost (issue 16).
    outbox_movements: int = 300


@dataclass
class Bench:
    """One run: where it works, what it measured so far, the stores to clean up."""

    options: Options
    workdir: Path
    postgres_url: str | None
    report: Report
    baseline_rps: float = 0.0
    stores: list[Store] = field(default_factory=list)

    @property
    def targets(self) -> Targets:
        return for_engine(self.postgres_url is not None)

    def store(self, name: str) -> Store:
        created = create_store(name, self.workdir, self.postgres_url)
        self.stores.append(created)
        return created

    def load(self, scenario: str, script: str, url: str, env: dict[str, str]) -> Row:
        seconds, connections = self.options.seconds, self.options.connections
        result = wrk.run(script, url, seconds=seconds, connections=connections, env=env)
        return self.report.add(Row.of(scenario, result, self.baseline_rps))


def serve_command(port: int) -> list[str]:
    """Exactly what an operator runs: ``inventory serve`` with one worker."""
    port_args = ["--host", "127.0.0.1", "--port", str(port)]
    return [str(VENV_BIN / "inventory"), "serve", *port_args, "--workers", "1"]


def baseline_command(port: int) -> list[str]:
    """The baseline under the same server and options (uvloop, httptools, no access log)."""
    app = "benchmarks.baseline_app:app"
    port_args = ["--host", "127.0.0.1", "--port", str(port)]
    return [str(VENV_BIN / "uvicorn"), app, *port_args, "--no-access-log", "--log-level", "warning"]


def serve_store(bench: Bench, store: Store) -> AbstractContextManager[Server]:
    port = free_port()
    log = bench.workdir / f"{store.name}.log"
    return serve(serve_command(port), port=port, env=store.env, ready_path="/health/ready", log=log)


def measure_baseline(bench: Bench) -> None:
    port = free_port()
    env = dict(os.environ)
    log = bench.workdir / "baseline.log"
    with serve(baseline_command(port), port=port, env=env, ready_path="/baseline", log=log) as srv:
        scenario = "baseline: bare FastAPI route"
        row = bench.load(scenario, "get_path.lua", srv.base_url, {"BENCH_PATH": "/baseline"})
    row.ratio = 1.0
    bench.baseline_rps = row.rps or 0.0


#: The plain movement row: other write scenarios are reported against it too.
MOVEMENTS = "POST /api/v1/items/{id}/movements (+1/-1)"
#: A scenario of another issue's harness, run on the main store after its writes (the bench,
#: the server's URL, the clerk's wrk environment).
ExtraScenario = Callable[[Bench, str, dict[str, str]], object]


def measure_main_store(bench: Bench, extra: Sequence[ExtraScenario] = ()) -> None:
    """Everything measured against the main store: reads, lists, writes (then the ``extra``
    scenarios), the login storm, then the in-process profile of a GET item."""
    main = bench.store("main")
    import_csv(main, bench.options.items)
    with serve_store(bench, main) as server:
        ready = server.ready_seconds
        bench.report.add(Row("time from `inventory serve` to ready", value=f"{ready:.2f} s"))
        bench.report.rows[-1].expect("< 2 s", ready < 2)
        _health(bench, server.base_url)
        token = token_for(server.base_url, "clerk")
        ids_file = bench.workdir / "ids.txt"
        ids_file.write_text("\n".join(item_ids(server.base_url, token, bench.options.items)))
        env = {"BENCH_TOKEN": token, "BENCH_IDS": str(ids_file)}
        _reads(bench, server.base_url, env)
        _writes(bench, main, server.base_url, env)
        measure_transfers(bench, main, server.base_url, env)
        for measure in extra:
            measure(bench, server.base_url, env)
        _login_storm(bench, server.base_url)
        rss = rss_mb(server.pid)
        bench.report.add(Row("worker RSS after the run", value=f"{rss} MB"))
        bench.report.rows[-1].expect("< 150 MB", rss is not None and rss < 150)
    bad = ledger_mismatches(main)
    bench.report.add(Row("ledger sum == quantity after the run", value=f"{bad} mismatches"))
    bench.report.rows[-1].expect("0", bad == 0)
    measure_profile(bench, main)


def measure_profile(
    bench: Bench, store: Store, *, top: int = 0, kind: str = "item", sort: str = "tottime"
) -> str:
    """The profile mode's row; returns cProfile's listing when ``top`` asks for one. Only the
    GET item has a budget (issue 11); the other kinds are there to find where time goes."""
    profile = profile_get_item(
        store, requests=bench.options.profile_requests, rounds=5, top=top, kind=kind, sort=sort
    )
    what = {
        "item": "GET item",
        "list": "GET list of 20",
        "movement": "movement",
        "transfer": "transfer",
    }[kind]
    row = Row(
        f"in-process CPU per {what} (profile mode)",
        value=f"{profile.best_us:.0f} µs (median of 5 rounds {profile.median_us:.0f} µs)",
    )
    bench.report.add(row)
    if kind == "item":
        row.expect(f"≤ {BUDGET_US} µs", profile.best_us <= BUDGET_US)
    return profile.top


def _health(bench: Bench, url: str) -> None:
    """A route that does nothing, through the whole middleware stack (no token needed)."""
    target = bench.targets.health_live
    row = bench.load(
        "/health/live through the full stack", "get_path.lua", url, {"BENCH_PATH": "/health/live"}
    )
    row.expect(f"ratio ≥ {target:.2f}", _at_least(row.ratio, target))


def _reads(bench: Bench, url: str, env: dict[str, str]) -> None:
    targets = bench.targets
    row = _get_item_with_jwt_and_api_token(bench, url, env)
    p99 = targets.get_item_p99_ms
    row.expect(
        f"ratio ≥ {targets.get_item:.2f}" + (f", p99 ≤ {p99:g} ms" if p99 else ""),
        _at_least(row.ratio, targets.get_item) and (p99 is None or _at_most(row.p99_ms, p99)),
    )
    plain = bench.load(
        "GET /api/v1/items?limit=20", "get_path.lua", url, {**env, "BENCH_PATH": LIST}
    )
    plain.expect(f"ratio ≥ {targets.list_page:.2f}", _at_least(plain.ratio, targets.list_page))
    for label, path in (("q= search", SEARCH), ("sort=-updated_at", SORTED)):
        row = bench.load(
            f"GET /api/v1/items?limit=20 {label}", "get_path.lua", url, {**env, "BENCH_PATH": path}
        )
        row.expect("within 1.5x of the plain list", _within(row, plain, 1.5))


def _get_item_with_jwt_and_api_token(bench: Bench, url: str, env: dict[str, str]) -> Row:
    """The JWT GET item, then the same with an API token (issue 17); the JWT row."""
    row = bench.load("GET /api/v1/items/{id} (authenticated)", "get_item.lua", url, env)
    api = {**env, "BENCH_TOKEN": api_tokens.api_token_for(url, env["BENCH_TOKEN"])}
    api_tokens.expect_like_jwt(bench.load(api_tokens.SCENARIO, "get_item.lua", url, api), row)
    return row


def measure_api_token(bench: Bench) -> None:
    """Only the GET item with a JWT and with an API token (``--api-token``)."""
    store = bench.store("api-token")
    import_csv(store, bench.options.items)
    with serve_store(bench, store) as server:
        token = token_for(server.base_url, "clerk")
        ids_file = bench.workdir / "ids.txt"
        ids_file.write_text("\n".join(item_ids(server.base_url, token, bench.options.items)))
        env = {"BENCH_TOKEN": token, "BENCH_IDS": str(ids_file)}
        _get_item_with_jwt_and_api_token(bench, server.base_url, env)


def _writes(bench: Bench, store: Store, url: str, env: dict[str, str]) -> None:
    targets = bench.targets
    row = bench.load(MOVEMENTS, "movements.lua", url, env)
    lag = relay_lag.lag_seconds(store, ended=time.perf_counter())
    ratio, p99 = targets.movement, targets.movement_p99_ms
    row.expect(
        f"ratio ≥ {ratio:.2f}, p99 ≤ {p99:g} ms",
        _at_least(row.ratio, ratio) and _at_most(row.p99_ms, p99),
    )
    bench.report.add(relay_lag.row("the movements", lag))
    keyed = bench.load(
        "POST …/movements with an Idempotency-Key (a new key each)",
        "movements_keyed.lua",
        url,
        env,
    )
    target = targets.keyed_movement
    keyed.expect(f"ratio ≥ {target:.2f}", _at_least(keyed.ratio, target))
    bench.load("90/10 read/write mix", "mix.lua", url, env)


def measure_transfers(bench: Bench, store: Store, url: str, env: dict[str, str]) -> None:
    """Issue 14: ``POST /transfers`` of one unit between the default location and another,
    there and back, on random items of the store."""
    made = json.loads(
        store.inventory("--json", "locations", "add", "BENCH-B", "--name", "Bench shelf")
    )
    main = json.loads(store.inventory("--json", "locations", "list", "--search", "main"))
    (default,) = [loc for loc in main["items"] if loc["code"] == "MAIN"]
    _stock_second_location(bench, store, "BENCH-B")
    moves = {**env, "BENCH_FROM": default["id"], "BENCH_TO": made["id"]}
    row = bench.load("POST /api/v1/transfers (1 unit there and back)", "transfers.lua", url, moves)
    target = bench.targets.transfer
    row.expect(f"ratio ≥ {target:.2f}", _at_least(row.ratio, target))


def _stock_second_location(bench: Bench, store: Store, code: str) -> None:
    """Every item gets units at ``code`` too (an export with a location column, imported
    back), so transfers either way never run short, whichever connection sends them first."""
    exported = bench.workdir / f"{store.name}-items.csv"
    store.inventory("items", "export", str(exported))
    with exported.open(newline="") as source:
        rows = list(csv.reader(source))
    header, body = rows[0], rows[1:]
    quantity = header.index("quantity")
    stocked = bench.workdir / f"{store.name}-at-{code}.csv"
    with stocked.open("w", newline="") as target:
        writer = csv.writer(target)
        writer.writerow([*header, "location"])
        writer.writerows([*row[:quantity], "1000", *row[quantity + 1 :], code] for row in body)
    store.inventory("items", "import", str(stocked))


def measure_transfers_only(bench: Bench, extra: Sequence[ExtraScenario] = ()) -> None:
    """The transfer scenario on its own (``--only transfers``), on a store of its own; with
    ``extra`` (``--only writes``) the movement rows first and those scenarios after."""
    store = bench.store("transfers")
    import_csv(store, bench.options.items)
    with serve_store(bench, store) as server:
        token = token_for(server.base_url, "clerk")
        ids_file = bench.workdir / "ids.txt"
        ids_file.write_text("\n".join(item_ids(server.base_url, token, bench.options.items)))
        env = {"BENCH_TOKEN": token, "BENCH_IDS": str(ids_file)}
        if extra:
            _writes(bench, store, server.base_url, env)
        measure_transfers(bench, store, server.base_url, env)
        for measure in extra:
            measure(bench, server.base_url, env)
    bad = ledger_mismatches(store)
    bench.report.add(Row("ledger sum == quantity after the run", value=f"{bad} mismatches"))
    bench.report.rows[-1].expect("0", bad == 0)


def _login_storm(bench: Bench, url: str) -> None:
    """``/health/live`` while clients log in continuously: bcrypt must not block the loop."""
    seconds = bench.options.seconds
    storm = wrk.start(
        "login.lua",
        url,
        seconds=seconds,
        connections=STORM_CLIENTS,
        threads=1,
        env={"BENCH_USERNAME": "viewer", "BENCH_PASSWORD": PASSWORD},
    )
    time.sleep(min(0.5, seconds / 4))
    health = wrk.run(
        "get_path.lua",
        url,
        seconds=max(1.0, seconds - 1),
        connections=4,
        threads=1,
        env={"BENCH_PATH": "/health/live"},
    )
    logins = wrk.finish(storm)
    row = bench.report.add(
        Row.of(f"/health/live during a login storm ({STORM_CLIENTS} clients)", health, None)
    )
    row.value = f"{logins.rps:.1f} logins/s, {logins.non_2xx + logins.errors} refused"
    row.expect("p99 < 50 ms", _at_most(row.p99_ms, 49.999))


def measure_list_scaling(bench: Bench) -> None:
    """The plain list at a small and a large store (indexes must keep it flat), and the time
    the CLI takes to import the large one."""
    rows: list[Row] = []
    for size in (bench.options.small, bench.options.large):
        store = bench.store(f"list{size}")
        seconds = import_csv(store, size)
        if size == bench.options.large:
            row = bench.report.add(
                Row(f"CLI import of {size:,} CSV rows", value=f"{seconds:.1f} s")
            )
            if size >= 100_000:
                row.expect("< 15 s", seconds < 15 or bench.postgres_url is not None)
        with serve_store(bench, store) as server:
            env = {"BENCH_TOKEN": token_for(server.base_url, "viewer"), "BENCH_PATH": LIST}
            rows.append(
                bench.load(
                    f"GET /api/v1/items?limit=20 at {size:,} items",
                    "get_path.lua",
                    server.base_url,
                    env,
                )
            )
    small, large = rows
    large.expect(f"within 1.5x of {bench.options.small:,} items", _within(large, small, 1.5))


def _at_least(value: float | None, bound: float) -> bool:
    return value is not None and value >= bound


def _at_most(value: float | None, bound: float) -> bool:
    return value is not None and value <= bound


def _within(row: Row, reference: Row, factor: float) -> bool:
    """Throughput no worse than ``1/factor`` of the reference (latency within ``factor``)."""
    return row.rps is not None and reference.rps is not None and row.rps * factor >= reference.rps
