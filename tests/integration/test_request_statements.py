"""What one request costs the database, statement by statement, on SQLite and PostgreSQL.

An authenticated request opens one session (one pooled connection) in which the caller's token
is checked against the store and the use case does its work (an API token and its user in one
SELECT, like a JWT's user). A read sends its two SELECTs with no transaction around them; a
stock movement is one transaction of eight statements on SQLite (the item is read with its
stock per location in one SELECT, the location's row written in one upsert, the last INSERT
writes its events to the outbox, issue 16), ten on PostgreSQL (its stock rows are read after
the item's lock is taken, see ``item_repository``; every write transaction there takes the
shared lock that as-of reads wait for, see ``adapters/sqlalchemy/ledger.py``), two more with
an idempotency key.
"""

import re
from datetime import UTC, datetime

from adapters.clock import FixedClock
from application.commands import (
    AdjustStockCommand,
    CreateApiTokenCommand,
    CreateItemCommand,
    CreateReservationCommand,
    RegisterUserCommand,
)
from application.credentials import ApiTokenCredential
from application.ports import TokenClaims
from entrypoints.container import Container
from tests.databases import counted_checkouts
from tests.integration.conftest import ADMIN

LATER = datetime(2100, 1, 1, tzinfo=UTC)
_WORDS = re.compile(r"^\s*(\w+(?: IMMEDIATE)?)(?:.*?\b(?:FROM|INTO|UPDATE)\s+(\w+))?", re.S)


def shape(sent: list[tuple[str, object]]) -> list[str]:
    """Each statement as its verb and table (``SELECT users``)."""
    out: list[str] = []
    for statement, _parameters in sent:
        found = _WORDS.match(statement)
        assert found is not None, statement
        verb, table = found.group(1).upper(), found.group(2)
        if verb == "UPDATE":
            table = statement.split()[1]
        locked = " FOR UPDATE" if statement.rstrip().upper().endswith("FOR UPDATE") else ""
        out.append(f"{verb} {table}{locked}" if table else verb)
    return out


async def caller(container: Container) -> TokenClaims:
    user = await container.register_user().execute(
        RegisterUserCommand(actor=ADMIN, username="clerk", password="a-long-pass", role="clerk")
    )
    return TokenClaims(user_id=user.id, token_version=user.token_version, expires_at=LATER)


async def test_an_authenticated_get_is_one_session_of_two_selects(
    sql_container: Container,
) -> None:
    claims = await caller(sql_container)
    command = CreateItemCommand(actor=claims, sku="A", name="A", unit_price="1", quantity=3)
    item = (await sql_container.create_item().execute(command)).item
    database = sql_container.database()
    with counted_checkouts(database) as checkouts, database.trace() as sent:
        await sql_container.get_item().execute(claims, item.id)
    assert shape(sent) == ["SELECT users", "SELECT items"]
    assert len(checkouts) == 1


async def test_a_movement_is_one_session_and_one_transaction(sql_container: Container) -> None:
    claims = await caller(sql_container)
    command = CreateItemCommand(actor=claims, sku="A", name="A", unit_price="1", quantity=3)
    item = (await sql_container.create_item().execute(command)).item
    database = sql_container.database()
    postgres = database.name == "postgresql"
    expected = [
        *(["BEGIN", "SELECT"] if postgres else ["BEGIN IMMEDIATE"]),  # SELECT: the ledger lock
        "SELECT users",
        *(["SELECT items FOR UPDATE", "SELECT location_stock"] if postgres else ["SELECT items"]),
        "UPDATE items",
        "INSERT location_stock",
        "INSERT stock_movements",
        "COMMIT",
    ]
    for key, extra in ((None, []), ("retry-1", ["INSERT idempotency_keys"])):
        adjust = AdjustStockCommand(
            actor=claims, item=item.id, delta=-1, reason="sold", idempotency_key=key
        )
        with counted_checkouts(database) as checkouts, database.trace() as sent:
            await sql_container.adjust_stock().execute(adjust)
        recorded = ["UPDATE idempotency_keys"] if key else []
        end, start = len(expected) - 1, expected.index("SELECT users") + 1
        # Both events of the movement in one statement; on SQLite after reading the highest
        # position, since its rows take the next ones as they are written (event_log.py).
        outbox = ["INSERT events"] if postgres else ["SELECT events", "INSERT events"]
        assert shape(sent) == [
            *expected[:start],
            *extra,
            *expected[start:end],
            *recorded,
            *outbox,
            "COMMIT",
        ]
        assert len(checkouts) == 1


async def test_an_api_token_get_is_one_select_of_token_and_user_then_the_item(
    sql_container: Container, clock: FixedClock
) -> None:
    """The token and its user are one indexed read: an API-token request costs what a JWT one
    does. Its last use is written at most once a minute, in a short write of its own."""
    claims = await caller(sql_container)
    command = CreateItemCommand(actor=claims, sku="A", name="A", unit_price="1", quantity=3)
    item = (await sql_container.create_item().execute(command)).item
    issued = await sql_container.create_api_token().execute(
        CreateApiTokenCommand(actor=claims, name="t", scopes=("items:read",))
    )
    database = sql_container.database()

    def credential() -> ApiTokenCredential:
        digest = sql_container.opaque_tokens().digest(issued.secret)
        return ApiTokenCredential(digest, clock.now())

    clock.advance(minutes=1)
    with counted_checkouts(database) as checkouts, database.trace() as sent:
        await sql_container.get_item().execute(credential(), item.id)
    touched = shape(sent)
    assert touched[0] == "SELECT api_tokens"
    assert "UPDATE api_tokens" in touched
    assert touched[-1] == "SELECT items"
    assert len(checkouts) == 2
    clock.advance(seconds=59)
    with counted_checkouts(database) as checkouts, database.trace() as sent:
        await sql_container.get_item().execute(credential(), item.id)
    assert shape(sent) == ["SELECT api_tokens", "SELECT items"]
    assert len(checkouts) == 1


async def test_a_held_item_is_read_in_one_select_until_its_first_hold_expires(
    sql_container: Container, clock: FixedClock
) -> None:
    """The item row says when its first hold expires: until then a read trusts the stored
    ``held`` (no statement more than for an item nothing holds), and so does a movement; once
    it has passed, and before anyone expired the hold, one more SELECT recounts the live holds."""
    claims = await caller(sql_container)
    command = CreateItemCommand(actor=claims, sku="A", name="A", unit_price="1", quantity=3)
    item = (await sql_container.create_item().execute(command)).item
    await sql_container.create_reservation().execute(
        CreateReservationCommand(actor=claims, item=item.id, quantity=2, reference="SO-1")
    )
    database = sql_container.database()
    with database.trace() as sent:
        read = await sql_container.get_item().execute(claims, item.id)
    assert (shape(sent), read.held) == (["SELECT users", "SELECT items"], 2)
    with database.trace() as sent:
        await sql_container.adjust_stock().execute(
            AdjustStockCommand(actor=claims, item=item.id, delta=-1, reason="sold")
        )
    assert "SELECT reservations" not in shape(sent)
    clock.advance(hours=1)  # the default TTL: the hold is overdue, nothing expired it yet
    with database.trace() as sent:
        read = await sql_container.get_item().execute(claims, item.id)
    # (On PostgreSQL, SQLAlchemy reports a BEGIN and a ROLLBACK around a Core read; the read
    # session's connection is in autocommit, so asyncpg sends neither.)
    recount = [word for word in shape(sent) if word not in ("BEGIN", "ROLLBACK")]
    assert recount == ["SELECT users", "SELECT items", "SELECT reservations"]
    assert (read.held, read.available) == (0, 2)
