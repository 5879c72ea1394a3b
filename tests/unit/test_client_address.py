"""Whose address a login is counted under: X-Forwarded-For is believed only from trusted
proxies, and only up to the right-most hop that is not one of them."""

from ipaddress import ip_network

import pytest

from entrypoints.rest.client_address import Network, client_address
from entrypoints.settings import Settings

PROXIES: list[Network] = [ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # An untrusted peer is the client, whatever it claims.
        ("198.51.100.7", [], "198.51.100.7"),
        ("198.51.100.7", ["203.0.113.1"], "198.51.100.7"),
        ("198.51.100.7", ["10.0.0.1"], "198.51.100.7"),
        # Behind a trusted proxy: the address it received the request from.
        ("10.0.0.2", ["203.0.113.1"], "203.0.113.1"),
        # Whatever the client put in front is not believed: the right-most untrusted hop is.
        ("10.0.0.2", ["1.1.1.1, 203.0.113.1"], "203.0.113.1"),
        ("10.0.0.2", ["1.1.1.1", "203.0.113.1"], "203.0.113.1"),  # split over two headers
        # A chain of trusted proxies is walked through.
        ("10.0.0.2", ["1.1.1.1, 203.0.113.1, 10.1.1.1, 10.2.2.2"], "203.0.113.1"),
        # Every hop trusted: the left-most one (a request from inside).
        ("10.0.0.2", ["10.9.9.9, 10.1.1.1"], "10.9.9.9"),
        ("10.0.0.2", [], "10.0.0.2"),
        # Not an address where a trusted proxy wrote one: stop at the last trusted hop.
        ("10.0.0.2", ["203.0.113.1, garbage"], "10.0.0.2"),
        ("10.0.0.2", ["203.0.113.1, 10.1.1.1, "], "10.0.0.2"),
        ("10.0.0.2", ["unknown, 10.1.1.1"], "10.1.1.1"),
        # Ports and brackets as some proxies write them.
        ("10.0.0.2", ["203.0.113.1:51234"], "203.0.113.1"),
        ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
        # IPv6, and IPv4 written as IPv4-mapped IPv6.
        ("2001:db8:ffff::1", ["2001:db8:1::5"], "2001:db8:1::5"),
        ("::ffff:10.0.0.2", ["203.0.113.1"], "203.0.113.1"),
        ("::ffff:198.51.100.7", [], "198.51.100.7"),
        # No IP peer (a Unix socket, a test client): nothing to go on but the peer.
        (None, ["203.0.113.1"], None),
        ("testclient", ["203.0.113.1"], "testclient"),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], expected: str | None) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address("127.0.0.1", ["203.0.113.1"], []) == "127.0.0.1"


def test_trusted_proxies_are_read_as_addresses_and_networks() -> None:
    settings = Settings(_env_file=None, trusted_proxies=" 10.0.0.0/8, 127.0.0.1 ,::1,")
    assert settings.trusted_proxies == (
        ip_network("10.0.0.0/8"),
        ip_network("127.0.0.1/32"),
        ip_network("::1/128"),
    )
    assert Settings(_env_file=None).trusted_proxies == ()


@pytest.mark.parametrize("value", ["10.0.0.0/33", "nginx", "10.0.0.1-10.0.0.9"])
def test_a_bad_trusted_proxy_is_a_configuration_error(value: str) -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(_env_file=None, trusted_proxies=value)
