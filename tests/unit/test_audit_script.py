"""scripts/audit-dependencies.sh (issue 13, point 19): runs for real wherever advisory data can
be reached (PyPI, else OSV), ignores the listed disputed advisories, and says SKIPPED loudly
when no data is reachable. The advisory sources are local HTTP servers here, and pip-audit and
uv are stand-ins that record how they were called."""

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "audit-dependencies.sh"
IGNORED = ROOT / "scripts" / "audit-ignored-advisories.txt"


class _Advisories(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/up" else 404)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def advisories() -> Iterator[str]:
    """A base URL: ``/up`` answers 200, anything else 404."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Advisories)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    """A BIN directory: the real Python, a pip-audit that records its arguments, and a uv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    calls = tmp_path / "pip-audit-args"
    fake_audit = bin_dir / "pip-audit"
    fake_audit.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {calls}\nexit "${{AUDIT_EXIT:-0}}"\n')
    fake_uv = bin_dir / "uv"
    fake_uv.write_text(
        '#!/bin/sh\nfor a; do [ "$prev" = -o ] && echo "x==1" > "$a"; prev=$a; done\n'
    )
    for tool in (fake_audit, fake_uv):
        tool.chmod(0o755)
    return bin_dir


def audit(tools: Path, pypi: str, osv: str, **extra: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    environment.update(
        BIN=str(tools),
        UV=str(tools / "uv"),
        AUDIT_PYPI_PROBE_URL=pypi,
        AUDIT_OSV_PROBE_URL=osv,
        **extra,
    )
    return subprocess.run(
        ["bash", str(SCRIPT)], env=environment, capture_output=True, text=True, timeout=60
    )


def recorded(tools: Path) -> list[str]:
    return (tools.parent / "pip-audit-args").read_text().splitlines()


def ignored_ids() -> list[str]:
    lines = [line.split("#")[0].strip() for line in IGNORED.read_text().splitlines()]
    return [line for line in lines if line]


def test_with_pypi_reachable_it_audits_against_pypi_ignoring_the_listed(
    tools: Path, advisories: str
) -> None:
    done = audit(tools, f"{advisories}/up", f"{advisories}/up")
    assert done.returncode == 0, done.stderr
    arguments = recorded(tools)
    assert arguments[arguments.index("--vulnerability-service") + 1] == "pypi"
    assert "--strict" in arguments
    ignored = [arguments[n + 1] for n, a in enumerate(arguments) if a == "--ignore-vuln"]
    assert ignored == ignored_ids()
    assert "PYSEC-2025-183" in ignored  # PyJWT's disputed CVE-2025-45768


def test_with_only_osv_reachable_it_audits_against_osv(tools: Path, advisories: str) -> None:
    done = audit(tools, f"{advisories}/gone", f"{advisories}/up")
    assert done.returncode == 0, done.stderr
    arguments = recorded(tools)
    assert arguments[arguments.index("--vulnerability-service") + 1] == "osv"


def test_a_vulnerability_found_fails_the_audit(tools: Path, advisories: str) -> None:
    done = audit(tools, f"{advisories}/up", f"{advisories}/up", AUDIT_EXIT="1")
    assert done.returncode == 1


def test_without_advisory_data_it_is_skipped_loudly(tools: Path, advisories: str) -> None:
    done = audit(tools, f"{advisories}/gone", "http://127.0.0.1:9/unreachable")
    assert done.returncode == 0
    assert "dependency audit SKIPPED" in done.stderr
    assert not (tools.parent / "pip-audit-args").exists()


def test_without_advisory_data_it_fails_when_required(tools: Path, advisories: str) -> None:
    done = audit(tools, f"{advisories}/gone", f"{advisories}/gone", INVENTORY_AUDIT_REQUIRED="1")
    assert done.returncode == 1
    assert "dependency audit FAILED" in done.stderr


def test_every_ignored_advisory_is_explained() -> None:
    """Each ID is well formed and preceded by a comment that says why (never a bare list)."""
    lines = IGNORED.read_text().splitlines()
    assert ignored_ids()
    for number, line in enumerate(lines):
        entry = line.split("#")[0].strip()
        if not entry:
            continue
        assert re.fullmatch(r"(PYSEC|GHSA|CVE|OSV)-[\w-]+", entry), entry
        assert lines[number - 1].startswith("#"), f"{entry} has no comment saying why"
