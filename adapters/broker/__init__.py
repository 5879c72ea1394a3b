"""The outbox's message-broker sink (RabbitMQ through aio-pika, the optional ``broker`` extra)."""
