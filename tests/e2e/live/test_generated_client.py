"""A real client, as an integrator makes one (issue 13, point 13): openapi-python-client
generates it from the live ``/openapi.json`` (offline, from the venv, with no warning at all),
and its typed functions log in, create, adjust, count, list, look up by SKU, upload and
download a picture against a real server."""

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.e2e.rest.conftest import PNG
from tests.integration.servers import ADMIN_PASSWORD, Server

pytestmark = pytest.mark.slow
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "inventory_client"


def generate(spec: Path, directory: Path) -> str:
    """Run the generator on ``spec`` into ``directory/PACKAGE``; everything it printed."""
    # Its formatting hooks run ``ruff``, which is in the venv beside it.
    path = f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        [GENERATOR, "generate", "--path", spec, "--output-path", PACKAGE, "--meta", "none"],
        cwd=directory,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def generated(live_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory = tmp_path_factory.mktemp("generated-client")
    spec = directory / "openapi.json"
    spec.write_bytes(httpx.get(f"{live_server.url}/openapi.json", timeout=30).content)
    output = generate(spec, directory)
    # Any warning (an operation left out, an unsupported type, a skipped hook) fails.
    assert output.split() == ["Generating", PACKAGE], output
    sys.path.insert(0, str(directory))
    try:
        package = importlib.import_module(PACKAGE)
        for part in ("models", "types"):
            importlib.import_module(f"{PACKAGE}.{part}")
        yield package
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def api(operation: str) -> ModuleType:
    """The module of one operation, by its tag and id: ``api("items.items_create")``."""
    return importlib.import_module(f"{PACKAGE}.api.{operation}")


def test_a_generated_client_works_through_its_typed_functions(
    generated: Any, live_server: Server
) -> None:
    models = generated.models
    with generated.Client(base_url=live_server.url) as anonymous:
        token = api("auth.auth_token").sync(
            client=anonymous, body=models.BodyAuthToken(username="admin", password=ADMIN_PASSWORD)
        )
    assert isinstance(token, models.TokenOut)
    with generated.AuthenticatedClient(
        base_url=live_server.url, token=token.access_token
    ) as client:
        run_the_flow(generated, client)


def run_the_flow(generated: Any, client: Any) -> None:
    models = generated.models

    created = api("items.items_create").sync(
        client=client,
        body=models.ItemCreate(sku=" gen-1 ", name="Generated", unit_price="12.50", quantity=3),
    )
    assert isinstance(created, models.ItemOut)
    assert (created.sku, created.unit_price) == ("GEN-1", "12.50")
    again = api("items.items_create").sync(
        client=client, body=models.ItemCreate(sku="GEN-1", name="Twice", unit_price="1")
    )
    assert isinstance(again, models.Problem)
    assert again.code == "already_exists"

    change = api("movements.movements_create").sync(
        created.id,
        client=client,
        body=models.MovementCreate(delta=5, reason=models.MovementCreateReason.RECEIVED),
    )
    assert isinstance(change, models.StockChangeOut)
    assert change.quantity == 8
    counted = api("movements.counts_create").sync(
        created.id, client=client, body=models.CountCreate(counted=6, reference="INV-1")
    )
    assert isinstance(counted, models.CountOut)
    assert (counted.quantity, counted.movement.delta) == (6, -2)

    page = api("items.items_list").sync(client=client, sort=models.ItemSort.NAME_DESC)
    assert isinstance(page, models.PageOutItemOut)
    assert "GEN-1" in [item.sku for item in page.items]
    found = api("items.items_get_by_sku").sync("gen-1", client=client)
    assert isinstance(found, models.ItemOut)
    assert found.id == created.id

    picture = generated.types.File(payload=BytesIO(PNG), file_name="p.png", mime_type="image/png")
    uploaded = api("images.images_put").sync(
        created.id, client=client, body=models.BodyImagesPut(file=picture)
    )
    assert isinstance(uploaded, models.ItemOut)
    assert uploaded.has_image
    downloaded = api("images.images_get").sync(created.id, client=client)
    assert isinstance(downloaded, generated.types.File)
    assert downloaded.payload.read() == PNG
