"""What several pure-ASGI middlewares need to know about the response passing through them."""

from starlette.types import Message, Send


class ResponseStatus:
    """Watches the messages sent through ``wrap(send)`` for the response's status.

    ``code`` stays None until the response has started, so a caller can tell "crashed before
    answering" (a 500 is still possible) from "crashed half-way" (too late for one).
    """

    __slots__ = ("code",)

    def __init__(self) -> None:
        self.code: int | None = None

    def wrap(self, send: Send) -> Send:
        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.code = message["status"]
            await send(message)

        return watching

    @property
    def started(self) -> bool:
        return self.code is not None
