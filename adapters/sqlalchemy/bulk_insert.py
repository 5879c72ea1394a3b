"""Many rows in a few multi-row INSERTs sent straight to SQLite's driver (bulk import).

Each value goes through its column type's bind processor for the dialect, taken through public
API (``TypeEngine.dialect_impl(dialect).bind_processor(dialect)``, which is what SQLAlchemy's
compiler caches for itself); ``tests/integration/test_sql_queries.py`` compares every stored
value of a bulk add with what SQLAlchemy itself stores, so a change there fails the suite
instead of the data.
"""

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Dialect, Table, insert


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

    def __init__(self, table: Table) -> None:
        self._table = table
        self._prepared: dict[tuple[str, tuple[str, ...]], tuple[str, list[tuple[str, Any]]]] = {}

    def statements(
        self, dialect: Dialect, rows: Sequence[dict[str, Any]]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        keys = tuple(rows[0])
        cache_key = (dialect.name, keys)
        prepared = self._prepared.get(cache_key)
        if prepared is None:
            compiled = insert(self._table).compile(dialect=dialect, column_keys=list(keys))
            order = compiled.positiontup or []
            prepared = (compiled.string, [(name, self._processor(dialect, name)) for name in order])
            self._prepared[cache_key] = prepared
        sql, columns = prepared
        head, _, values = sql.partition(" VALUES ")
        converted = list(
            zip(*(_column(rows, name, process) for name, process in columns), strict=True)
        )
        per_statement = max(1, self.MAX_PARAMETERS // len(columns))
        out = []
        for start in range(0, len(converted), per_statement):
            chunk = converted[start : start + per_statement]
            groups = ", ".join([values] * len(chunk))
            out.append((f"{head} VALUES {groups}", tuple(chain.from_iterable(chunk))))
        return out

    def _processor(self, dialect: Dialect, name: str) -> Any:
        """The conversion SQLAlchemy applies to ``name``'s values on ``dialect`` (None: none)."""
        return self._table.c[name].type.dialect_impl(dialect).bind_processor(dialect)


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
