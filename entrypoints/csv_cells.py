"""Formula-safe CSV cells, shared by the CLI's export and the REST reports.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula, so a name such as ``=HYPERLINK(...)`` would run when the file is opened.
Text cells that could be read so get a leading ``'`` (shown as plain text); see
``entrypoints/cli/csv_files.py`` for how the import takes it off again.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence

_NEEDS_PREFIX = re.compile(r"'*[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """A text cell as the export writes it: never read as a formula by a spreadsheet."""
    return f"'{text}" if _NEEDS_PREFIX.match(text) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], text_columns: int) -> str:
    """A CSV document; the first ``text_columns`` cells of each row are free text, neutralised
    (numbers after them are written as they are: a negative quantity stays a number)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        cells = [
            neutralise(str(cell)) if index < text_columns else cell
            for index, cell in enumerate(row)
        ]
        writer.writerow(cells)
    return out.getvalue()
