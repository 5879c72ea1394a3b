"""``inventory items import`` and ``inventory items export``: bulk CSV in and out.

The commands join the ``items`` group when this module is imported (``main`` does so).
"""

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from application.use_cases import ImportReport, ImportRow
from entrypoints.cli import output
from entrypoints.cli.csv_files import EXPECTED, read_rows, write_items, write_stock
from entrypoints.cli.errors import ROWS_REJECTED
from entrypoints.cli.items import app
from entrypoints.cli.progress import progress_bar
from entrypoints.cli.state import CliState

#: Writes the export's CSV to a handle, reporting rows written; returns the items written.
_Writer = Callable[[TextIO, Callable[[int], None] | None], int]


@app.command("import")
def import_items(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help=f"CSV file with header {EXPECTED}."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; change nothing.")
    ] = False,
) -> None:
    """Create or update items from CSV, matched by SKU.

    A known SKU gets the row's fields, and its quantity (when given) as a stock count. Rows
    that fail validation are listed with their line numbers; the rest are imported (exit 14
    when any row was rejected). Importing the same file again changes nothing.
    """
    state = CliState.of(ctx)
    with _bulk_objects():
        rows = read_rows(file)
        report = state.run(lambda: _run_import(state, rows, dry_run=dry_run))
    output.emit(state, output.report_json(report), output.report_tables(report, file.name))
    if report.rejected:
        raise typer.Exit(ROWS_REJECTED)


@contextmanager
def _bulk_objects() -> Iterator[None]:
    """Keep the cyclic garbage collector off the import's objects.

    An import holds every row, outcome and pending item of a large file at once; they hold no
    reference cycles, but each full collection walked all of them again (a third of the time of
    a 100,000-row import). Freezing moves what exists now out of the collector's sight, and
    fewer young collections keep the rest from being walked as often.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, thresholds[1], thresholds[2])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def _run_import(state: CliState, rows: list[ImportRow], *, dry_run: bool) -> ImportReport:
    actor = await state.actor()
    use_case = state.container.import_items()
    with progress_bar(state) as show:
        return await use_case.execute(
            actor,
            rows,
            dry_run=dry_run,
            progress=lambda done: show("Importing", done, len(rows)),
        )


@app.command("export")
def export_items(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(dir_okay=False, help="Where to write; standard output when omitted."),
    ] = None,
    by_location: Annotated[
        bool,
        typer.Option(
            "--by-location", help="One row per location an item is held at, with a location column."
        ),
    ] = False,
) -> None:
    """Write every item as CSV (the format import reads), in SKU order.

    A long export to a FILE shows its progress on a terminal.
    """
    state = CliState.of(ctx)
    if file is None and state.json_output:
        raise typer.BadParameter("export to standard output is CSV; give a FILE to use --json")
    with progress_bar(state, enabled=file is not None) as show:  # stdout carries the CSV

        def reading(read: int, total: int) -> None:
            show("Reading", read, total)

        async def work() -> tuple[_Writer, int]:
            actor = await state.actor()
            if by_location:
                stock = await state.container.export_stock().execute(actor, progress=reading)
                return (lambda handle, done: write_stock(handle, stock, done)), len(stock)
            items = await state.container.export_items().execute(actor, progress=reading)
            return (lambda handle, done: write_items(handle, items, done)), len(items)

        write, count = state.run(work)
        if file is None:
            write(typer.get_text_stream("stdout"), None)
            return
        partial = file.with_name(f".{file.name}.partial")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            written = write(handle, lambda done: show(f"Writing {file.name}", done, count))
    os.replace(partial, file)  # readers never see half a file
    output.emit(
        state,
        {"file": str(file), "exported": written},
        output.message(f"Exported {written} items to {file}"),
    )
