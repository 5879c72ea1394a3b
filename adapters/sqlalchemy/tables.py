"""The relational schema, in SQLAlchemy's typed declarative style.

These classes describe tables only: the repositories query them with Core statements (cheap on
the hot paths) and ``mappers.py`` turns rows into domain objects and back, so the domain is never
instrumented by the ORM. Alembic's migrations must produce exactly this schema (a test compares
them).

Portable choices, so SQLite and PostgreSQL behave the same:

* money is ``NUMERIC(14, 2)`` (twelve digits before the point, as ``MAX_MONEY``); SQLite keeps
  it as a double, which holds fourteen significant digits exactly;
* quantities are ``BIGINT``; ``CHECK (quantity >= 0)`` is a backstop behind the domain rule;
* times are stored in UTC and always come back timezone-aware (``UtcDateTime``);
* case-insensitive matching uses stored ``casefold()`` keys (``name_key``, ``username_key``)
  instead of SQL ``lower()``, which only folds ASCII on SQLite and follows the locale on
  PostgreSQL; on PostgreSQL the sorted text columns use the "C" collation so the order is by
  code point, as in Python;
* the ledger's order is its insertion order (``seq``), which stays right when two movements
  share a timestamp.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
    column,
    func,
    table,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC ``datetime`` on every backend.

    PostgreSQL gets ``timestamptz``; SQLite gets naive UTC text, whose fixed-width format sorts
    chronologically. Naive datetimes are refused: they are a bug in the caller.

    On SQLite a value crosses in one step each way (``isoformat``, ``fromisoformat``) instead of
    SQLAlchemy's two (this type's, then SQLite ``DATETIME``'s ``%`` formatting or regular
    expression): times are in every row read or written. The text is the same
    (``tests/unit/adapters/test_conversions.py``); text of another shape is read the long way.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(_NAIVE)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_text
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        slow = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or slow is None:
            return slow

        def process(value: Any) -> Any:
            if type(value) is str and len(value) == _SQLITE_TEXT_LENGTH:
                return datetime.fromisoformat(value + "+00:00")  # ``replace`` costs 7 times more
            return slow(value)

        return process


_NAIVE = "naive datetimes are not stored; use timezone-aware UTC"
#: "YYYY-MM-DD HH:MM:SS.ffffff", as SQLAlchemy's SQLite ``DATETIME`` writes it.
_SQLITE_TEXT_LENGTH = 26


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(_NAIVE)
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:_SQLITE_TEXT_LENGTH]  # without "+00:00"


def _sortable(length: int | None = None) -> String:
    """Text compared by code point: the "C" collation on PostgreSQL, SQLite's default elsewhere."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


