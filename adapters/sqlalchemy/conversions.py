"""How values cross between Python and SQLite's driver on the write path (``driver_statements``,
``bulk_insert``): SQLAlchemy's own bind and result processors (``UtcDateTime`` has fast ones of
its own), except for reading UUIDs back.

SQLAlchemy reads a ``Uuid`` through ``UUID(text)``, which re-parses and re-validates the text
SQLite gave back exactly as it was stored, in Python; here ``int(text, 16)`` does it. The values
are the same as SQLAlchemy's (``tests/unit/adapters/test_conversions.py`` compares them); text
in any other shape (written by hand, or by another tool) goes to SQLAlchemy's processor.
"""

from collections.abc import Callable
from typing import Any
from uuid import UUID, SafeUUID

from sqlalchemy import Dialect, Uuid
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any] | None

_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown
#: A UUID's hex digits, as ``Uuid`` stores it where the database has no UUID type.
_HEX_DIGITS = 32


def bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    """What a value of ``type_`` becomes for the driver (None: nothing to do)."""
    return type_.dialect_impl(dialect).bind_processor(dialect)


def result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    """What the driver's value of ``type_`` becomes (None: nothing to do); never called with
    None."""
    fallback = type_.dialect_impl(dialect).result_processor(dialect, None)
    if (
        dialect.name == "sqlite"
        and fallback is not None
        and isinstance(type_, Uuid)
        and type_.as_uuid
    ):
        return _uuid(fallback)
    return fallback


def _uuid(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(value: Any) -> Any:
        if type(value) is str and len(value) == _HEX_DIGITS:
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
