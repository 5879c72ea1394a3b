"""Webhook deliveries over HTTP (httpx2), the SSRF guard and secrets."""

from adapters.webhooks.guard import DnsUrlGuard, parse_allow_list
from adapters.webhooks.sender import HttpxWebhookSender, RandomSecrets

__all__ = ["DnsUrlGuard", "HttpxWebhookSender", "RandomSecrets", "parse_allow_list"]
