"""Login throttling under concurrency, and per client address (issue 12, item 1).

Attempts are counted before their password is checked, so a burst of concurrent guesses gets
no more checks than one guess after another would; and a client address has an allowance of
its own, so guessing across many usernames from one address is slowed down too.
"""

from collections.abc import Iterator

import pytest
from dependency_injector import providers

from adapters.clock import FixedClock
from application.errors import AuthenticationFailed, TooManyAttempts
from application.use_cases import LoginPolicy
from entrypoints.container import Container
from tests.logins import GatedHasher, log_in, outcomes, settle, start
from tests.unit.use_cases.conftest import PASSWORD, register, store

FREE = 5
FREE_PER_ADDRESS = 8
SPRAYER = "203.0.113.9"


@pytest.fixture
def hasher(container: Container) -> Iterator[GatedHasher]:
    fake = GatedHasher()
    fake.gate.set()  # open unless a test closes it
    with container.password_hasher.override(providers.Object(fake)):
        yield fake


@pytest.fixture
def policy(container: Container) -> Iterator[LoginPolicy]:
    chosen = LoginPolicy(free_attempts=FREE, free_attempts_per_address=FREE_PER_ADDRESS)
    with container.login_policy.override(providers.Object(chosen)):
        yield chosen


async def test_a_burst_of_guesses_gets_the_free_checks_and_no_more(
    container: Container, hasher: GatedHasher, policy: LoginPolicy
) -> None:
    await register(container, "root", "admin", actor=None)
    hasher.gate.clear()
    guesses = start([log_in(container, "root", f"guess {n}") for n in range(40)])
    await settle(guesses, hasher)
    inside = start([log_in(container, "root", PASSWORD)])  # while the checks are running
    await settle(guesses + inside, hasher)
    hasher.gate.set()
    assert await outcomes(guesses) == {"401": FREE, "429": 40 - FREE}
    assert await outcomes(inside) == {"429": 1}
    assert len(hasher.verified) == FREE
    with pytest.raises(TooManyAttempts):  # and after the burst, still throttled
        await log_in(container, "root", PASSWORD)
    assert store(container).login_failures["user:root"].count == FREE


async def test_a_refused_attempt_is_not_counted(
    container: Container, hasher: GatedHasher, policy: LoginPolicy, clock: FixedClock
) -> None:
    await register(container, "root", "admin", actor=None)
    for _ in range(FREE):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "root", "wrong")
    for _ in range(10):
        with pytest.raises(TooManyAttempts) as refused:
            await log_in(container, "root", "wrong")
        assert refused.value.retry_after_seconds == 1  # refusals do not lengthen the wait
    clock.advance(seconds=1)
    assert await log_in(container, "root", PASSWORD)


async def test_guessing_across_usernames_from_one_address_is_throttled(
    container: Container, hasher: GatedHasher, policy: LoginPolicy
) -> None:
    await register(container, "root", "admin", actor=None)
    for n in range(FREE_PER_ADDRESS):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, f"user{n}", "Summer2026!", address=SPRAYER)
    checks = len(hasher.verified)
    with pytest.raises(TooManyAttempts) as refused:
        await log_in(container, "root", PASSWORD, address=SPRAYER)  # a fresh name, a right one
    assert refused.value.retry_after_seconds == 1
    assert len(hasher.verified) == checks
    # The usernames themselves are not throttled: from elsewhere, root logs in.
    assert await log_in(container, "root", PASSWORD, address="198.51.100.1")
    assert store(container).login_failures[f"addr:{SPRAYER}"].count == FREE_PER_ADDRESS


async def test_a_concurrent_spray_gets_the_address_allowance_and_no_more(
    container: Container, hasher: GatedHasher, policy: LoginPolicy
) -> None:
    hasher.gate.clear()
    names = [f"user{n}" for n in range(30)]
    sprayed = start([log_in(container, name, "Summer2026!", address=SPRAYER) for name in names])
    await settle(sprayed, hasher)
    hasher.gate.set()
    assert await outcomes(sprayed) == {"401": FREE_PER_ADDRESS, "429": 30 - FREE_PER_ADDRESS}


async def test_successes_do_not_use_up_their_address(
    container: Container, hasher: GatedHasher, policy: LoginPolicy
) -> None:
    await register(container, "root", "admin", actor=None)
    office = "198.51.100.20"
    for _ in range(FREE_PER_ADDRESS * 2):
        assert await log_in(container, "root", PASSWORD, address=office)
    assert f"addr:{office}" not in store(container).login_failures
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "ghost", "wrong", address=office)
    assert await log_in(container, "root", PASSWORD, address=office)
    assert store(container).login_failures[f"addr:{office}"].count == 2


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64: one customer
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:192.0.2.7", "192.0.2.7", True),  # IPv4-mapped is the IPv4 address
        ("192.0.2.7", "192.0.2.8", False),
    ],
)
async def test_which_addresses_share_a_counter(
    container: Container,
    hasher: GatedHasher,
    policy: LoginPolicy,
    first: str,
    second: str,
    shared: bool,
) -> None:
    for n in range(FREE_PER_ADDRESS):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, f"user{n}", "wrong", address=first)
    if shared:
        with pytest.raises(TooManyAttempts):
            await log_in(container, "another", "wrong", address=second)
    else:
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "another", "wrong", address=second)


@pytest.mark.parametrize("address", [None, "", "testclient", "not an address"])
async def test_without_an_ip_address_only_the_username_counts(
    container: Container, hasher: GatedHasher, policy: LoginPolicy, address: str | None
) -> None:
    with pytest.raises(AuthenticationFailed):
        await log_in(container, "ghost", "wrong", address=address)
    assert set(store(container).login_failures) == {"user:ghost"}


async def test_per_address_throttling_can_be_turned_off(
    container: Container, hasher: GatedHasher
) -> None:
    off = LoginPolicy(free_attempts=FREE, free_attempts_per_address=0)
    with container.login_policy.override(providers.Object(off)):
        for n in range(3 * FREE_PER_ADDRESS):
            with pytest.raises(AuthenticationFailed):
                await log_in(container, f"user{n}", "wrong", address=SPRAYER)
    assert f"addr:{SPRAYER}" not in store(container).login_failures


async def test_the_address_counter_starts_again_after_the_window(
    container: Container, hasher: GatedHasher, policy: LoginPolicy, clock: FixedClock
) -> None:
    for n in range(FREE_PER_ADDRESS):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, f"user{n}", "wrong", address=SPRAYER)
    clock.advance(seconds=policy.window_seconds + 1)
    with pytest.raises(AuthenticationFailed):
        await log_in(container, "another", "wrong", address=SPRAYER)
    assert store(container).login_failures[f"addr:{SPRAYER}"].count == 1


def test_the_container_takes_the_address_allowance_from_the_settings(
    container: Container,
) -> None:
    policy = container.login_policy()
    assert policy.free_attempts_per_address == container.settings().login_free_attempts_per_address
    assert policy.free_attempts_per_address > policy.free_attempts
