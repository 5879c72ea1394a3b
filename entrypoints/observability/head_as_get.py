"""HEAD wherever GET is served, for ``RequestContext``."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """HEAD wherever GET is served (RFC 9110 §9.3.2): the request runs as a GET and the response
    keeps every header, ``Content-Length`` and ``ETag`` included, but loses its body.

    FastAPI's routes, unlike Starlette's, do not answer HEAD, and adding HEAD to each route's
    methods would publish a second OpenAPI operation per GET. The method is switched back to
    HEAD when the response is done, so the request log and metrics name what was asked.
    ``RequestContext`` puts it outside gzip, so HEAD gets the headers of the compressed GET.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        scope["method"] = "GET"
        try:
            await self.app(scope, receive, without_body)
        finally:
            scope["method"] = "HEAD"
