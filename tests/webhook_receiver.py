"""A local webhook receiver for the tests: a real HTTP server on 127.0.0.1 that records every
request and answers with the status the test sets, after ``delay`` seconds if the test wants a
slow receiver. It counts how many requests it is answering at once, and ``identify`` (called
with the client's TCP port while its connection is open) can name the process that sent each."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    #: What ``identify`` said of the sender (None without it).
    sender: object = None
    #: ``time.monotonic()`` on arrival.
    at: float = 0.0


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    identify: Callable[[int], object] | None = None
    #: The most requests that were being answered at the same time.
    most_at_once: int = 0
    _at_once: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, seconds: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + seconds
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests)} of {count} deliveries arrived")
            time.sleep(0.02)
        return list(self.requests)

    def _arrived(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)

    def _answered(self) -> None:
        with self._lock:
            self._at_once -= 1


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            identify = receiver.identify
            sender = identify(self.client_address[1]) if identify else None
            receiver._arrived(Received(self.path, headers, body, sender, time.monotonic()))
            try:
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()
            finally:
                receiver._answered()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
