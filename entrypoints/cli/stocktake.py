"""``inventory stocktake LOCATION --file counts.csv [--dry-run]``: count a location in one go.

The file has a header row with the columns ``sku`` and ``counted`` (any order, any case). Every
item held at the location joins the stocktake; those the file counts get their stock set to the
count (the difference is recorded as a ``count`` movement), the others are left alone and
reported as not counted. Lines whose stock changed while the stocktake ran are conflicts:
refused (exit 44, nothing changes) unless ``--skip-conflicts``.
"""

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.commands import LineCount
from application.use_cases import StocktakeReport
from domain.errors import InvalidValue
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.state import CliState

COLUMNS = ("sku", "counted")


def read_counts(path: Path) -> tuple[LineCount, ...]:
    """The file's counts; a file that is not CSV with those columns is ``InvalidValue``."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle, strict=True))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidValue("file", f"is not a UTF-8 CSV file: {error}") from None
    records = [row for row in rows if any(cell.strip() for cell in row)]
    if not records:
        raise InvalidValue("file", "is empty; the first row must be the header sku,counted")
    header = [cell.strip().lower() for cell in records[0]]
    if sorted(header) != sorted(COLUMNS):
        raise InvalidValue("header", "must name the columns sku and counted")
    counts = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise InvalidValue("file", f"row {number} has {len(record)} fields, not 2")
        values = dict(zip(header, (cell.strip() for cell in record), strict=True))
        if not values["counted"].isdigit():
            raise InvalidValue("counted", f"row {number}: must be a whole number of 0 or more")
        counts.append(LineCount(item=values["sku"], counted=int(values["counted"])))
    return tuple(counts)


def stocktake(
    ctx: typer.Context,
    location: Annotated[str, typer.Argument(help="Location code or id.", show_default=False)],
    file: Annotated[
        Path,
        typer.Option(
            "--file", exists=True, dir_okay=False, readable=True, help="CSV with sku,counted."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report the differences; change nothing.")
    ] = False,
    skip_conflicts: Annotated[
        bool,
        typer.Option(
            "--skip-conflicts", help="Commit the other lines when some changed meanwhile."
        ),
    ] = False,
) -> None:
    """Count a location: sets each counted item's stock there, reporting the differences."""
    state = CliState.of(ctx)
    counts = read_counts(file)

    async def work() -> tuple[StocktakeReport, dict[str, str]]:
        actor = await state.actor()
        report = await state.container.take_stock().execute(
            actor, location, counts, dry_run=dry_run, skip_conflicts=skip_conflicts
        )
        skus = {}
        for line in report.stocktake.lines.values():
            found = await state.container.get_item().execute(actor, line.item_id)
            skus[str(line.item_id)] = found.sku.value
        return report, skus

    report, skus = state.run(work)
    lines: list[dict[str, Any]] = [
        {
            "sku": skus[str(line.item_id)],
            "item_id": str(line.item_id),
            "expected": line.expected,
            "counted": line.counted,
            "difference": line.difference,
            "status": line.status.value,
        }
        for line in report.stocktake.lines.values()
    ]
    data = {
        "location": location,
        "dry_run": dry_run,
        "committed": report.committed,
        "lines": lines,
        "movements": [representation.movement(m) for m in report.movements],
    }
    output.emit(state, data, _report(location, lines, dry_run))


def _report(location: str, lines: list[dict[str, Any]], dry_run: bool) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        title = f"Stocktake of {location}" + (" (dry run: nothing changed)" if dry_run else "")
        table = Table("SKU", "Expected", "Counted", "Difference", "Status", title=Text(title))
        for line in sorted(lines, key=lambda entry: str(entry["sku"])):
            counted, difference = line["counted"], line["difference"]
            table.add_row(
                Text(str(line["sku"])),
                str(line["expected"]),
                "-" if counted is None else str(counted),
                "-" if difference is None else f"{difference:+d}",
                "not counted" if counted is None else str(line["status"]),
            )
        console.print(table)

    return render


def register(cli: typer.Typer) -> None:
    cli.command("stocktake")(stocktake)
