"""The RabbitMQ server for the broker tests, as ``tests/databases.py`` does for PostgreSQL:
``INVENTORY_TEST_RABBITMQ_URL`` names it; without it the tests skip and say how to enable them;
with ``INVENTORY_TEST_RABBITMQ_REQUIRED=1`` (CI) an unset or unreachable broker fails the run.
A ``CuttableProxy`` between the sink and the broker lets a test cut the connection."""

import asyncio
import contextlib
import os
from urllib.parse import urlsplit

import aio_pika
import pytest

ENABLE_HINT = (
    "RabbitMQ tests are skipped: set INVENTORY_TEST_RABBITMQ_URL to enable them, e.g."
    " INVENTORY_TEST_RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672/ make test"
)


async def rabbitmq_url_or_skip() -> str:
    url = os.environ.get("INVENTORY_TEST_RABBITMQ_URL")
    required = os.environ.get("INVENTORY_TEST_RABBITMQ_REQUIRED") == "1"
    if not url:
        if required:
            pytest.fail(
                "INVENTORY_TEST_RABBITMQ_REQUIRED=1 but INVENTORY_TEST_RABBITMQ_URL is unset"
            )
        pytest.skip(ENABLE_HINT)
    try:
        connection = await aio_pika.connect(url, timeout=5)
    except Exception as error:
        message = f"RabbitMQ at INVENTORY_TEST_RABBITMQ_URL is unreachable: {error!r}"
        if required:
            pytest.fail(message + " (INVENTORY_TEST_RABBITMQ_REQUIRED=1)", pytrace=False)
        pytest.skip(message)
    await connection.close()
    return url


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 in front of the broker: ``cut`` closes every connection through
    it (the broker restarting, as the client sees it); ``refuse`` also turns new ones away."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5672)
        self._target_url = parts
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.refusing = False

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        parts = self._target_url
        credentials = f"{parts.username}:{parts.password}@" if parts.username else ""
        return f"{parts.scheme}://{credentials}127.0.0.1:{port}{parts.path or '/'}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        self._writers.update({writer, upstream_writer})
        await asyncio.gather(
            self._pipe(reader, upstream_writer),
            self._pipe(upstream_reader, writer),
            return_exceptions=True,
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    def cut(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