#: SQLite only auto-increments an ``INTEGER PRIMARY KEY`` (the rowid).
_SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        CheckConstraint("reorder_level >= 0", name="reorder_level_nonnegative"),
        CheckConstraint("unit_price >= 0", name="unit_price_nonnegative"),
        Index("ix_items_name_key_id", "name_key", "id"),
        Index("ix_items_quantity_id", "quantity", "id"),
        Index("ix_items_created_at_id", "created_at", "id"),
        Index("ix_items_updated_at_id", "updated_at", "id"),
        # Partial: only archived rows. The lists' ``archived_at IS NULL`` cannot use it, so
        # SQLite (which has no statistics) never walks it instead of the sort or search index.
        Index(
            "ix_items_archived_at",
            "archived_at",
            sqlite_where=text("archived_at IS NOT NULL"),
            postgresql_where=text("archived_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sku: Mapped[str] = mapped_column(_sortable(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(_sortable(600))
    description: Mapped[str | None] = mapped_column(Text)
    description_key: Mapped[str | None] = mapped_column(Text)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    tax_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    quantity: Mapped[int] = mapped_column(BigInteger)
    #: What reservations hold, in all (migration 0008): kept with the stock rows' ``reserved``.
    held: Mapped[int] = mapped_column(BigInteger, server_default="0")
    #: ``Item.hold_expires_at`` (migration 0008): a reader recounts ``held`` once it passed.
    hold_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reorder_level: Mapped[int] = mapped_column(BigInteger)
    image_key: Mapped[str | None] = mapped_column(String(255))
    image_content_type: Mapped[str | None] = mapped_column(String(100))
    image_size: Mapped[int | None] = mapped_column(BigInteger)
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Set while archived (migration 0007): out of lists, its SKU still taken.
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MovementRow(Base):
    """One ledger line. It outlives its item: purging an item keeps its ledger (migration 0007
    dropped the foreign key that cascaded the delete), as the record of real goods."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        Index("ix_stock_movements_item_id_seq", "item_id", "seq"),
        # Stock as of an instant (migration 0007): an item's last movement up to a time, in
        # all and at each location.
        Index("ix_stock_movements_item_id_occurred_at_seq", "item_id", "occurred_at", "seq"),
        Index(
            "ix_stock_movements_item_id_location_id_occurred_at_seq",
            "item_id",
            "location_id",
            "occurred_at",
            "seq",
        ),
    )

    seq: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    delta: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(20))
    quantity_after: Mapped[int] = mapped_column(BigInteger)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(100))
    #: No foreign key: a deleted (empty) location's ledger lines stay, as history.
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    #: The reservation a ``sold`` line fulfilled (migration 0008; no foreign key, as history).
    reservation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: What the item holds at the location after this movement (migration 0007).
    held_after: Mapped[int | None] = mapped_column(BigInteger)


class LocationRow(Base):
    """A place stock is held; ``parent_id`` makes the tree (migration 0004)."""

    __tablename__ = "locations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    code: Mapped[str] = mapped_column(_sortable(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(600))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LocationStockRow(Base):
    """What an item holds at a location; the quantities of an item sum to ``items.quantity``
    and are written in the same transaction, under the item row's lock."""

    __tablename__ = "location_stock"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        Index("ix_location_stock_location_id_item_id", "location_id", "item_id"),
    )

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger)
    #: What active reservations hold here (migration 0008); never more than ``quantity``.
    reserved: Mapped[int] = mapped_column(BigInteger, server_default="0")


class ReservationRow(Base):
    """A hold on stock (``domain.reservations``). One reference holds an item once; the
    sweeper finds overdue holds by (status, expires_at)."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("uq_reservations_item_id_reference", "item_id", "reference", unique=True),
        Index("ix_reservations_status_expires_at", "status", "expires_at"),
        Index("ix_reservations_reference", "reference"),
        Index("ix_reservations_created_at_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    fulfilled_quantity: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(BigInteger)


class StocktakeRow(Base):
    __tablename__ = "stocktakes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    location_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    committed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StocktakeLineRow(Base):
    __tablename__ = "stocktake_lines"

    stocktake_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stocktakes.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    expected: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger)
    counted: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(_sortable(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    full_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    token_version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoginFailureRow(Base):
    __tablename__ = "login_failures"

    username_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyRow(Base):
    """A claimed ``Idempotency-Key``; ``status`` is NULL while the first request is running."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    headers: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LoginSessionRow(Base):
    """A refresh-token family (``domain.sessions``); ``token_hash`` is the current token's."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_version: Mapped[int] = mapped_column(BigInteger)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    device: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(100))


class RefreshTokenRow(Base):
    """Every refresh token a session ever had, by hash: an earlier one coming back is reuse."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE"), index=True
    )


class ApiTokenRow(Base):
    """An API token (``domain.api_tokens``), found by the keyed hash of its secret."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: Space-separated, sorted.
    scopes: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditRow(Base):
    """One audit record (``domain.audit``), append-only: triggers of migration 0007 refuse
    ``UPDATE`` and ``DELETE``. ``changes`` is a JSON list of ``[field, old, new]``."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity_entity_id_seq", "entity", "entity_id", "seq"),
        Index("ix_audit_log_occurred_at", "occurred_at"),
        Index("ix_audit_log_actor_id_seq", "actor_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(10))
    request_id: Mapped[str | None] = mapped_column(String(128))
    changes: Mapped[str] = mapped_column(Text)


class EventRow(Base):
    """The outbox (migration 0006): every domain event, written by the transaction of its change.

    ``seq`` is the order of writing; ``position`` is the place in the order consumers see: on
    PostgreSQL NULL until the relay gives the committed row its place, on SQLite given as the
    row is written (``application/outbox.py`` and ``event_log.py`` say why).
    """

    __tablename__ = "events"
    __table_args__ = (
        Index(
            "ix_events_pending",
            "seq",
            postgresql_where=text("position IS NULL"),
            sqlite_where=text("position IS NULL"),
        ),
        Index("ix_events_aggregate_id_position", "aggregate_id", "position"),
    )

    seq: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    position: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    aggregate_version: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payload: Mapped[str] = mapped_column(Text)


class EventCursorRow(Base):
    """How far each durable sink (webhooks, the broker) has delivered the outbox."""

    __tablename__ = "event_cursors"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)


