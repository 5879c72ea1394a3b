"""History that is never lost: archived items, and a ledger that outlives a purged item.

* ``items.archived_at``: archiving replaces deleting. PostgreSQL's kept item total (migration
  0003) now counts the items in use only: a row trigger follows ``archived_at`` changes, and
  the insert and delete triggers count rows that are not archived.
* ``stock_movements.item_id`` loses its ``ON DELETE CASCADE`` foreign key: a purged item's
  ledger stays. Every existing ledger row is kept (SQLite copies the table to drop the key).

* ``stock_movements.held_after`` (backfilled: the running balance at the movement's location)
  and two indexes: an item's stock at an instant is its last movement by then, one lookup.
* ``audit_log``: the audit trail, append-only: triggers refuse ``UPDATE`` and ``DELETE`` on
  both engines, so not even a hand-written statement of the service can rewrite history.

Items deleted before this revision stay gone: their ledger went with them then.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from adapters.sqlalchemy.tables import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEY = "fk_stock_movements_item_id_items"
_BACKFILL_HELD_AFTER = """
UPDATE stock_movements SET held_after = running.held
FROM (
    SELECT seq, SUM(delta) OVER (PARTITION BY item_id, location_id ORDER BY seq) AS held
    FROM stock_movements
) AS running
WHERE running.seq = stock_movements.seq
"""


@contextmanager
def _ledger_table() -> Iterator[BatchOperations]:
    """Alter the ledger; SQLite copies the table, reflecting it and the items it refers to.
    Reflection skips the expression index on items (``ix_items_stock_margin``) with a warning;
    the copy does not touch items, so the warning says nothing here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("stock_movements") as batch:
            yield batch


_TOTAL_IN_USE = (
    "UPDATE item_total SET total = (SELECT count(*) FROM items WHERE archived_at IS NULL)",
    """CREATE OR REPLACE FUNCTION item_total_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total
            SET total = total + (SELECT count(*) FROM inserted WHERE archived_at IS NULL);
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION item_total_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total
            SET total = total - (SELECT count(*) FROM deleted WHERE archived_at IS NULL);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION item_total_after_archive() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total
            SET total = total + CASE WHEN NEW.archived_at IS NULL THEN 1 ELSE -1 END;
        RETURN NULL;
    END $$""",
    # A row trigger on the one column: stock movements (the hot path) never fire it.
    """CREATE TRIGGER item_total_after_archive AFTER UPDATE OF archived_at ON items
        FOR EACH ROW WHEN ((OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL))
        EXECUTE FUNCTION item_total_after_archive()""",
)
_TOTAL_OF_ALL = (
    "DROP TRIGGER item_total_after_archive ON items",
    "DROP FUNCTION item_total_after_archive()",
    """CREATE OR REPLACE FUNCTION item_total_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total SET total = total + (SELECT count(*) FROM inserted);
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION item_total_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total SET total = total - (SELECT count(*) FROM deleted);
        RETURN NULL;
    END $$""",
    "UPDATE item_total SET total = (SELECT count(*) FROM items)",
)


_APPEND_ONLY = {
    "postgresql": (
        """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only';
        END $$""",
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    ),
    "sqlite": tuple(
        f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
        for verb in ("UPDATE", "DELETE")
    ),
}
_ALLOW_CHANGES = {
    "postgresql": (
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DROP FUNCTION audit_log_append_only()",
    ),
    "sqlite": ("DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"),
}


def _create_audit_log(dialect: str) -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_log_id")),
    )
    op.create_index(
        "ix_audit_log_entity_entity_id_seq", "audit_log", ["entity", "entity_id", "seq"]
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"])
    op.create_index("ix_audit_log_actor_id_seq", "audit_log", ["actor_id", "seq"])
    for statement in _APPEND_ONLY.get(dialect, ()):
        op.execute(statement)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    _create_audit_log(op.get_bind().dialect.name)
    op.add_column("items", sa.Column("archived_at", UtcDateTime(), nullable=True))
    archived = sa.text("archived_at IS NOT NULL")
    op.create_index(
        "ix_items_archived_at",
        "items",
        ["archived_at"],
        sqlite_where=archived,
        postgresql_where=archived,
    )
    with _ledger_table() as batch:
        batch.drop_constraint(_FOREIGN_KEY, type_="foreignkey")
    op.add_column("stock_movements", sa.Column("held_after", sa.BigInteger(), nullable=True))
    # Each existing row's running balance at its location, in ledger order.
    op.execute(_BACKFILL_HELD_AFTER)
    op.create_index(
        "ix_stock_movements_item_id_occurred_at_seq",
        "stock_movements",
        ["item_id", "occurred_at", "seq"],
    )
    op.create_index(
        "ix_stock_movements_item_id_location_id_occurred_at_seq",
        "stock_movements",
        ["item_id", "location_id", "occurred_at", "seq"],
    )
    if postgresql:
        for statement in _TOTAL_IN_USE:
            op.execute(statement)


def downgrade() -> None:
    """Back to deleting: purged items' ledger rows (whose item is gone) go, as they would
    have then; archived items come back into use."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for statement in _TOTAL_OF_ALL:
            op.execute(statement)
    op.drop_index(
        "ix_stock_movements_item_id_location_id_occurred_at_seq", table_name="stock_movements"
    )
    op.drop_index("ix_stock_movements_item_id_occurred_at_seq", table_name="stock_movements")
    with _ledger_table() as batch:
        batch.drop_column("held_after")
    op.execute("DELETE FROM stock_movements WHERE item_id NOT IN (SELECT id FROM items)")
    with _ledger_table() as batch:
        batch.create_foreign_key(_FOREIGN_KEY, "items", ["item_id"], ["id"], ondelete="CASCADE")
    op.drop_index("ix_items_archived_at", table_name="items")
    op.drop_column("items", "archived_at")
    for statement in _ALLOW_CHANGES.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    op.drop_table("audit_log")
