"""POSTs webhook deliveries with httpx2 (the maintained httpx line, a runtime dependency): a short
timeout, no redirects (a redirect could lead past the SSRF guard), no proxies from the
environment. A client per delivery: deliveries are few next to requests, and nothing has to be
closed at shutdown."""

import base64
import secrets
import time
from collections.abc import Mapping

import httpx2

from application.webhooks import SentRequest


class HttpxWebhookSender:
    def __init__(self, *, timeout_seconds: float = 10.0) -> None:
        self._timeout = timeout_seconds

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SentRequest:
        started = time.perf_counter()
        try:
            async with httpx2.AsyncClient(
                timeout=self._timeout, follow_redirects=False, trust_env=False
            ) as client:
                response = await client.post(url, content=body, headers=dict(headers))
        except httpx2.HTTPError as error:
            elapsed = int((time.perf_counter() - started) * 1000)
            return SentRequest(None, elapsed, f"{type(error).__name__}: {error}"[:500])
        elapsed = int((time.perf_counter() - started) * 1000)
        return SentRequest(response.status_code, elapsed)


class RandomSecrets:
    def new_secret(self) -> str:
        return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
