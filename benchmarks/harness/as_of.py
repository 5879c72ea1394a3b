"""Issue 18: an item's stock ``as_of`` an instant, over 1,000,000 ledger rows of that item,
within 2x of the plain GET of the same item (throughput at least half of it), in the same run.

The store's first item gets a five-year history written straight into the database
(``history.py``); then wrk sends the plain ``GET /items/{id}`` and ``GET /items/{id}/stock?
as_of=…`` at instants spread over the history. Before the load the service's answers at those
instants are checked against sums over the ledger, and after it the ledger against the items.

``python -m benchmarks.harness.as_of`` profiles both requests in-process instead (CPU µs per
request through the ASGI app, and cProfile's most expensive functions of the as-of one).
"""

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness.client import token_for
from benchmarks.harness.history import History, expected_at, write_history
from benchmarks.harness.inprocess import App, AsgiClient
from benchmarks.harness.processes import VENV_BIN, compile_bytecode, pinned
from benchmarks.harness.report import Row
from benchmarks.harness.scenarios import Bench, serve_store
from benchmarks.harness.store import PASSWORD, Store, create_store, import_csv, ledger_mismatches

#: Items in the store besides the one with the long history.
ITEMS = 100
PLAIN = "GET /api/v1/items/{{id}} (an item with {rows:,} movements)"
SCENARIO = "GET /api/v1/items/{{id}}/stock?as_of=… ({rows:,} movements)"
#: The issue's "within 2x of the plain GET": at least half its throughput.
WITHIN = 0.5
MARKER = "AS_OF_PROFILE "


def prepare(bench: Bench) -> tuple[Store, History]:
    store = bench.store("as-of")
    import_csv(store, ITEMS)
    started = time.perf_counter()
    rows = bench.options.history
    history = write_history(store, rows)
    seconds = time.perf_counter() - started
    bench.report.add(Row(f"set-up: {rows:,} ledger rows of one item", value=f"{seconds:.1f} s"))
    return store, history


def measure_as_of(bench: Bench) -> None:
    """The as-of row against the plain GET of the same item, on a store of its own."""
    store, history = prepare(bench)
    with serve_store(bench, store) as server:
        token = token_for(server.base_url, "viewer")
        wrong = _wrong_answers(server.base_url, token, store, history)
        bench.report.add(Row("as_of answers == ledger sums", value=f"{wrong} wrong"))
        bench.report.rows[-1].expect("0", wrong == 0)
        env = {"BENCH_TOKEN": token}
        url, rows = server.base_url, history.rows
        item = {**env, "BENCH_PATH": f"/api/v1/items/{history.item_id}"}
        plain = bench.load(PLAIN.format(rows=rows), "get_path.lua", url, item)
        when = {**env, "BENCH_ITEM": history.item_id, "BENCH_AS_OF": ",".join(history.instants)}
        row = bench.load(SCENARIO.format(rows=rows), "as_of.lua", url, when)
        if row.rps and plain.rps:
            relative = row.rps / plain.rps
            row.value = f"{relative:.2f}x the plain GET's throughput"
            row.expect(f"≥ {WITHIN:.2f}x GET item", relative >= WITHIN)
        else:
            row.expect(f"≥ {WITHIN:.2f}x GET item", False)
    bad = ledger_mismatches(store)
    bench.report.add(Row("ledger sum == quantity after the run", value=f"{bad} mismatches"))
    bench.report.rows[-1].expect("0", bad == 0)


def _wrong_answers(url: str, token: str, store: Store, history: History) -> int:
    import urllib.request

    wrong = 0
    for instant in history.instants:
        target = f"{url}/api/v1/items/{history.item_id}/stock?as_of={instant}"
        request = urllib.request.Request(target, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            answer = {line["location_code"]: line["quantity"] for line in json.load(response)}
        wrong += answer != expected_at(store, history, instant)
    return wrong


# -- the in-process profile --------------------------------------------------------------------
def profile(store: Store, history: History, *, requests: int, top: int) -> dict[str, object]:
    """Both requests in a child process against ``store`` (which no server may be using)."""
    command = [str(VENV_BIN / "python"), "-m", "benchmarks.harness.as_of", "--child"]
    command += ["--item", history.item_id, "--as-of", ",".join(history.instants)]
    command += ["--requests", str(requests), "--top", str(top)]
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        pinned(command, 0), env=store.env, capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith(MARKER):
            return dict(json.loads(line.removeprefix(MARKER)))
    raise RuntimeError(
        f"the profile printed no result (exit {result.returncode}):\n{result.stderr}"
    )


async def _round(client: AsgiClient, headers: dict[str, str], paths: list[str]) -> float:
    started = time.process_time()
    for path in paths:
        status, body = await client.request("GET", path, headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
    return (time.process_time() - started) / len(paths) * 1_000_000


async def _child(
    app: App, item: str, instants: list[str], requests: int, top: int
) -> dict[str, object]:
    client = AsgiClient(app)
    async with client.lifespan():
        form = f"username=viewer&password={PASSWORD}".encode()
        kind = {"content-type": "application/x-www-form-urlencoded"}
        status, answer = await client.request("POST", "/api/v1/auth/token", kind, form)
        if status != 200:
            raise RuntimeError(f"login failed with {status}")
        headers = {"authorization": f"Bearer {json.loads(answer)['access_token']}"}
        plain = [f"/api/v1/items/{item}"] * requests
        as_of = [
            f"/api/v1/items/{item}/stock?as_of={instants[n % len(instants)]}"
            for n in range(requests)
        ]
        result: dict[str, object] = {}
        for name, paths in (("plain_us", plain), ("as_of_us", as_of)):
            await _round(client, headers, paths[: max(1, requests // 4)])
            result[name] = round(min([await _round(client, headers, paths) for _ in range(5)]), 1)
        if top:
            profiler = cProfile.Profile()
            profiler.enable()
            await _round(client, headers, as_of)
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
            result["top"] = text.getvalue()
    return result


def _run_child(args: argparse.Namespace) -> int:
    import uvloop

    from entrypoints.container import build_container
    from entrypoints.rest.app import create_app

    with open(os.devnull, "w") as devnull:
        with contextlib.redirect_stdout(devnull):
            app = create_app(build_container())
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            instants = args.as_of.split(",")
            result = runner.run(_child(app, args.item, instants, args.requests, args.top))
    print(MARKER + json.dumps(result), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="as-of vs plain GET, in-process")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--item", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--history", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if args.child:
        return _run_child(args)
    postgres_url = os.environ.get("INVENTORY_BENCH_POSTGRES_URL") or None
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="inventory-as-of-") as tmp:
        store = create_store("as-of", Path(tmp), postgres_url)
        try:
            import_csv(store, ITEMS)
            history = write_history(store, args.history)
            found = profile(store, history, requests=args.requests, top=args.top)
        finally:
            if store.dropper and postgres_url:
                from benchmarks.harness.store import drop_postgres_database

                drop_postgres_database(postgres_url, store.dropper)
    print(found.pop("top", ""))
    plain, as_of = float(found["plain_us"]), float(found["as_of_us"])  # type: ignore[arg-type]
    print(f"plain GET {plain:.0f} µs, as_of {as_of:.0f} µs: {as_of / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
