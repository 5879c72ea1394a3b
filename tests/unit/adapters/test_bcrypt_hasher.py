"""bcrypt, called directly: 72-byte limit, dummy checks, re-hash detection."""

import bcrypt
import pytest

from adapters.security import BcryptPasswordHasher

PASSWORD = "correct horse battery"


@pytest.fixture
def hasher() -> BcryptPasswordHasher:
    return BcryptPasswordHasher(rounds=4)


async def test_hash_and_verify_round_trip(hasher: BcryptPasswordHasher) -> None:
    hashed = await hasher.hash(PASSWORD)
    assert hashed.startswith("$2b$04$")
    assert PASSWORD not in hashed
    assert await hasher.verify(PASSWORD, hashed)
    assert not await hasher.verify("wrong password", hashed)
    assert await hasher.hash(PASSWORD) != hashed  # salted


async def test_non_ascii_passwords_round_trip(hasher: BcryptPasswordHasher) -> None:
    password = "\N{GRINNING FACE}" * 18  # 72 bytes exactly
    hashed = await hasher.hash(password)
    assert await hasher.verify(password, hashed)


async def test_no_stored_hash_never_matches(hasher: BcryptPasswordHasher) -> None:
    assert await hasher.verify(PASSWORD, None) is False
    assert await hasher.verify("x" * 100, None) is False
    await hasher.warm_up()
    assert await hasher.verify(PASSWORD, None) is False


async def test_passwords_over_72_bytes_never_match(hasher: BcryptPasswordHasher) -> None:
    hashed = await hasher.hash("x" * 72)
    # bcrypt itself would compare only the first 72 bytes (and bcrypt 5 raises instead)
    assert not await hasher.verify("x" * 73, hashed)
    assert not await hasher.verify("\N{GRINNING FACE}" * 19, hashed)
    with pytest.raises(ValueError, match="72 bytes"):
        await hasher.hash("x" * 73)


@pytest.mark.parametrize(
    "stored", ["", "not a hash", "$2b$04$short", "$2b$99$" + "a" * 53, "é" * 60, "$2b$04$\x00"]
)
async def test_a_malformed_stored_hash_never_matches(
    hasher: BcryptPasswordHasher, stored: str
) -> None:
    assert await hasher.verify(PASSWORD, stored) is False


async def test_needs_rehash_compares_the_cost(hasher: BcryptPasswordHasher) -> None:
    weak = await hasher.hash(PASSWORD)
    assert not hasher.needs_rehash(weak)
    stronger = BcryptPasswordHasher(rounds=5)
    assert stronger.needs_rehash(weak)
    assert not stronger.needs_rehash(await stronger.hash(PASSWORD))
    assert not hasher.needs_rehash(bcrypt.hashpw(b"x", bcrypt.gensalt(6)).decode())
    assert hasher.needs_rehash("garbage")
    assert hasher.needs_rehash("$2b$xx$")


@pytest.mark.parametrize("rounds", [3, 32])
def test_rounds_are_bounded(rounds: int) -> None:
    with pytest.raises(ValueError, match="rounds"):
        BcryptPasswordHasher(rounds=rounds)
