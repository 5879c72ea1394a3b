"""The one-step conversions of times and UUIDs on SQLite store and read back exactly what
SQLAlchemy's own processors do, for any value."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime, Uuid
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy import conversions
from adapters.sqlalchemy.tables import UtcDateTime

SQLITE = sqlite.dialect()  # type: ignore[no-untyped-call]
#: What ``UtcDateTime`` goes through on SQLite without its own processors.
SQLITE_DATETIME = DateTime(timezone=True).dialect_impl(SQLITE)

offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)


def _call(processor: conversions.Processor, value: Any) -> Any:
    assert processor is not None
    return processor(value)


def _two_steps_bind(value: datetime) -> Any:
    naive = UtcDateTime().process_bind_param(value, SQLITE)
    return _call(SQLITE_DATETIME.bind_processor(SQLITE), naive)


def _two_steps_result(text: str) -> Any:
    parsed = _call(SQLITE_DATETIME.result_processor(SQLITE, None), text)
    return UtcDateTime().process_result_value(parsed, SQLITE)


@given(aware)
def test_a_time_is_stored_and_read_back_as_sqlalchemy_does(value: datetime) -> None:
    kind = UtcDateTime()
    stored = _call(kind.dialect_impl(SQLITE).bind_processor(SQLITE), value)
    assert stored == _two_steps_bind(value)
    back = _call(kind.dialect_impl(SQLITE).result_processor(SQLITE, None), stored)
    assert back == _two_steps_result(stored) == value
    assert back.tzinfo is UTC
    assert _call(conversions.bind_processor(kind, SQLITE), value) == stored
    assert _call(conversions.result_processor(kind, SQLITE), stored) == back


@given(st.uuids())
def test_a_uuid_is_stored_and_read_back_as_sqlalchemy_does(value: UUID) -> None:
    kind = Uuid()
    stored = _call(conversions.bind_processor(kind, SQLITE), value)
    assert stored == _call(kind.dialect_impl(SQLITE).bind_processor(SQLITE), value)
    back = _call(conversions.result_processor(kind, SQLITE), stored)
    theirs = _call(kind.dialect_impl(SQLITE).result_processor(SQLITE, None), stored)
    assert back == theirs == value
    assert (hash(back), str(back), back.version, back.is_safe) == (
        hash(theirs),
        str(theirs),
        theirs.version,
        theirs.is_safe,
    )


@pytest.mark.parametrize("text", ["2026-11-30 23:12:16", "2026-11-30", "2026-11-30 23:12:16.5"])
def test_time_text_of_another_shape_is_read_the_long_way(text: str) -> None:
    process = UtcDateTime().dialect_impl(SQLITE).result_processor(SQLITE, None)
    assert _call(process, text) == _two_steps_result(text)


def test_uuid_text_of_another_shape_is_read_by_sqlalchemy() -> None:
    text = "0194c7d3-9d2b-7cc1-a3a5-0d53c3c1a2b4"
    kind = Uuid()
    theirs = _call(kind.dialect_impl(SQLITE).result_processor(SQLITE, None), text)
    assert _call(conversions.result_processor(kind, SQLITE), text) == theirs


def test_a_naive_time_is_refused_and_none_stays_none() -> None:
    process = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    with pytest.raises(ValueError, match="naive"):
        _call(process, datetime(2026, 1, 1))
    assert _call(process, None) is None
    assert _call(UtcDateTime().dialect_impl(SQLITE).result_processor(SQLITE, None), None) is None


def test_other_dialects_keep_sqlalchemys_two_steps() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    value = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    process = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    stored = value.astimezone(UTC) if process is None else process(value)
    assert stored == value.astimezone(UTC)
