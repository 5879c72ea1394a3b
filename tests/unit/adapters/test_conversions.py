"""The one-step conversions of times and UUIDs store and read back exactly what SQLAlchemy's own
processors do, for any value."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Uuid
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from adapters.sqlalchemy import conversions
from adapters.sqlalchemy.tables import UtcDateTime

SQLITE = sqlite.dialect()  # type: ignore[no-untyped-call]

offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)


def _theirs_bind(type_: TypeEngine[Any], value: Any) -> Any:
    process = type_.dialect_impl(SQLITE).bind_processor(SQLITE)
    return value if process is None else process(value)


def _theirs_result(type_: TypeEngine[Any], value: Any) -> Any:
    process = type_.dialect_impl(SQLITE).result_processor(SQLITE, None)
    return value if process is None else process(value)


def _ours(processor: conversions.Processor, value: Any) -> Any:
    assert processor is not None
    return processor(value)


@given(aware)
def test_a_time_is_stored_and_read_back_as_sqlalchemy_does(value: datetime) -> None:
    kind = UtcDateTime()
    stored = _ours(conversions.bind_processor(kind, SQLITE), value)
    assert stored == _theirs_bind(kind, value)
    back = _ours(conversions.result_processor(kind, SQLITE), stored)
    assert back == _theirs_result(kind, stored) == value
    assert back.tzinfo is UTC


@given(st.uuids())
def test_a_uuid_is_stored_and_read_back_as_sqlalchemy_does(value: UUID) -> None:
    kind = Uuid()
    stored = _ours(conversions.bind_processor(kind, SQLITE), value)
    assert stored == _theirs_bind(kind, value)
    back = _ours(conversions.result_processor(kind, SQLITE), stored)
    theirs = _theirs_result(kind, stored)
    assert back == theirs == value
    assert (hash(back), str(back), back.version, back.is_safe) == (
        hash(theirs),
        str(theirs),
        theirs.version,
        theirs.is_safe,
    )


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (UtcDateTime(), "2026-11-30 23:12:16"),
        (UtcDateTime(), "2026-11-30"),
        (Uuid(), "0194c7d3-9d2b-7cc1-a3a5-0d53c3c1a2b4"),
    ],
)
def test_text_of_another_shape_is_read_by_sqlalchemy(kind: TypeEngine[Any], text: str) -> None:
    assert _ours(conversions.result_processor(kind, SQLITE), text) == _theirs_result(kind, text)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        _ours(conversions.bind_processor(UtcDateTime(), SQLITE), datetime(2026, 1, 1))


def test_other_dialects_keep_sqlalchemys_processors() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    kind = UtcDateTime()
    ours = conversions.bind_processor(kind, dialect)
    theirs = kind.dialect_impl(dialect).bind_processor(dialect)
    value = datetime(2026, 1, 1, tzinfo=UTC)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert ours(value) == theirs(value)
