"""compose.yaml and deploy/nginx.conf hold together (no Docker engine to run them here)."""

import re
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import pytest
import yaml

from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def nginx() -> str:
    return (ROOT / "deploy" / "nginx.conf").read_text()


def test_postgres_15_is_healthchecked(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:15.")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_migrations_run_once_before_the_replicas(compose: dict[str, Any]) -> None:
    migrate, app = compose["services"]["migrate"], compose["services"]["app"]
    assert migrate["command"] == ["inventory", "db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_several_replicas_share_the_secret_the_database_and_the_images(
    compose: dict[str, Any],
) -> None:
    app, migrate = compose["services"]["app"], compose["services"]["migrate"]
    assert app["deploy"]["replicas"] >= 2
    environment = app["environment"]
    assert environment == migrate["environment"]
    assert environment["INVENTORY_SECRET_KEY"].startswith("${INVENTORY_SECRET_KEY:?")
    assert environment["INVENTORY_STORAGE"] == "sqlalchemy"
    assert environment["INVENTORY_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert environment["INVENTORY_ENV"] == "production"
    assert "images:/data/images" in app["volumes"]
    assert set(compose["volumes"]) >= {"images", "pgdata"}


def test_every_inventory_variable_in_compose_is_a_setting(compose: dict[str, Any]) -> None:
    known = {f"INVENTORY_{name.upper()}" for name in Settings.model_fields}
    used = set(compose["services"]["app"]["environment"])
    assert used <= known, used - known


def test_the_proxy_fronts_healthy_replicas(compose: dict[str, Any], nginx: str) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:1.")
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert re.search(r"server app:8000\b", nginx)


def test_nginx_passes_websocket_upgrades_for_live_events(nginx: str) -> None:
    events = nginx.split("location /api/v1/events", 1)[1].split("}", 1)[0]
    assert "proxy_http_version 1.1;" in events
    assert "proxy_set_header Upgrade $http_upgrade;" in events
    assert "proxy_set_header Connection $connection_upgrade;" in events
    assert "proxy_read_timeout" in events


def test_nginx_keeps_metrics_and_query_strings_private(nginx: str) -> None:
    assert re.search(r"location = /metrics \{\s*return 404;", nginx)
    log_format = nginx.split("log_format", 1)[1].split(";", 1)[0]
    assert "$uri" in log_format
    assert "$request " not in log_format
    assert "$request_uri" not in log_format
    assert "$args" not in log_format


def test_nginx_braces_balance(nginx: str) -> None:
    code = "\n".join(line.split("#", 1)[0] for line in nginx.splitlines())
    assert code.count("{") == code.count("}")


def test_the_replicas_trust_exactly_nginx_to_name_the_client(
    compose: dict[str, Any], nginx: str
) -> None:
    """Login throttling per client address: behind nginx the service must believe nginx's
    X-Forwarded-For (or every client would be nginx), and nobody else's."""
    settings = Settings(
        _env_file=None,
        trusted_proxies=compose["services"]["app"]["environment"]["INVENTORY_TRUSTED_PROXIES"],
    )
    proxy_address = ip_address(compose["services"]["proxy"]["networks"]["default"]["ipv4_address"])
    assert [network.num_addresses for network in settings.trusted_proxies] == [1]
    assert proxy_address in settings.trusted_proxies[0]
    subnet = ip_network(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert proxy_address in subnet
    proxied = nginx.count("proxy_pass http://inventory;")
    assert proxied >= 2
    assert nginx.count("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") == proxied


def test_nginx_drops_idle_upstream_connections_before_the_service_does(
    compose: dict[str, Any], nginx: str
) -> None:
    """Otherwise nginx may reuse a connection the service is closing, and answer 502."""
    upstream = nginx.split("upstream inventory", 1)[1].split("}", 1)[0]
    nginx_idle = re.search(r"keepalive_timeout (\d+)s;", upstream)
    assert nginx_idle is not None
    environment = compose["services"]["app"]["environment"]
    service_idle = int(
        environment.get(
            "INVENTORY_KEEP_ALIVE_TIMEOUT_SECONDS",
            Settings.model_fields["keep_alive_timeout_seconds"].default,
        )
    )
    assert int(nginx_idle.group(1)) < service_idle
