"""The RabbitMQ sink: the relay's leader publishes every event to a topic exchange.

Routing key = the event type (``stock.adjusted``: bind ``stock.*`` or ``#``); messages are
persistent, carry the event id as ``message_id`` (consumers dedupe by it) and the position in a
header; the body is the same JSON envelope a webhook gets. The channel has publisher confirms:
``deliver`` returns only once the broker confirmed every message, and only then does the relay
move the sink's cursor. A lost connection fails the batch, which the relay offers again (at
least once): a new connection is opened for it.
"""

import logging
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

from application.outbox import StoredEvent
from application.webhook_signing import delivery_body

logger = logging.getLogger(__name__)


class RabbitMqSink:
    name = "rabbitmq"

    def __init__(self, url: str, *, exchange: str = "inventory.events", timeout: float = 10.0):
        self._url = url
        self._exchange_name = exchange
        self._timeout = timeout
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    async def _open(self) -> AbstractExchange:
        if self._exchange is not None and self._connection and not self._connection.is_closed:
            return self._exchange
        await self.aclose()
        self._connection = await aio_pika.connect(self._url, timeout=self._timeout)
        self._channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        return self._exchange

    async def deliver(self, events: Sequence[StoredEvent]) -> None:
        try:
            exchange = await self._open()
            for event in events:  # one channel: the broker keeps their order
                message = aio_pika.Message(
                    body=delivery_body(event),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=str(event.event_id),
                    timestamp=event.occurred_at,
                    headers={"position": event.position},
                )
                await exchange.publish(
                    message, routing_key=event.type, mandatory=False, timeout=self._timeout
                )
        except Exception:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        self._channel = self._exchange = None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except Exception:
                logger.debug("closing the broker connection failed", exc_info=True)
