"""The SSRF guard: a webhook URL must lead to the public internet, unless allowed.

The host is resolved and every address it resolves to must be global unicast: loopback,
private, link-local (cloud metadata at 169.254.169.254 included), shared, reserved, multicast and
unspecified addresses are refused, IPv4-mapped IPv6 addresses as their IPv4 address. The
allow-list (``INVENTORY_WEBHOOK_ALLOWED_HOSTS``) names hosts and CIDRs that may be reached
anyway (a receiver on the same network). The check runs when an endpoint is saved and again
before every delivery, since a name may resolve differently later.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from application.errors import UnsafeWebhookUrl

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_allow_list(entries: Iterable[str]) -> tuple[frozenset[str], tuple[Network, ...]]:
    """Host names (lower case) and networks from the setting's entries."""
    hosts: set[str] = set()
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.lower().rstrip("."))
    return frozenset(hosts), tuple(networks)


def _public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class DnsUrlGuard:
    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self._hosts, self._networks = parse_allow_list(allowed)

    async def check(self, url: str) -> None:
        try:
            host = (urlsplit(url).hostname or "").lower().rstrip(".")
        except ValueError:  # an unclosed IPv6 bracket, say
            raise UnsafeWebhookUrl("is not a valid URL") from None
        if not host:
            raise UnsafeWebhookUrl("has no host")
        if host in self._hosts:
            return
        for address in await self._addresses(host):
            if any(address in network for network in self._networks):
                continue
            if not _public(address):
                raise UnsafeWebhookUrl(
                    f"{host} resolves to {address}, which is not a public address"
                    " (allow it with INVENTORY_WEBHOOK_ALLOWED_HOSTS)"
                )

    @staticmethod
    async def _addresses(host: str) -> list[Address]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            found = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as error:
            raise UnsafeWebhookUrl(f"{host} does not resolve ({error.strerror})") from None
        except UnicodeError:  # no IDNA form: not a name DNS could hold
            raise UnsafeWebhookUrl(f"{host!r} is not a valid host name") from None
        return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
