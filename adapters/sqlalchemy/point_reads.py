"""One-row reads by key on the SQLite reader, handed straight to the driver.

Every authenticated request reads its user (for the token version and active flag), and a GET
reads its item. Through SQLAlchemy's execution pipeline such a cached single-row SELECT still
spent about 35 µs in Python (events, an execution context, result metadata, a row object) around
a few microseconds of SQLite. A ``PointRead`` is compiled once per dialect; each call runs it on
the driver connection, passing the key through the bind processor and each column through the
result processor that SQLAlchemy itself would apply, so the values are the same objects of the
same types (a test compares them column by column).

Only the SQLite reader takes this path, and only while nobody listens to the engine's
statement events: tracing or statement counting then sees every statement as usual.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect, Select

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    bind: _Processor
    keys: tuple[str, ...]
    processors: tuple[_Processor, ...]

    def first(self, driver_connection: Any, key: object) -> Mapping[str, Any] | None:
        value = key if self.bind is None else self.bind(key)
        row = driver_connection.execute(self.sql, (value,)).fetchone()
        if row is None:
            return None
        return {
            name: raw if process is None else process(raw)
            for name, process, raw in zip(self.keys, self.processors, row, strict=True)
        }


class PointRead:
    """A SELECT of at most one row with a single bound parameter named ``key``."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            if list(compiled.positiontup or ()) != ["key"]:
                raise ValueError("a point read binds exactly one parameter, named 'key'")
            columns = compiled._result_columns
            found = _Compiled(
                sql=compiled.string,
                bind=cast(_Processor, compiled._bind_processors.get("key")),
                keys=tuple(column.keyname for column in columns),
                processors=tuple(
                    column.type._cached_result_processor(dialect, None) for column in columns
                ),
            )
            self._compiled[dialect.name] = found
        return found
