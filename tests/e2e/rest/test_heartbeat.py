from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD, Headers


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, admin_password=ADMIN_PASSWORD, websocket_heartbeat_seconds=0.01)


def test_an_idle_socket_gets_heartbeats(client: TestClient, admin: Headers) -> None:
    with client.websocket_connect("/api/v1/events", headers=admin) as socket:
        assert socket.receive_json() == {"type": "heartbeat"}
        assert socket.receive_json() == {"type": "heartbeat"}
