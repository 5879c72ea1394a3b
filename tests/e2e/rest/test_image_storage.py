"""Issue 12, item 6, over HTTP on the SQL store: when the images directory cannot be written,
an upload is a 503 problem that says storage is unavailable (not a bare 500), the log says why,
and readiness reports it. (A real read-only or full filesystem: tests/integration.)"""

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from entrypoints.container import build_container
from entrypoints.rest.app import create_app
from tests.conftest import make_settings
from tests.databases import fresh_sqlite_url
from tests.e2e.rest.conftest import ADMIN_PASSWORD, PNG, login


def test_an_unwritable_images_directory_is_503_and_not_ready(
    sqlite_template: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        tmp_path,
        storage="sqlalchemy",
        database_url=fresh_sqlite_url(sqlite_template, tmp_path / "db"),
        admin_password=ADMIN_PASSWORD,
    )
    settings.data_dir.mkdir(parents=True)
    settings.images_dir.write_text("a file where the directory should be")
    with TestClient(create_app(build_container(settings))) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        item = client.post(
            "/api/v1/items", json={"sku": "IMG-1", "name": "n", "unit_price": "1"}, headers=admin
        ).json()
        with caplog.at_level(logging.ERROR):
            upload = client.put(
                f"/api/v1/items/{item['id']}/image", files={"file": ("a.png", PNG)}, headers=admin
            )
        assert upload.status_code == 503, upload.text
        assert upload.headers["content-type"] == "application/problem+json"
        problem = upload.json()
        assert problem["type"] == "urn:inventory-service:problem:storage_unavailable"
        assert problem["code"] == "storage_unavailable"
        assert str(settings.images_dir) not in upload.text
        assert str(settings.images_dir) in caplog.text  # the operator learns where and why
        assert "Not a directory" in caplog.text or "File exists" in caplog.text
        after = client.get(f"/api/v1/items/{item['id']}", headers=admin).json()
        assert after["has_image"] is False
        assert after["version"] == item["version"]

        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"store": "ok", "schema": "ok", "images": "failed"}
        assert client.get("/health/live").status_code == 200
