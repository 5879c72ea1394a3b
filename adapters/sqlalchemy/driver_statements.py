"""Core statements compiled once and run on SQLite's driver itself, for the write path.

A SQLite writer holds the database write lock from its first statement to its ``COMMIT``, and
every statement runs on the event loop (``sqlite.py``), so what a statement costs in Python is
paid by every request of the process and, inside the lock, by every other writer. SQLAlchemy's
execution of a compiled and cached statement (execution context, parameter processing, result
object) costs 40 to 55 µs here; the driver itself 6 to 9 µs for the same statement. A stock movement
sends six statements, a transfer nine.

So the hot statements of the write side are written once as Core constructs (one definition for
both engines: on PostgreSQL they go through SQLAlchemy as before) and, on SQLite, compiled once
per parameter set into SQL with positional ``?`` and the list of conversions each value and
each result column needs: the bind and result processors SQLAlchemy itself would apply, taken
through public API (``TypeEngine.dialect_impl(dialect).bind_processor(dialect)``), or for times
and UUIDs equivalent ones in one step (``conversions.py``), so the stored values are identical
(``tests/integration/test_sql_queries.py`` and ``tests/unit/adapters/test_conversions.py``
compare them). The driver's
errors are raised as SQLAlchemy's (``exc.DBAPIError.instance``), so constraint violations and a
busy database are recognised the same way whichever path a statement took.
"""

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Dialect, Executable, exc
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.sqlalchemy import conversions
from adapters.sqlalchemy.database import is_busy_error
from application.errors import StoreBusy

Processor = conversions.Processor


class Compiled(NamedTuple):
    """A statement for one dialect and one set of parameter names."""

    sql: str
    #: Per positional ``?``: the parameter's name and its bind processor.
    binds: tuple[tuple[str, Processor], ...]
    #: The result columns' keys (empty for a statement without rows).
    keys: tuple[str, ...]
    #: The result columns that need converting, with their processor.
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]
    #: The values the statement carries itself (``.values(status=1)``), for names not passed.
    fixed: Mapping[str, Any]

    def values(self, parameters: Mapping[str, Any]) -> tuple[Any, ...]:
        if self.fixed:
            parameters = {**self.fixed, **parameters}
        out = []
        for name, process in self.binds:
            value = parameters[name]
            out.append(value if process is None or value is None else process(value))
        return tuple(out)

    def rows(self, raw: list[Any]) -> list[dict[str, Any]]:
        keys, converted = self.keys, self.converted
        found = []
        for values in raw:
            row = dict(zip(keys, values, strict=True))
            for key, process in converted:
                value = row[key]
                if value is not None:
                    row[key] = process(value)
            found.append(row)
        return found


class DriverStatement:
    """One Core statement, compiled for SQLite's driver on first use per parameter set."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], Compiled] = {}

    def compiled(self, dialect: Dialect, keys: Sequence[str]) -> Compiled:
        key = tuple(keys)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._compile(dialect, key)
        return found

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> Compiled:
        clause: Any = self.statement  # an Executable that is also a ClauseElement
        compiled = clause.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiled, SQLCompiler)
        names = compiled.positiontup or ()
        binds = tuple(
            (name, conversions.bind_processor(compiled.binds[name].type, dialect)) for name in names
        )
        fixed = {name: compiled.binds[name].value for name in names if name not in keys}
        selected = getattr(self.statement, "exported_columns", ())  # a query's or RETURNING's
        converted = []
        for column in selected:
            process = conversions.result_processor(column.type, dialect)
            if process is not None:
                converted.append((column.key, process))
        keys = tuple(column.key for column in selected)
        return Compiled(compiled.string, binds, keys, tuple(converted), fixed)


def run(
    driver: sqlite3.Connection,
    dialect: Dialect,
    statement: DriverStatement,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> tuple[int, list[dict[str, Any]]]:
    """The number of rows changed and the rows returned (one parameter set or several). A busy
    database is ``StoreBusy``, like on SQLAlchemy's path; other driver errors are raised as
    SQLAlchemy's. (Plain ``try`` blocks rather than context managers: this runs for every
    statement of every write, and a generator-based context manager costs more than the
    driver's own work for a small statement.)"""
    if isinstance(parameters, Mapping):
        compiled = statement.compiled(dialect, list(parameters))
        values: Any = compiled.values(parameters)
    else:
        compiled = statement.compiled(dialect, list(parameters[0]))
        values = [compiled.values(one) for one in parameters]
    try:
        if isinstance(values, list):
            cursor = driver.executemany(compiled.sql, values)
        else:
            cursor = driver.execute(compiled.sql, values)
        rows = compiled.rows(cursor.fetchall()) if compiled.keys else []
    except sqlite3.Error as error:
        raise _as_sqlalchemy_error(error, compiled.sql, dialect) from error
    return cursor.rowcount, rows


def run_sql(
    driver: sqlite3.Connection, dialect: Dialect, sql: str, rows: Sequence[tuple[Any, ...]]
) -> None:
    """SQL already compiled for SQLite with its values converted (``bulk_insert.py``), once
    per row."""
    try:
        driver.executemany(sql, rows)
    except sqlite3.Error as error:
        raise _as_sqlalchemy_error(error, sql, dialect) from error


def _as_sqlalchemy_error(error: sqlite3.Error, sql: str, dialect: Dialect) -> Exception:
    """SQLAlchemy's exception for the driver's ``error``; a locked database is ``StoreBusy``."""
    wrapped = exc.DBAPIError.instance(sql, None, error, sqlite3.Error, dialect=dialect)
    if is_busy_error(wrapped):
        return StoreBusy()
    return wrapped
