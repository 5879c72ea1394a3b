"""How values cross between Python and SQLite's driver on the write path (``driver_statements``,
``bulk_insert``): SQLAlchemy's own bind and result processors, except for two types that are
in every row of every write.

SQLAlchemy converts a ``UtcDateTime`` in two steps (our ``TypeDecorator`` makes it naive UTC,
then SQLite's ``DATETIME`` formats it with ``%`` and a dict of seven fields; back, a regular
expression and then our step again), and a ``Uuid`` through ``UUID(text)``, which re-parses
and re-validates a string SQLite gave back exactly as it was stored. Here each is one step in
C: ``isoformat`` and ``fromisoformat``, ``int(text, 16)``. The stored text and the values read
back are the same as SQLAlchemy's (``tests/unit/adapters/test_conversions.py`` compares them);
text in any other shape (written by hand, or by another tool) goes to SQLAlchemy's processor.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, SafeUUID

from sqlalchemy import Dialect, Uuid
from sqlalchemy.types import TypeEngine

from adapters.sqlalchemy.tables import UtcDateTime

Processor = Callable[[Any], Any] | None

_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    """What a value of ``type_`` becomes for the driver (None: nothing to do); never called
    with None."""
    if dialect.name == "sqlite":
        if isinstance(type_, UtcDateTime):
            return _utc_text
        if isinstance(type_, Uuid) and type_.as_uuid:
            return _hex
    return type_.dialect_impl(dialect).bind_processor(dialect)


def result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    """What the driver's value of ``type_`` becomes (None: nothing to do); never called with
    None."""
    fallback = type_.dialect_impl(dialect).result_processor(dialect, None)
    if dialect.name == "sqlite" and fallback is not None:
        if isinstance(type_, UtcDateTime):
            return _utc_datetime(fallback)
        if isinstance(type_, Uuid) and type_.as_uuid:
            return _uuid(fallback)
    return fallback


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _hex(value: UUID) -> str:
    return value.hex


def _utc_datetime(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(value: Any) -> Any:
        if type(value) is str and len(value) == 26:  # "YYYY-MM-DD HH:MM:SS.ffffff"
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return fallback(value)

    return process


def _uuid(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(value: Any) -> Any:
        if type(value) is str and len(value) == 32:  # a UUID in hex digits
            try:
                number = int(value, 16)
            except ValueError:
                return fallback(value)
            # ``UUID(int=...)`` checks a range a 32-digit hex number is always in.
            found = _new(UUID)
            _set(found, "int", number)
            _set(found, "is_safe", _UNKNOWN)
            return found
        return fallback(value)

    return process
