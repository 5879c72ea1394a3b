"""The image's structure, checked without a Docker engine (none on these machines)."""

import json
import re
import shlex
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
PINNED_SLIM_PYTHON = re.compile(r"^python:3\.11\.\d+-slim(-[a-z]+)?$")


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(ROOT / "Dockerfile"))


def instructions(dockerfile: DockerfileParser, name: str) -> list[str]:
    return [i["value"] for i in dockerfile.structure if i["instruction"] == name]


def final_stage(dockerfile: DockerfileParser) -> list[dict[str, str]]:
    starts = [n for n, i in enumerate(dockerfile.structure) if i["instruction"] == "FROM"]
    return dockerfile.structure[starts[-1] :]


def test_it_is_multi_stage_on_a_pinned_slim_python(dockerfile: DockerfileParser) -> None:
    parents = dockerfile.parent_images
    assert len(parents) >= 2
    for image in parents:
        assert PINNED_SLIM_PYTHON.match(image), f"{image} is not a pinned slim Python 3.11"
    assert "--from=build" in " ".join(instructions(dockerfile, "COPY"))


def test_dependencies_come_from_the_lock_with_a_pinned_uv(dockerfile: DockerfileParser) -> None:
    runs = instructions(dockerfile, "RUN")
    assert any(re.search(r"pip install .*\buv==\d+\.\d+\.\d+", run) for run in runs)
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs
    assert all("--locked" in run or "--frozen" in run for run in syncs)
    assert all("--no-dev" in run for run in syncs)
    assert "uv.lock" in " ".join(instructions(dockerfile, "COPY"))


def test_every_copied_path_exists_and_is_not_ignored(dockerfile: DockerfileParser) -> None:
    ignore = (ROOT / ".dockerignore").read_text().split()
    for value in instructions(dockerfile, "COPY"):
        if value.startswith("--from"):
            continue
        *sources, _target = shlex.split(value)
        for source in sources:
            assert (ROOT / source).exists(), source
            assert f"!{source}" in ignore or f"!{source}/" in ignore, source


def test_the_runtime_runs_as_a_numeric_non_root_user(dockerfile: DockerfileParser) -> None:
    users = [i["value"] for i in final_stage(dockerfile) if i["instruction"] == "USER"]
    assert users, "the runtime stage must switch user"
    user, _, group = users[-1].partition(":")
    assert user.isdigit()
    assert int(user) != 0
    assert not group or (group.isdigit() and int(group) != 0)


def exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"{value} is not exec form"
    return parsed


def test_the_command_is_exec_form_inventory_serve(dockerfile: DockerfileParser) -> None:
    (command,) = instructions(dockerfile, "CMD")
    argv = exec_form(command)
    assert argv[:2] == ["inventory", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - inside the container
    assert not any("$" in arg for arg in argv), "exec form does not expand variables"
    for entrypoint in instructions(dockerfile, "ENTRYPOINT"):
        exec_form(entrypoint)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "inventory" in scripts
    assert "INVENTORY_WORKERS=" in " ".join(instructions(dockerfile, "ENV"))


def healthcheck_argv(dockerfile: DockerfileParser) -> list[str]:
    (value,) = instructions(dockerfile, "HEALTHCHECK")
    assert "CMD" in value
    return exec_form(value.split("CMD", 1)[1].strip())


def test_the_healthcheck_asks_liveness_with_python(dockerfile: DockerfileParser) -> None:
    argv = healthcheck_argv(dockerfile)
    assert argv[0] == "python"
    assert "/health/live" in argv[-1]
    assert "curl" not in " ".join(argv)


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/health/live" else 404)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def health_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_healthcheck_command_really_works(
    dockerfile: DockerfileParser, health_server: HTTPServer, status: int, healthy: bool
) -> None:
    _Health.status = status
    argv = healthcheck_argv(dockerfile)
    port = health_server.server_address[1]
    code = argv[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")

    result = subprocess.run(
        [sys.executable, *argv[1:-1], code], capture_output=True, timeout=30, check=False
    )

    assert (result.returncode == 0) is healthy
