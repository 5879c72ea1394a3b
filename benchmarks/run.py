"""The benchmark harness: ``make bench`` (or ``python -m benchmarks.run``).

Every scenario is reported as a ratio against a bare FastAPI route measured in the same run on
the same machine, because absolute numbers on shared 2-core machines are noise. SQLite by
default; PostgreSQL when ``INVENTORY_BENCH_POSTGRES_URL`` names a server (a throw-away database
is created and dropped per store).

``--profile`` runs only the profile mode: CPU µs per authenticated GET item (or, with
``--kind``, a list of 20, a stock movement or a transfer) through the whole ASGI app,
in-process against a store of ``PROFILE_ITEMS`` items, with cProfile's ``--top`` functions
(ordered by ``--sort``; no wrk, no server).

``--api-token`` runs only the GET item with a JWT and with an API token (issue 17: within
10 %), after the baseline. ``--only transfers`` runs the baseline and issue 14's transfer
scenario alone, on a store of ``--items`` items; ``--only reservations`` issue 15's
(create then fulfil, next to plain movements); ``--only writes`` every write scenario on one
store (movements, keyed movements, the read/write mix, transfers, reservations); ``--only as-of``
issue 18's stock as of an instant over 1,000,000 ledger rows of one item, next to the plain GET
of that item. They are quick checks that do not load the shared machine for the whole run.
"""

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import as_of, outbox, reservations, scenarios
from benchmarks.harness.inprocess import KINDS, SORTS
from benchmarks.harness.processes import ROOT, compile_bytecode, cores
from benchmarks.harness.report import Report, versions
from benchmarks.harness.store import drop_postgres_database, import_csv
from benchmarks.harness.wrk import wrk_binary

RESULTS = ROOT / "benchmarks" / "results"
POSTGRES_VARIABLE = "INVENTORY_BENCH_POSTGRES_URL"
PROFILE_ITEMS = 1_000


@dataclass(frozen=True)
class Mode:
    output: Path | None
    profile: bool
    top: int
    only: str | None = None
    api_token: bool = False
    kind: str = "item"
    sort: str = "tottime"


def parse(argv: list[str] | None) -> tuple[scenarios.Options, Mode]:
    defaults = scenarios.Options()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=defaults.seconds, help="duration of each load scenario"
    )
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--items", type=int, default=defaults.items, help="items in the main store")
    parser.add_argument(
        "--small",
        type=int,
        default=defaults.small,
        help="items in the small store of the list-scaling scenario",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=defaults.large,
        help="items in the large store (also the CSV import measured)",
    )
    parser.add_argument(
        "--profile-requests",
        type=int,
        default=defaults.profile_requests,
        help="GET item requests per round of the in-process profile",
    )
    parser.add_argument(
        "--outbox-movements",
        type=int,
        default=defaults.outbox_movements,
        help="movements per round and variant of the outbox's cost",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=defaults.history,
        help="ledger rows of the item whose stock as_of is measured",
    )
    parser.add_argument("--output", type=Path, default=None, help="the JSON result file")
    parser.add_argument(
        "--profile", action="store_true", help="only the in-process profile of a GET item"
    )
    parser.add_argument(
        "--top", type=int, default=25, help="with --profile: cProfile's most expensive functions"
    )
    parser.add_argument(
        "--kind",
        choices=list(KINDS),
        default="item",
        help="with --profile: the request profiled",
    )
    parser.add_argument(
        "--sort", choices=list(SORTS), default="tottime", help="with --top: the listing's order"
    )
    parser.add_argument(
        "--only",
        choices=["transfers", "reservations", "writes", "as-of"],
        default=None,
        help="run the baseline and this alone",
    )
    parser.add_argument(
        "--api-token",
        action="store_true",
        help="only the GET item with a JWT and with an API token (issue 17)",
    )
    args = parser.parse_args(argv)
    options = scenarios.Options(
        args.seconds,
        args.connections,
        args.items,
        args.small,
        args.large,
        args.profile_requests,
        args.history,
        args.outbox_movements,
    )
    return options, Mode(
        args.output, args.profile, args.top, args.only, args.api_token, args.kind, args.sort
    )


def run(
    options: scenarios.Options,
    workdir: Path,
    postgres_url: str | None,
    *,
    only: str | None = None,
    api_token: bool = False,
) -> Report:
    report = Report("postgresql" if postgres_url else "sqlite")
    bench = scenarios.Bench(options, workdir, postgres_url, report)
    try:
        scenarios.measure_baseline(bench)
        if only == "transfers":
            scenarios.measure_transfers_only(bench)
        elif only == "writes":
            scenarios.measure_transfers_only(bench, extra=[reservations.measure_reservations])
            outbox.measure_outbox_cost(bench)
        elif only == "reservations":
            reservations.measure_reservations_only(bench)
        elif only == "as-of":
            as_of.measure_as_of(bench)
        elif api_token:
            scenarios.measure_api_token(bench)
        else:
            scenarios.measure_main_store(bench, extra=[reservations.measure_reservations])
            scenarios.measure_list_scaling(bench)
            as_of.measure_as_of(bench)
            outbox.measure_outbox_cost(bench)
    finally:
        _drop(bench)
    return report


def profile(
    options: scenarios.Options, workdir: Path, postgres_url: str | None, mode: Mode
) -> None:
    """The profile mode on its own: a store of ``PROFILE_ITEMS`` items, one row, the listing."""
    report = Report("postgresql" if postgres_url else "sqlite")
    bench = scenarios.Bench(options, workdir, postgres_url, report)
    try:
        store = bench.store("profile")
        import_csv(store, PROFILE_ITEMS)
        listing = scenarios.measure_profile(
            bench, store, top=mode.top, kind=mode.kind, sort=mode.sort
        )
    finally:
        _drop(bench)
    (row,) = report.rows
    print(listing)
    print(f"{report.engine}: {row.scenario}: {row.value}; budget {row.target}: ", end="")
    print("met" if row.ok else ("**missed**" if row.target else "(no budget)"))


def _drop(bench: scenarios.Bench) -> None:
    for store in bench.stores:
        if store.dropper and bench.postgres_url:
            drop_postgres_database(bench.postgres_url, store.dropper)


def main(argv: list[str] | None = None) -> int:
    options, mode = parse(argv)
    postgres_url = os.environ.get(POSTGRES_VARIABLE) or None
    if mode.profile:
        compile_bytecode()
        with tempfile.TemporaryDirectory(prefix="inventory-profile-") as tmp:
            profile(options, Path(tmp), postgres_url, mode)
        return 0
    wrk_binary()  # fail before any work when wrk is missing
    compile_bytecode()
    started = datetime.now(UTC)
    output = mode.output
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp:
        report = run(options, Path(tmp), postgres_url, only=mode.only, api_token=mode.api_token)
    report.info = {
        "when": started.isoformat(timespec="seconds"),
        "cores": cores(),
        "seconds_per_scenario": options.seconds,
        "connections": options.connections,
        "versions": versions(),
    }
    print(
        f"\n{report.engine}, {cores()} cores, {options.connections} connections, "
        f"{options.seconds:g} s per scenario, {report.info['versions']}\n"
    )
    print(report.table())
    kind = f"{report.engine}-api-token" if mode.api_token else report.engine
    output = output or RESULTS / f"bench-{kind}-{started:%Y%m%dT%H%M%S}.json"
    report.write(output)
    print(f"\nresults written to {output}")
    missed = ", ".join(row.scenario for row in report.missed)
    print(f"targets missed: {missed}" if missed else "every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
