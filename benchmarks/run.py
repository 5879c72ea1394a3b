"""The benchmark harness: ``make bench`` (or ``python -m benchmarks.run``).

Every scenario is reported as a ratio against a bare FastAPI route measured in the same run on
the same machine, because absolute numbers on shared 2-core machines are noise.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import wrk
from benchmarks.harness.processes import ROOT, VENV_BIN, cores, free_port, rss_mb, serve
from benchmarks.harness.store import (
    PASSWORD,
    Store,
    create_store,
    drop_postgres_database,
    import_csv,
    ledger_mismatches,
)

RESULTS = ROOT / "benchmarks" / "results"


@dataclass
class Row:
    scenario: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None
    value: str | None = None
    target: str = ""
    ok: bool | None = None
    errors: int = 0


def _post_form(url: str, fields: dict[str, str]) -> dict[str, object]:
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())  # type: ignore[no-any-return]


def _get_json(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())  # type: ignore[no-any-return]


def token_for(base_url: str, username: str) -> str:
    reply = _post_form(base_url + "/api/v1/auth/token", {"username": username, "password": PASSWORD})
    return str(reply["access_token"])


def item_ids(base_url: str, token: str, wanted: int) -> list[str]:
    ids: list[str] = []
    while len(ids) < wanted:
        page = _get_json(f"{base_url}/api/v1/items?limit=100&offset={len(ids)}", token)
        batch = [str(item["id"]) for item in page["items"]]  # type: ignore[index, union-attr]
        if not batch:
            break
        ids.extend(batch)
    return ids


def serve_command(port: int) -> list[str]:
    return [str(VENV_BIN / "inventory"), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1"]


def baseline_command(port: int) -> list[str]:
    # Same server and options as `inventory serve` (uvicorn with uvloop/httptools, no access log).
    return [str(VENV_BIN / "uvicorn"), "benchmarks.baseline_app:app", "--host", "127.0.0.1",
            "--port", str(port), "--no-access-log", "--log-level", "warning"]


def measure(row: str, script: str, url: str, env: dict[str, str], args: argparse.Namespace,
            baseline: float | None) -> Row:
    load = wrk.run(script, url, seconds=args.seconds, connections=args.connections, env=env)
    ratio = round(load.rps / baseline, 3) if baseline else None
    return Row(row, load.rps, load.p50_ms, load.p99_ms, ratio, errors=load.errors)


def run(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    postgres = os.environ.get("INVENTORY_BENCH_POSTGRES_URL") or None
    engine = "postgresql" if postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp:
        workdir = Path(tmp)
        stores: list[Store] = []
        try:
            # -- baseline ---------------------------------------------------------------------
            port = free_port()
            with serve(baseline_command(port), port=port, env=dict(os.environ),
                       ready_path="/baseline", log=workdir / "baseline.log") as server:
                base = wrk.run("get_path.lua", server.base_url, seconds=args.seconds,
                               connections=args.connections, env={"BENCH_PATH": "/baseline"})
            rows.append(Row("baseline: bare FastAPI route", base.rps, base.p50_ms, base.p99_ms, 1.0))
            baseline = base.rps

            # -- the main store: items with movements, users of each role ----------------------
            main = create_store("main", workdir, postgres)
            stores.append(main)
            import_csv(main, args.items)
            port = free_port()
            with serve(serve_command(port), port=port, env=main.env, ready_path="/health/ready",
                       log=workdir / "main.log") as server:
                rows.append(Row("time from `inventory serve` to ready", value=f"{server.ready_seconds:.2f} s",
                                target="< 2 s", ok=server.ready_seconds < 2))
                token = token_for(server.base_url, "clerk")
                ids = item_ids(server.base_url, token, args.items)
                ids_file = workdir / "ids.txt"
                ids_file.write_text("\n".join(ids))
                env = {"BENCH_TOKEN": token, "BENCH_IDS": str(ids_file)}
                url = server.base_url

                get_target = 0.30 if postgres else 0.40
                row = measure("GET /api/v1/items/{id} (authenticated)", "get_item.lua", url, env, args, baseline)
                row.target, row.ok = f"ratio ≥ {get_target:.2f}, p99 ≤ 20 ms", (row.ratio or 0) >= get_target and (row.p99_ms or 1e9) <= 20
                rows.append(row)

                plain = measure("GET /api/v1/items?limit=20", "get_path.lua", url,
                                {**env, "BENCH_PATH": "/api/v1/items?limit=20"}, args, baseline)
                plain.target, plain.ok = "ratio ≥ 0.25", (plain.ratio or 0) >= 0.25
                rows.append(plain)
                for label, path in (("search q=", "/api/v1/items?limit=20&q=gear"),
                                    ("sort=-updated_at", "/api/v1/items?limit=20&sort=-updated_at")):
                    row = measure(f"GET /api/v1/items?limit=20 {label}", "get_path.lua", url,
                                  {**env, "BENCH_PATH": path}, args, baseline)
                    row.target = "p50 within 1.5× of the plain list"
                    row.ok = (row.p50_ms or 1e9) <= 1.5 * (plain.p50_ms or 0) + 0.5
                    rows.append(row)

                row = measure("POST /api/v1/items/{id}/movements (+1/−1)", "movements.lua", url, env, args, baseline)
                row.target, row.ok = "ratio ≥ 0.15, p99 ≤ 50 ms", (row.ratio or 0) >= 0.15 and (row.p99_ms or 1e9) <= 50
                rows.append(row)
                rows.append(measure("90/10 read/write mix", "mix.lua", url, env, args, baseline))

                # /health/live while 8 clients log in continuously (bcrypt must not block the loop).
                storm = wrk.start("login.lua", url, seconds=args.seconds, connections=8, threads=1,
                                  env={"BENCH_USERNAME": "viewer", "BENCH_PASSWORD": PASSWORD})
                time.sleep(0.5)
                health = wrk.run("get_path.lua", url, seconds=max(1, args.seconds - 1), connections=4,
                                 threads=1, env={"BENCH_PATH": "/health/live"})
                logins = wrk.finish(storm)
                rows.append(Row("/health/live during a login storm (8 clients)", health.rps,
                                health.p50_ms, health.p99_ms, target="p99 < 50 ms",
                                ok=health.p99_ms < 50, errors=health.errors,
                                value=f"{logins.rps:.1f} logins/s"))
                rss = rss_mb(server.pid)
                rows.append(Row("worker RSS after the run", value=f"{rss} MB", target="< 150 MB",
                                ok=rss is not None and rss < 150))
            bad = ledger_mismatches(main)
            rows.append(Row("ledger sum == quantity after the run", value=f"{bad} mismatches",
                            target="0", ok=bad == 0))

            # -- list latency at 1,000 vs 100,000 items; import of 100,000 rows -----------------
            lists: dict[int, Row] = {}
            for size in (args.small, args.large):
                store = create_store(f"list{size}", workdir, postgres)
                stores.append(store)
                seconds = import_csv(store, size)
                if size == args.large:
                    rows.append(Row(f"CLI import of {size:,} CSV rows", value=f"{seconds:.1f} s",
                                    target="< 15 s" if size >= 100_000 else "",
                                    ok=seconds < 15 if size >= 100_000 else None))
                port = free_port()
                with serve(serve_command(port), port=port, env=store.env, ready_path="/health/ready",
                           log=workdir / f"list{size}.log") as server:
                    token = token_for(server.base_url, "viewer")
                    lists[size] = measure(f"GET /api/v1/items?limit=20 at {size:,} items", "get_path.lua",
                                          server.base_url, {"BENCH_TOKEN": token,
                                                            "BENCH_PATH": "/api/v1/items?limit=20&sort=-updated_at"},
                                          args, baseline)
            small, large = lists[args.small], lists[args.large]
            large.target = f"p50 within 1.5× of {args.small:,} items"
            large.ok = (large.p50_ms or 1e9) <= 1.5 * (small.p50_ms or 0) + 0.5
            rows.extend([small, large])
        finally:
            for store in stores:
                if store.dropper and postgres:
                    drop_postgres_database(postgres, store.dropper)
    return rows, engine  # type: ignore[return-value]


def versions() -> dict[str, str]:
    out = subprocess.run([str(VENV_BIN / "python"), "-c",  # noqa: S603
                          "import fastapi, uvicorn, sqlalchemy, pydantic; "
                          "print(fastapi.__version__, uvicorn.__version__, sqlalchemy.__version__, pydantic.__version__)"],
                         capture_output=True, text=True, check=True).stdout.split()
    wrk_version = subprocess.run([wrk.wrk_binary(), "-v"], capture_output=True, text=True).stdout.split("\n")[0]  # noqa: S603
    return {"python": platform.python_version(), "fastapi": out[0], "uvicorn": out[1],
            "sqlalchemy": out[2], "pydantic": out[3], "wrk": wrk_version.strip()}


def table(rows: list[Row]) -> str:
    def fmt(value: object) -> str:
        return "" if value is None else str(value)

    lines = ["| scenario | req/s | p50 ms | p99 ms | ratio | value | target | met |",
             "|---|---:|---:|---:|---:|---|---|---|"]
    for row in rows:
        met = "" if row.ok is None else ("yes" if row.ok else "**no**")
        lines.append(f"| {row.scenario} | {fmt(row.rps)} | {fmt(row.p50_ms)} | {fmt(row.p99_ms)} | "
                     f"{fmt(row.ratio)} | {fmt(row.value)} | {row.target} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="duration of each scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--items", type=int, default=10_000, help="items in the main store")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=None, help="JSON result file")
    args = parser.parse_args(argv)
    rows, engine = run(args)
    info = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "engine": engine,
            "cores": cores(), "seconds_per_scenario": args.seconds,
            "connections": args.connections, "versions": versions()}
    print(f"\n{engine}, {info['cores']} cores, {args.connections} connections, "
          f"{args.seconds:g} s per scenario, {json.dumps(info['versions'])}\n")
    print(table(rows))
    output = args.output or RESULTS / f"bench-{engine}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({**info, "rows": [asdict(row) for row in rows]}, indent=2))
    print(f"\nresults written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
