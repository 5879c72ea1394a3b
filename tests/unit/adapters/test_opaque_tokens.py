"""Refresh and API tokens: random, recognisable, hashed under a key of their own."""

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from adapters.security import HmacOpaqueTokens
from tests.conftest import TEST_SECRET


def test_tokens_are_256_random_bits_after_their_prefix() -> None:
    tokens = HmacOpaqueTokens(TEST_SECRET)
    made = {tokens.new("inv_") for _ in range(100)}
    assert len(made) == 100
    assert all(token.startswith("inv_") and len(token) == 4 + 43 for token in made)
    assert len(tokens.new()) == 43


@given(st.text(max_size=200))
def test_the_digest_is_a_keyed_hash_not_of_the_secret_key_itself(token: str) -> None:
    tokens = HmacOpaqueTokens(TEST_SECRET)
    digest = tokens.digest(token)
    assert digest == tokens.digest(token)
    assert len(digest) == 32
    assert digest != HmacOpaqueTokens(TEST_SECRET + "x").digest(token)
    encoded = token.encode("utf-8", "surrogatepass")
    # The JWT key (the secret itself) never hashes tokens: a derived key does.
    assert digest != hmac.new(TEST_SECRET.encode(), encoded, hashlib.sha256).digest()