class WebhookRow(Base):
    """A webhook endpoint and where its deliveries stand (``domain/webhooks.py``)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[str] = mapped_column(Text)  # JSON list; empty = every type
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookAttemptRow(Base):
    """One line of an endpoint's delivery log; it goes with its endpoint."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_endpoint_id_seq", "endpoint_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(500))
    manual: Mapped[bool] = mapped_column(Boolean)


def _table(row: type[Base]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)
    return table


metadata = Base.metadata
items = _table(ItemRow)
movements = _table(MovementRow)
users = _table(UserRow)
login_failures = _table(LoginFailureRow)
idempotency_keys = _table(IdempotencyRow)
locations = _table(LocationRow)
location_stock = _table(LocationStockRow)
reservations = _table(ReservationRow)
stocktakes = _table(StocktakeRow)
stocktake_lines = _table(StocktakeLineRow)
login_sessions = _table(LoginSessionRow)
refresh_tokens = _table(RefreshTokenRow)
api_tokens = _table(ApiTokenRow)
audit_log = _table(AuditRow)
events = _table(EventRow)
event_cursors = _table(EventCursorRow)
webhook_endpoints = _table(WebhookRow)
webhook_attempts = _table(WebhookAttemptRow)

#: The low-stock filter is ``quantity - reorder_level <= 0``, written so that this index serves it.
Index("ix_items_stock_margin", items.c.quantity - items.c.reorder_level)

#: ``Index.info`` key naming the only dialect an index exists on (autogenerate skips it elsewhere).
ONLY_ON = "only_on"


def _postgresql_only(name: str, expression: ColumnElement[Any], key: str) -> Index:
    index = Index(
        name,
        expression.label(key),
        postgresql_using="gin",
        postgresql_ops={key: "gin_trgm_ops"},
        postgresql_with={"gin_pending_list_limit": 256},
        info={ONLY_ON: "postgresql"},
    )
    return index.ddl_if(dialect="postgresql")


# ``q=`` on PostgreSQL: pg_trgm GIN indexes on exactly the expressions the search filters with
# ``LIKE '%…%'`` (migration 0002). Declared here so that autogenerate on PostgreSQL checks that
# the migration built them on these expressions (it does not compare the method, operator class
# or storage options: tests/integration/test_sql_search.py does). SQLite's search index is an
# FTS5 table kept by triggers, outside this metadata (``adapters/sqlalchemy/search.py``).
_postgresql_only("ix_items_search_sku", func.lower(items.c.sku), "sku_lower")
_postgresql_only("ix_items_search_name", items.c.name_key, "name_key")
_postgresql_only("ix_items_search_description", items.c.description_key, "description_key")

#: SQLite's search index (migration 0002): the FTS5 table, its shadow tables and the rowid map.
#: Triggers, not the ORM, write them, so they are not part of this metadata.
SQLITE_SEARCH_INDEX = "items_search"


def _sqlite_search_index(name: str) -> bool:
    return name == SQLITE_SEARCH_INDEX or name.startswith(f"{SQLITE_SEARCH_INDEX}_")


#: PostgreSQL's count of items (migration 0003), kept by triggers, read by the list's total.
ITEM_TOTAL = "item_total"
item_total = table(ITEM_TOTAL, column("total", BigInteger()))


def autogenerate_filters(dialect: str) -> dict[str, Any]:
    """Alembic's ``include_name`` / ``include_object`` hooks for comparing a ``dialect``
    database with this metadata: objects that exist on one dialect only are left out there,
    instead of being reported as missing or extra."""

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        kept_by_triggers = name is not None and (_sqlite_search_index(name) or name == ITEM_TOTAL)
        return not (type_ == "table" and kept_by_triggers)

    def include_object(
        obj: Any, _name: str | None, type_: str, reflected: bool, _compare_to: Any
    ) -> bool:
        only_on = obj.info.get(ONLY_ON) if type_ == "index" and not reflected else None
        return only_on is None or only_on == dialect

    return {"include_name": include_name, "include_object": include_object}
