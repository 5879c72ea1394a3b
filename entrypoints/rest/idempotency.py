"""``Idempotency-Key`` for POSTs that create things: a retry with the same key and body gets the
first response back without the work being done twice.

Keys are scoped per user (two clients can never see each other's responses) and remembered in
the container's ``IdempotencyStore`` (shared by every worker with the SQL store). Same key with
a different request is refused with 422; a retry that arrives while the first is still running
gets 409. A request that failed is forgotten, so retrying it runs it again.
"""

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import Depends, Header
from starlette.responses import Response

from application.errors import Conflict
from application.ports import Clock, IdempotencyStore, IdempotentResponse
from domain.users import Principal
from entrypoints.container import Container
from entrypoints.rest.errors import problem
from entrypoints.rest.injection import Provide
from entrypoints.settings import Settings

REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = frozenset({"location", "etag", "content-type"})


class Idempotency:
    def __init__(
        self, key: str | None, store: IdempotencyStore, clock: Clock, ttl_seconds: int
    ) -> None:
        self.key = key
        self.store = store
        self.clock = clock
        self.ttl_seconds = ttl_seconds

    async def run(
        self, principal: Principal, request: str, produce: Callable[[], Awaitable[Response]]
    ) -> Response:
        """``request`` identifies what was asked (route and canonical body)."""
        if self.key is None:
            return await produce()
        key = f"{principal.user_id}:{self.key}"
        fingerprint = hashlib.sha256(request.encode()).hexdigest()
        now = self.clock.now()
        found = await self.store.reserve(key, fingerprint, now=now, ttl_seconds=self.ttl_seconds)
        if found is not None:
            if found.fingerprint != fingerprint:
                return problem(
                    422,
                    "this Idempotency-Key was already used for a different request",
                    code="idempotency_key_reused",
                )
            if found.response is None:
                raise Conflict("a request with this Idempotency-Key is still being processed")
            return _replay(found.response)
        try:
            response = await produce()
        except BaseException:
            await self.store.release(key)
            raise
        await self.store.complete(key, _remember(response))
        return response


def _remember(response: Response) -> IdempotentResponse:
    headers = tuple(
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in response.raw_headers
        if name.decode("latin-1").lower() in _KEPT_HEADERS
    )
    return IdempotentResponse(
        status=response.status_code, body=bytes(response.body), headers=headers
    )


def _replay(stored: IdempotentResponse) -> Response:
    response = Response(content=stored.body, status_code=stored.status)
    response.headers.update(dict(stored.headers))
    response.headers[REPLAYED_HEADER] = "true"
    return response


@inject
async def idempotency(
    store: Annotated[IdempotencyStore, Depends(Provide[Container.idempotency_store])],
    clock: Annotated[Clock, Depends(Provide[Container.clock])],
    settings: Annotated[Settings, Depends(Provide[Container.settings])],
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="Retrying with the same key and body returns the first response.",
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(idempotency_key, store, clock, settings.idempotency_ttl_seconds)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
