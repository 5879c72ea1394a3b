"""Domain events, live, over a WebSocket: one JSON object per event (``event.payload()``) and a
``{"type": "heartbeat"}`` when nothing happened for a while, so idle proxies keep the socket.

Only authenticated clients get events: the token comes as ``?token=`` (browsers cannot set
headers on a WebSocket) or in an ``Authorization: Bearer`` header; anything else is closed with
1008 (policy violation). The socket lives no longer than its token: it is closed with 1008 when
the token expires, and as soon as the token is revoked (a password, role or active-flag change,
announced through the event stream by whichever process made it), with a periodic check
against the store as the bound when that announcement was lost.

Events come in position order, each with its ``position`` and ``event_id``. ``?after=<position>``
first sends what the outbox holds after that position, then continues live with no gap and no
duplicate at the seam (the subscription is open before the replay reads). A subscriber whose
queue dropped events (a slow client) gets them from the outbox too, when the next one shows the
gap in positions.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from application import use_cases as uc
from application.errors import AuthenticationFailed, StoreBusy
from application.outbox import StoredEvent
from application.ports import Clock, EventStream, EventSubscription
from domain.errors import InvalidValue
from entrypoints.container import Container
from entrypoints.rest.injection import Provide
from entrypoints.settings import Settings

router = APIRouter(tags=["events"])
POLICY_VIOLATION = 1008
HEARTBEAT = '{"type":"heartbeat"}'
EXPIRED = "the token expired"
REVOKED = "the token was revoked"
REPLAY_BATCH = 500


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
    replay: Annotated[uc.ReplayEvents, Depends(Provide[Container.replay_events])],
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
            after = _after(websocket)
        except (AuthenticationFailed, InvalidValue) as exc:
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
            replay=replay,
            last=after,
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
    replay: uc.ReplayEvents
    #: The position of the last event this client has (sent, or known from ``?after=``).
    last: int | None = None

    async def run(self, session: uc.LiveSession) -> str | None:
        """None when the client went away; otherwise why the session ended."""
        loop = asyncio.get_running_loop()
        if self.last is not None:
            await self._send_from_log(session, before=None)
        next_heartbeat = loop.time() + self.heartbeat_seconds
        next_check = loop.time() + self.recheck_seconds
        disconnected = asyncio.ensure_future(_wait_for_disconnect(self.websocket))
        next_event: asyncio.Future[StoredEvent] | None = None
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
                    if self.last is not None and event.position <= self.last:
                        continue  # sent from the log already (the seam after a replay)
                    if self.last is not None and event.position > self.last + 1:
                        await self._send_from_log(session, before=event.position)  # a gap
                    self.last = event.position
                    if not session.shows(event):
                        continue
                    await self.websocket.send_text(live_message(event))
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

    async def _send_from_log(self, session: uc.LiveSession, *, before: int | None) -> None:
        """Send what the outbox holds after ``last`` (and before ``before``): the replay a
        client asked for with ``?after=``, or events this subscriber's queue dropped."""
        assert self.last is not None
        while before is None or self.last < before - 1:
            limit = REPLAY_BATCH if before is None else min(REPLAY_BATCH, before - 1 - self.last)
            batch = await self.replay.execute(session.principal, after=self.last, limit=limit)
            for event in batch.events:
                await self.websocket.send_text(live_message(event))
            if not batch.events:
                return
            self.last = batch.next


def _after(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("after")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise InvalidValue("after", "must be a position: a whole number from 0")
    return int(raw)


async def _wait_for_disconnect(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def live_message(event: StoredEvent) -> str:
    """The event's stored JSON with its ``position`` and ``event_id`` in front: a client resumes
    with ``?after=<position>`` and dedupes by ``event_id``."""
    return f'{{"position":{event.position},"event_id":"{event.event_id}",{event.payload[1:]}'
