"""Statement tracing for tests and diagnosis: every statement a ``Database`` sends while a trace
is open, hooked into the drivers only meanwhile."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Engine, event

#: A traced statement and its parameters (None where the driver reports them inlined).
Traced = tuple[str, Any]


class StatementTrace:
    def __init__(self, sqlite_engines: list[Engine], engines: list[Engine]) -> None:
        self._sqlite_engines = sqlite_engines
        self._engines = engines
        self._tracers: list[Callable[[Traced], None]] = []
        self._last_sqlite: str | None = None
        self._transaction_listeners = {
            word: partial(self._trace_transaction, word.upper())
            for word in ("begin", "commit", "rollback")
        }

    def _trace_transaction(self, word: str, _conn: Any) -> None:
        self.report(word)

    @contextmanager
    def collect(self) -> Iterator[list[Traced]]:
        """Every statement the adapter sends while the block runs (``BEGIN`` and ``COMMIT``
        included), with its parameters where the driver does not inline them, whichever path
        sent it. For tests and diagnosis: nothing is hooked outside such a block (SQLite's trace
        callback alone made a bulk import ten times slower)."""
        seen: list[Traced] = []
        self._last_sqlite = None
        if not self._tracers:
            self._hook(event.listen)
        self._tracers.append(seen.append)
        try:
            yield seen
        finally:
            self._tracers.remove(seen.append)
            if not self._tracers:
                self._hook(event.remove)

    def report(self, statement: str, parameters: Any = None) -> None:
        for tracer in self._tracers:
            tracer((statement, parameters))

    def _hook(self, attach: Callable[..., None]) -> None:
        """SQLite: its driver's trace callback on the connections taken meanwhile, which sees
        everything. PostgreSQL: SQLAlchemy's statement and transaction events; the reads that
        ``ReadSession`` sends to asyncpg itself are reported by ``Database.traced``."""
        if self._sqlite_engines:
            for target in self._sqlite_engines:
                attach(target, "checkout", self._trace_sqlite)
                attach(target, "checkin", self._untrace_sqlite)
            return
        for sync in self._engines:
            attach(sync, "before_cursor_execute", self._trace_statement)
            for word, listener in self._transaction_listeners.items():
                attach(sync, word, listener)

    def _trace_sqlite(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.set_trace_callback(self._sqlite_traced)

    @staticmethod
    def _untrace_sqlite(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(None)

    def _sqlite_traced(self, statement: str) -> None:
        """sqlite3 also reports what SQLite runs by itself: trigger notes (``-- …``), the
        statements of the FTS5 module on its shadow tables (``'main'.'items_search_…'``), and
        a statement again each time one of its triggers fires or it is prepared again; those
        repeats come back to back and are reported once."""
        if not self._tracers or statement.startswith("--") or "'main'." in statement:
            return
        if statement != self._last_sqlite:
            self._last_sqlite = statement
            self.report(statement)

    def _trace_statement(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any
    ) -> None:
        self.report(statement, parameters)
