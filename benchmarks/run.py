"""The benchmark harness: ``make bench`` (or ``python -m benchmarks.run``).

Every scenario is reported as a ratio against a bare FastAPI route measured in the same run on
the same machine, because absolute numbers on shared 2-core machines are noise. SQLite by
default; PostgreSQL when ``INVENTORY_BENCH_POSTGRES_URL`` names a server (a throw-away database
is created and dropped per store).
"""

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import scenarios
from benchmarks.harness.processes import ROOT, compile_bytecode, cores
from benchmarks.harness.report import Report, versions
from benchmarks.harness.store import drop_postgres_database
from benchmarks.harness.wrk import wrk_binary

RESULTS = ROOT / "benchmarks" / "results"
POSTGRES_VARIABLE = "INVENTORY_BENCH_POSTGRES_URL"


def parse(argv: list[str] | None) -> tuple[scenarios.Options, Path | None]:
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
    parser.add_argument("--output", type=Path, default=None, help="the JSON result file")
    args = parser.parse_args(argv)
    options = scenarios.Options(args.seconds, args.connections, args.items, args.small, args.large)
    return options, args.output


def run(options: scenarios.Options, workdir: Path, postgres_url: str | None) -> Report:
    report = Report("postgresql" if postgres_url else "sqlite")
    bench = scenarios.Bench(options, workdir, postgres_url, report)
    try:
        scenarios.measure_baseline(bench)
        scenarios.measure_main_store(bench)
        scenarios.measure_list_scaling(bench)
    finally:
        for store in bench.stores:
            if store.dropper and postgres_url:
                drop_postgres_database(postgres_url, store.dropper)
    return report


def main(argv: list[str] | None = None) -> int:
    options, output = parse(argv)
    wrk_binary()  # fail before any work when wrk is missing
    compile_bytecode()
    postgres_url = os.environ.get(POSTGRES_VARIABLE) or None
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp:
        report = run(options, Path(tmp), postgres_url)
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
    output = output or RESULTS / f"bench-{report.engine}-{started:%Y%m%dT%H%M%S}.json"
    report.write(output)
    print(f"\nresults written to {output}")
    missed = ", ".join(row.scenario for row in report.missed)
    print(f"targets missed: {missed}" if missed else "every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
