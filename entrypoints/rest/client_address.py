"""Who the client is, for login throttling: the TCP peer — or, only when that peer is a trusted
reverse proxy, the right-most address in ``X-Forwarded-For`` that is not a trusted proxy.

Each proxy appends the address it got the request from, so the right end of the header is
written by our proxies and the left end by whoever sent the request: walking from the right
and stopping at the first hop we do not trust gives an address no client can choose.
"""

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def _parse(text: str) -> Address | None:
    """An address as proxies write it: bare, ``192.0.2.1:443`` or ``[2001:db8::1]:443``."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        parsed = ip_address(text)
    except ValueError:
        return None
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], proxies: Sequence[Network]
) -> str | None:
    """The client's address; ``forwarded_for`` are the ``X-Forwarded-For`` header values in the
    order received. A peer that is not an IP address (a Unix socket, a test client) is returned
    as it is. When every hop is trusted, the left-most one is the client; a hop that is not an
    address stops the walk at the last trusted one (only a client writes such a thing)."""
    client = _parse(peer) if peer else None
    if client is None:
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        if not _trusted(client, proxies):
            break
        previous = _parse(hop)
        if previous is None:
            break
        client = previous
    return str(client)
