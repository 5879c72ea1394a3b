"""Bursts of concurrent logins on every store: attempts are counted before their password
checks, so a burst gets the free checks and no more (issue 12, item 1).

The password checks are held until every attempt of the burst was counted or refused (see
``tests/logins.py``): the worst case, reached without relying on timing. The clock stands
still, so no back-off delay runs out during a burst.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from dependency_injector import providers

from adapters.clock import FixedClock
from application.commands import RegisterUserCommand
from application.errors import TooManyAttempts
from entrypoints.container import Container, build_container, close
from tests.conftest import make_settings
from tests.databases import empty_postgres, fresh_sqlite_url
from tests.integration.conftest import SQL_BACKENDS
from tests.logins import GatedHasher, log_in, outcomes, settle, start

PASSWORD = "correct horse battery"
FREE_PER_ADDRESS = 12
BURST = 40


@pytest.fixture(params=["memory", *SQL_BACKENDS])
async def container(  # type: ignore[override]
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[Container]:
    """A container on each store, with a per-address allowance small enough to exhaust."""
    values: dict[str, object] = {"login_free_attempts_per_address": FREE_PER_ADDRESS}
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        values.update(
            storage="sqlalchemy", database_url=fresh_sqlite_url(template, tmp_path / "db")
        )
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        await empty_postgres(url)
        values.update(storage="sqlalchemy", database_url=url, db_pool_size=10)
    built = build_container(make_settings(tmp_path, **values))
    with built.clock.override(providers.Object(clock)):
        yield built
    await close(built)


@pytest.fixture
def hasher(container: Container) -> Iterator[GatedHasher]:
    """Checks wait for the gate, which starts closed."""
    fake = GatedHasher()
    with container.password_hasher.override(providers.Object(fake)):
        yield fake


async def register(container: Container, username: str) -> None:
    command = RegisterUserCommand(actor=None, username=username, password=PASSWORD, role="admin")
    await container.register_user().execute(command)


async def test_a_burst_of_wrong_guesses_gets_the_free_checks_and_no_more(
    container: Container, hasher: GatedHasher
) -> None:
    """From many addresses (a botnet): only the username's counter can stop it."""
    await register(container, "root")
    free = container.settings().login_free_attempts
    guesses = start(
        [log_in(container, "root", f"guess {n}", address=f"192.0.2.{n}") for n in range(BURST)]
    )
    await settle(guesses, hasher)
    inside = start([log_in(container, "root", PASSWORD, address="198.51.100.1")])
    await settle(guesses + inside, hasher)
    hasher.gate.set()
    assert await outcomes(guesses) == {"401": free, "429": BURST - free}
    assert await outcomes(inside) == {"429": 1}
    assert len(hasher.verified) == free
    with pytest.raises(TooManyAttempts):
        await log_in(container, "root", PASSWORD, address="198.51.100.2")


async def test_a_spray_from_one_address_gets_its_allowance_and_no_more(
    container: Container, hasher: GatedHasher
) -> None:
    """One guess for each of many usernames: only the address's counter can stop it."""
    await register(container, "root")
    sprayer = "203.0.113.9"
    sprayed = start(
        [log_in(container, f"user{n}", "Summer2026!", address=sprayer) for n in range(BURST)]
    )
    await settle(sprayed, hasher)
    inside = start([log_in(container, "root", PASSWORD, address=sprayer)])
    await settle(sprayed + inside, hasher)
    hasher.gate.set()
    assert await outcomes(sprayed) == {"401": FREE_PER_ADDRESS, "429": BURST - FREE_PER_ADDRESS}
    assert await outcomes(inside) == {"429": 1}
    assert len(hasher.verified) == FREE_PER_ADDRESS
    assert await log_in(container, "root", PASSWORD, address="198.51.100.1")
