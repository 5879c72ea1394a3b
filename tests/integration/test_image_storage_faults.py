"""Issue 12, item 6, on real filesystems: a read-only mount (the attack's case, where the old
cleanup's own EROFS hid the real error and gave a bare 500) and a full one. Each runs in a
private user and mount namespace (``unshare``) over a tmpfs, so nothing on the machine changes.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _namespaces_work() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run(
        [unshare, "--user", "--map-root-user", "--mount", "true"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _namespaces_work(), reason="needs unshare and unprivileged user namespaces"
)


def _run_on_tmpfs(tmp_path: Path, options: str) -> dict[str, Any]:
    mount_point = tmp_path / "images"
    mount_point.mkdir()
    script = 'mount -t tmpfs -o "$1" tmpfs "$2" && exec "$3" -m "$4" "$2"'
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", options,
         str(mount_point), sys.executable, "tests.integration.image_storage_peer"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_read_only_images_directory(tmp_path: Path) -> None:
    result = _run_on_tmpfs(tmp_path, "ro,size=1m")
    assert result["probe"] == "storage_unavailable"  # readiness fails
    assert result["put"] == "storage_unavailable"
    assert result["cause"] == "EROFS"  # the real error, kept
    assert result["cause_hidden_by_another"] is False
    assert result["http"] == {
        "status": 503,
        "type": "urn:inventory-service:problem:storage_unavailable",
    }


def test_a_full_images_directory(tmp_path: Path) -> None:
    result = _run_on_tmpfs(tmp_path, "size=64k")
    assert result["probe"] == "ok"  # it can still take new (small) files
    assert result["put"] == "insufficient_storage"
    assert result["cause"] == "ENOSPC"
    assert result["left"] == []  # the partial temporary file was removed
    assert result["http"] == {
        "status": 507,
        "type": "urn:inventory-service:problem:insufficient_storage",
    }
