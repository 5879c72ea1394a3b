"""Finding the PostgreSQL server for tests: skip when none is configured, fail when CI needs one.

``INVENTORY_TEST_POSTGRES_URL`` names it; with ``INVENTORY_TEST_POSTGRES_REQUIRED=1`` (CI, see
``.ci/run``) an unreachable server is a failure, never a silent skip.
"""

import os

import asyncpg
import pytest


async def postgres_url_or_skip() -> str:
    url = os.environ.get("INVENTORY_TEST_POSTGRES_URL")
    required = os.environ.get("INVENTORY_TEST_POSTGRES_REQUIRED") == "1"
    if not url:
        if required:
            pytest.fail(
                "INVENTORY_TEST_POSTGRES_REQUIRED=1 but INVENTORY_TEST_POSTGRES_URL is unset"
            )
        pytest.skip("set INVENTORY_TEST_POSTGRES_URL to run the PostgreSQL tests")
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at INVENTORY_TEST_POSTGRES_URL is unreachable: {error!r}"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    await connection.close()
    return url
