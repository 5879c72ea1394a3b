"""Running wrk with our Lua scenarios and reading the JSON line their ``done()`` prints."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness.processes import pinned

LUA_DIR = Path(__file__).resolve().parents[1] / "lua"


class WrkMissing(RuntimeError):
    """wrk is not on PATH; the message says how to install it."""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise WrkMissing(
            "wrk is not installed: `apt-get install -y wrk` (as root; `make bench` does it for you)"
        )
    return found


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int
    non_2xx: int


def start(
    script: str,
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    command = [
        wrk_binary(),
        f"-t{max(1, min(threads, connections))}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA_DIR / script),
        url,
    ]
    full_env = {**os.environ, "BENCH_LUA_DIR": str(LUA_DIR), **(env or {})}
    return subprocess.Popen(  # noqa: S603 - our own command line
        pinned(command, 1), env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> Load:
    out, err = process.communicate(timeout=600)
    for line in out.splitlines():
        if line.startswith("BENCH_RESULT "):
            data = json.loads(line.removeprefix("BENCH_RESULT "))
            return Load(
                rps=round(data["rps"], 1),
                p50_ms=round(data["p50_us"] / 1000, 2),
                p99_ms=round(data["p99_us"] / 1000, 2),
                max_ms=round(data["max_us"] / 1000, 2),
                requests=data["requests"],
                errors=data["errors"],
                non_2xx=data["non_2xx"],
            )
    raise RuntimeError(f"wrk printed no result (exit {process.returncode}):\n{out}\n{err}")


def run(
    script: str,
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    env: dict[str, str] | None = None,
) -> Load:
    """Run one scenario to the end and return what it measured."""
    process = start(script, url, seconds=seconds, connections=connections, threads=threads, env=env)
    return finish(process)
