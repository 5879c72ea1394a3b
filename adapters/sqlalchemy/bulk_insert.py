"""Many rows in a few multi-row INSERTs sent straight to SQLite's driver (bulk import).

Each value goes through its column type's bind processor for the dialect (``conversions.py``:
SQLAlchemy's own, or an equivalent one in one step for times and UUIDs);
``tests/integration/test_sql_queries.py`` compares every stored
value of a bulk add with what SQLAlchemy itself stores, so a change there fails the suite
instead of the data.
"""

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Dialect, Table, insert

from adapters.sqlalchemy import conversions


class DriverInsert:
    """Many rows inserted by a few multi-row ``INSERT … VALUES (…), (…), …`` sent to the driver.

    SQLAlchemy's executemany builds a parameter dict per row and then converts it; for a bulk
    import that bookkeeping cost more than SQLite's own work. The statement is compiled once per
    dialect and column set, and each row goes through the same bind processors SQLAlchemy would
    apply (UUID to text, aware UTC datetime to SQLite text, ...), so the stored values are
    identical to those of ``add``.

    Many rows per statement rather than one statement per row (``executemany``): the search
    index's triggers write to an FTS5 table, and FTS5 writes out what it has buffered at every
    statement of a transaction (its savepoint); once per row made adding 100,000 items 2.5 to 3
    times slower (≈9 s → ≈24 s). Only used on SQLite (positional ``?`` parameters, and at most
    32,766 of them per statement since SQLite 3.32; the search index needs 3.34).
    """

    MAX_PARAMETERS = 32_766
    #: Up to this many rows (a transaction's few movements) values are converted row by row;
    #: above (an import), column by column, reusing the converted form of a value equal to the
    #: previous row's.
    FEW = 8

    def __init__(self, table: Table) -> None:
        self._table = table
        self._prepared: dict[tuple[str, tuple[str, ...]], _Prepared] = {}

    def statements(
        self, dialect: Dialect, rows: Sequence[dict[str, Any]]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        keys = tuple(rows[0])
        prepared = self._prepared.get((dialect.name, keys))
        if prepared is None:
            prepared = self._prepared[(dialect.name, keys)] = self._prepare(dialect, keys)
        head, group, columns = prepared
        if len(rows) <= self.FEW:
            values = []
            for row in rows:
                for name, process in columns:
                    value = row[name]
                    values.append(value if process is None or value is None else process(value))
            return [(head + ", ".join([group] * len(rows)), tuple(values))]
        converted = list(
            zip(*(_column(rows, name, process) for name, process in columns), strict=True)
        )
        per_statement = max(1, self.MAX_PARAMETERS // len(columns))
        out = []
        for start in range(0, len(converted), per_statement):
            chunk = converted[start : start + per_statement]
            groups = ", ".join([group] * len(chunk))
            out.append((head + groups, tuple(chain.from_iterable(chunk))))
        return out

    def _prepare(self, dialect: Dialect, keys: tuple[str, ...]) -> "_Prepared":
        compiled = insert(self._table).compile(dialect=dialect, column_keys=list(keys))
        head, _, group = compiled.string.partition(" VALUES ")
        order = compiled.positiontup or []
        columns = [
            (name, conversions.bind_processor(self._table.c[name].type, dialect)) for name in order
        ]
        return head + " VALUES ", group, columns


#: The statement up to its values, one row's group of ``?``, and each value's name and
#: conversion.
_Prepared = tuple[str, str, list[tuple[str, Any]]]


def _column(rows: Sequence[dict[str, Any]], name: str, process: Any) -> list[Any]:
    """One column's driver values. Rows of one batch share many values (the batch's time, the
    actor), so a value equal to the previous row's reuses its converted form."""
    values = [row[name] for row in rows]
    if process is None:
        return values
    out: list[Any] = []
    last: Any = _UNSEEN
    converted: Any = None
    for value in values:
        if value is not last:
            last, converted = value, (None if value is None else process(value))
        out.append(converted)
    return out


_UNSEEN = object()
