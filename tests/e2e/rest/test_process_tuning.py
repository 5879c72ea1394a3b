"""The garbage collector's freeze and thresholds and the GIL switch interval belong to
``inventory serve``'s processes (issue 11, item 6): an app built in a test's own process leaves
them alone."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from entrypoints.server.worker import GC_YOUNG_THRESHOLD, GIL_SWITCH_INTERVAL
from tests.conftest import TEST_SECRET

SERVED = """
import gc, json, sys
from fastapi.testclient import TestClient
from entrypoints.server.worker import create_served_app

app = create_served_app()
before = [sys.getswitchinterval(), gc.get_freeze_count(), gc.get_threshold()[0]]
with TestClient(app):
    started = [sys.getswitchinterval(), gc.get_freeze_count(), gc.get_threshold()[0]]
print(json.dumps({"before": before, "started": started}))
"""


def test_an_app_built_in_process_does_not_tune_the_process(app: FastAPI) -> None:
    tuned = sys.getswitchinterval(), gc.get_freeze_count(), gc.get_threshold()
    with TestClient(app) as client:
        assert client.get("/health/live").status_code == 200
        assert (sys.getswitchinterval(), gc.get_freeze_count(), gc.get_threshold()) == tuned


@pytest.mark.slow
def test_the_served_app_tunes_its_process_once_started(tmp_path: Path) -> None:
    environment = {
        "INVENTORY_STORAGE": "memory",
        "INVENTORY_DATA_DIR": str(tmp_path),
        "INVENTORY_SECRET_KEY": TEST_SECRET,
        "INVENTORY_BCRYPT_ROUNDS": "4",
        "INVENTORY_ADMIN_PASSWORD": "admin-password-1",
        "INVENTORY_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", SERVED],
        env=environment,
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == [0.005, 0, 700]
    assert seen["started"][0] == GIL_SWITCH_INTERVAL
    assert seen["started"][1] > 0
    assert seen["started"][2] == GC_YOUNG_THRESHOLD
