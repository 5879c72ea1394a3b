"""The event outbox and the sinks' cursors (issue 16).

``events`` holds every domain event, written in the transaction of its change; the relay gives
committed rows their ``position``. ``ix_events_pending`` (partial: only unpositioned rows) keeps
the relay's search for new rows small however long the outbox grows.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.tables import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", _SEQUENCE, primary_key=True, autoincrement=True),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=True),
        sa.Column("aggregate_version", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.UniqueConstraint("position", name="uq_events_position"),
    )
    op.create_index(
        "ix_events_pending",
        "events",
        ["seq"],
        postgresql_where=sa.text("position IS NULL"),
        sqlite_where=sa.text("position IS NULL"),
    )
    op.create_index("ix_events_aggregate_id_position", "events", ["aggregate_id", "position"])
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])
    op.create_table(
        "event_cursors",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_event_cursors"),
    )


def downgrade() -> None:
    op.drop_table("event_cursors")
    op.drop_index("ix_events_occurred_at", table_name="events")
    op.drop_index("ix_events_aggregate_id_position", table_name="events")
    op.drop_index("ix_events_pending", table_name="events")
    op.drop_table("events")
