"""The CSV format of ``items import`` and ``items export``.

A header row names the columns (``sku,name,description,price,tax,quantity,reorder_level``, and
optionally ``location``; any order, case-insensitive; only sku, name and price are required).
``tax`` is a rate in percent. ``location`` is the code of the location a row's quantity is at
(the default location when absent); an export ``--by-location`` writes one row per location.
Line numbers are those a text editor shows, so a rejection can be found and fixed.

Formulas (OWASP "CSV injection"): a spreadsheet runs a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula, so an item named ``=HYPERLINK(...)``
would run when someone opens an export. The export writes such text cells with a leading
``'`` (which spreadsheets show as plain text), and the import removes that one ``'`` again.
To keep export → import lossless for text that really starts with apostrophes before such a
character (``'=1``), the export prefixes those too: it adds a ``'`` exactly when the text starts
with any number of apostrophes and then one of those characters, and the import removes one
exactly when the cell starts with one or more apostrophes and then one of them. Numbers are
written by the export itself and never get a prefix (``-5`` stays a number).
"""

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from application.use_cases.export_items import ExportedStock
from application.use_cases.import_items import (
    ACCEPTED_COLUMNS,
    IMPORT_COLUMNS,
    LOCATION_COLUMN,
    REQUIRED_COLUMNS,
    ImportRow,
)
from application.views import ItemView
from domain.errors import InvalidValue
from entrypoints.csv_cells import neutralise

EXPECTED = ",".join(IMPORT_COLUMNS) + f"[,{LOCATION_COLUMN}]"
#: The columns of free text, where a formula could be planted.
TEXT_COLUMNS = frozenset({"sku", "name", "description", LOCATION_COLUMN})
_HAS_PREFIX = re.compile(r"'+[=+\-@\t\r]")
PROGRESS_EVERY = 1_000


def restore(cell: str) -> str:
    """A text cell as the import reads it: the ``'`` that ``neutralise`` added, removed."""
    return cell[1:] if _HAS_PREFIX.match(cell) else cell


def read_rows(path: Path) -> list[ImportRow]:
    """Every data row of the file; a malformed file (no header, not UTF-8) raises
    ``InvalidValue``, a malformed row comes back with its ``problem`` set."""
    with path.open("rb") as handle:
        return parse_rows(_decoded(handle))


def _decoded(handle: BinaryIO) -> Iterator[str]:
    """Lines decoded one by one, so an encoding error names its line. (A UTF-8 character never
    contains a newline byte, so splitting first is safe.)"""
    for number, raw in enumerate(handle, start=1):
        try:
            yield (raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidValue("file", f"line {number} is not UTF-8 text") from None


def parse_rows(lines: Iterable[str]) -> list[ImportRow]:
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    rows: list[ImportRow] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines and the empty rows spreadsheets leave behind
            if header is None:
                header = _header(record)
            else:
                rows.append(_row(start, header, record))
    except csv.Error as error:
        raise InvalidValue("file", f"line {last + 1}: {error}") from None
    if header is None:
        raise InvalidValue("file", f"is empty; the first row must be a header: {EXPECTED}")
    return rows


def _header(record: Sequence[str]) -> list[str]:
    names = [cell.strip().lower() for cell in record]
    unknown = [name for name in names if name not in ACCEPTED_COLUMNS]
    if unknown:
        raise InvalidValue(
            "header", f"unknown column(s) {', '.join(unknown)}; the columns are {EXPECTED}"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidValue("header", f"column(s) {', '.join(repeated)} appear more than once")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise InvalidValue("header", f"missing column(s) {', '.join(missing)}")
    return names


def _row(line: int, header: Sequence[str], record: Sequence[str]) -> ImportRow:
    if len(record) != len(header):
        sku_at = header.index("sku")
        sku = record[sku_at] if sku_at < len(record) else ""
        return ImportRow(
            line,
            {"sku": restore(sku)},
            problem=f"has {len(record)} fields but the header has {len(header)}",
        )
    return ImportRow(
        line,
        {
            column: restore(cell) if column in TEXT_COLUMNS else cell
            for column, cell in zip(header, record, strict=True)
        },
    )


def _cells(item: ItemView, quantity: int) -> tuple[object, ...]:
    return (
        neutralise(item.sku.value),
        neutralise(item.name),
        neutralise(item.description or ""),
        str(item.unit_price),
        "" if item.tax_rate is None else str(item.tax_rate),
        quantity,
        item.reorder_level,
    )


def _report(progress: Callable[[int], None] | None, written: int, *, done: bool) -> None:
    if progress is not None and (done or written % PROGRESS_EVERY == 0):
        progress(written)


def write_items(
    handle: TextIO, items: Iterable[ItemView], progress: Callable[[int], None] | None = None
) -> int:
    """Writes the header and one row per item; returns the number of items written.
    ``progress(written)`` is called every ``PROGRESS_EVERY`` rows and at the end."""
    writer = csv.writer(handle)
    writer.writerow(IMPORT_COLUMNS)
    written = 0
    for item in items:
        writer.writerow(_cells(item, item.quantity))
        written += 1
        _report(progress, written, done=False)
    _report(progress, written, done=True)
    return written


def write_stock(
    handle: TextIO, stock: Iterable[ExportedStock], progress: Callable[[int], None] | None = None
) -> int:
    """Like ``write_items`` with a ``location`` column: one row per location an item holds
    stock at (one row with no location for an item that holds none). Importing it rebuilds
    the stock per location. Returns the number of items written; ``progress`` as there."""
    writer = csv.writer(handle)
    writer.writerow(ACCEPTED_COLUMNS)
    written = 0
    for entry in stock:
        for level in entry.levels:
            code = neutralise(level.location_code.value)
            writer.writerow((*_cells(entry.item, level.quantity), code))
        if not entry.levels:
            writer.writerow((*_cells(entry.item, 0), ""))
        written += 1
        _report(progress, written, done=False)
    _report(progress, written, done=True)
    return written
