"""Domain events, live, over a WebSocket: one JSON object per event (``event.payload()``) and a
``{"type": "heartbeat"}`` when nothing happened for a while, so idle proxies keep the socket.

Only authenticated clients get events: the token comes as ``?token=`` (browsers cannot set
headers on a WebSocket) or in an ``Authorization: Bearer`` header; anything else is closed with
1008 (policy violation). The socket lives no longer than its token: it is closed with 1008 when
the token expires, and as soon as the token is revoked (a password, role or active-flag change,
announced through the event stream by whichever process made it), with a periodic check
against the store as the bound when that announcement was lost. Delivery is at-most-once;
events carry versions to detect gaps.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from application import use_cases as uc
from application.errors import AuthenticationFailed, StoreBusy
from application.ports import Clock, EventStream, EventSubscription
from domain.events import DomainEvent
from entrypoints.container import Container
from entrypoints.rest.injection import Provide
from entrypoints.settings import Settings

router = APIRouter(tags=["events"])
POLICY_VIOLATION = 1008
HEARTBEAT = '{"type":"heartbeat"}'
EXPIRED = "the token expired"
REVOKED = "the token was revoked"


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
    open_stream: Annotated[uc.OpenEventStream, Depends(Provide[Container.open_event_stream])],
    stream: Annotated[EventStream, Depends(Provide[Container.event_stream])],
    clock: Annotated[Clock, Depends(Provide[Container.clock])],
    settings: Annotated[Settings, Depends(Provide[Container.settings])],
) -> None:
    token = _token(websocket)
    # Subscribed before the socket is accepted: a client that re-reads the state once its socket
    # is open misses no change in between. And before the token is checked: a revocation
    # committed after the check is in the subscription, so it cannot slip between the two.
    async with stream.listen() as subscription:
        await websocket.accept()
        try:
            if not token:
                raise AuthenticationFailed("authentication required: send a bearer token")
            session = await open_stream.execute(token)
        except AuthenticationFailed as exc:
            await websocket.close(code=POLICY_VIOLATION, reason=exc.message[:120])
            return
        checked_token = token
        feed = _Feed(
            websocket,
            subscription,
            clock,
            recheck=lambda: open_stream.execute(checked_token),
            heartbeat_seconds=settings.websocket_heartbeat_seconds,
            recheck_seconds=settings.websocket_recheck_seconds,
        )
        with contextlib.suppress(WebSocketDisconnect):
            ended = await feed.run(session)
            if ended is not None:
                await websocket.close(code=POLICY_VIOLATION, reason=ended)


@dataclass
class _Feed:
    """Forwards a session's events to its socket until the client leaves or the session ends."""

    websocket: WebSocket
    subscription: EventSubscription
    clock: Clock
    recheck: Callable[[], Awaitable[uc.LiveSession]]
    heartbeat_seconds: float
    recheck_seconds: float

    async def run(self, session: uc.LiveSession) -> str | None:
        """None when the client went away; otherwise why the session ended."""
        loop = asyncio.get_running_loop()
        next_heartbeat = loop.time() + self.heartbeat_seconds
        next_check = loop.time() + self.recheck_seconds
        disconnected = asyncio.ensure_future(_wait_for_disconnect(self.websocket))
        next_event: asyncio.Future[DomainEvent] | None = None
        try:
            while True:
                if next_event is None:
                    next_event = asyncio.ensure_future(self.subscription.get())
                timeout = min(next_heartbeat, next_check) - loop.time()
                timeout = min(timeout, session.seconds_left(self.clock.now()))
                waiting: set[asyncio.Future[Any]] = {next_event, disconnected}
                done, _ = await asyncio.wait(
                    waiting,
                    timeout=max(timeout, 0.0),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if disconnected in done:
                    return None
                if session.expired(self.clock.now()):  # before any delivery
                    return EXPIRED
                if loop.time() >= next_check:
                    try:
                        session = await self.recheck()
                    except AuthenticationFailed:
                        return REVOKED
                    except StoreBusy:
                        pass  # checked again at the next interval; the session stands meanwhile
                    next_check = loop.time() + self.recheck_seconds
                if next_event in done:
                    event, next_event = next_event.result(), None
                    if session.revoked_by(event):
                        return REVOKED
                    if not session.shows(event):
                        continue
                    await self.websocket.send_text(_encode(event.payload()))
                    next_heartbeat = loop.time() + self.heartbeat_seconds
                elif loop.time() >= next_heartbeat:
                    await self.websocket.send_text(HEARTBEAT)
                    next_heartbeat = loop.time() + self.heartbeat_seconds
        finally:
            for task in (next_event, disconnected):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task


async def _wait_for_disconnect(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def _encode(event: object) -> str:
    return orjson.dumps(event).decode()
