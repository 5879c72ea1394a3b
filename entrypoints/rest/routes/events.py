"""Domain events, live, over a WebSocket: one JSON object per event (``event.payload()``) and a
``{"type": "heartbeat"}`` when nothing happened for a while, so idle proxies keep the socket.

Only authenticated clients get events: the token comes as ``?token=`` (browsers cannot set
headers on a WebSocket) or in an ``Authorization: Bearer`` header; anything else is closed with
1008 (policy violation). Delivery is at-most-once; events carry versions to detect gaps.
"""

import asyncio
import contextlib
from typing import Annotated

import orjson
from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from adapters.memory import InProcessEventBus
from application import use_cases as uc
from application.errors import AuthenticationFailed
from entrypoints.container import Container
from entrypoints.rest.injection import Provide
from entrypoints.rest.security import principal_from_token
from entrypoints.settings import Settings

router = APIRouter(tags=["events"])
POLICY_VIOLATION = 1008


def _token(websocket: WebSocket) -> str | None:
    header = websocket.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return websocket.query_params.get("token")


@router.websocket("/api/v1/events", name="events-stream")
@inject
async def events(
    websocket: WebSocket,
    resolve: Annotated[uc.ResolvePrincipal, Depends(Provide[Container.resolve_principal])],
    bus: Annotated[InProcessEventBus, Depends(Provide[Container.event_bus])],
    settings: Annotated[Settings, Depends(Provide[Container.settings])],
) -> None:
    await websocket.accept()
    try:
        await principal_from_token(_token(websocket), resolve)
    except AuthenticationFailed as exc:
        await websocket.close(code=POLICY_VIOLATION, reason=exc.message[:120])
        return
    async with bus.listen() as queue:
        disconnected = asyncio.ensure_future(_wait_for_disconnect(websocket))
        try:
            while not disconnected.done():
                next_event = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait(
                    {next_event, disconnected},
                    timeout=settings.websocket_heartbeat_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if next_event in done:
                    await websocket.send_text(_encode(next_event.result().payload()))
                else:
                    next_event.cancel()
                    if not done:
                        await websocket.send_text('{"type":"heartbeat"}')
        except WebSocketDisconnect:
            pass
        finally:
            disconnected.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await disconnected


async def _wait_for_disconnect(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def _encode(event: object) -> str:
    return orjson.dumps(event).decode()
