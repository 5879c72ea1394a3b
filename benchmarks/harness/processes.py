"""Starting the servers under test and the load generator, pinned to different cores."""

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PACKAGES = ("domain", "application", "adapters", "entrypoints", "benchmarks")


def compile_bytecode() -> None:
    """Compile the virtualenv and the project to bytecode once, as the container image does
    (``UV_COMPILE_BYTECODE``): with ``PYTHONDONTWRITEBYTECODE`` set and nothing compiled, every
    start of the service would compile its imports again and "ready" would measure the
    compiler."""
    targets = [str(path) for path in (VENV_BIN.parent / "lib").glob("python*/site-packages")]
    targets += [str(ROOT / package) for package in PACKAGES]
    subprocess.run(  # noqa: S603 - our own interpreter
        [str(VENV_BIN / "python"), "-m", "compileall", "-q", "-j0", *targets],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def cores() -> int:
    return os.cpu_count() or 1


def pinned(command: Sequence[str], core: int) -> list[str]:
    """Pin to one core when there are several and taskset exists, so server and load generator
    do not fight over the same core."""
    if cores() >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", str(core), *command]
    return list(command)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):
        return None


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process and its children (uvicorn workers), in MiB."""
    total = 0
    pids = [pid, *_children(pid)]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1) if total else None


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    result = [int(child) for child in found]
    for child in list(result):
        result.extend(_children(child))
    return result


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    ready_seconds: float
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def serve(
    command: Sequence[str],
    *,
    port: int,
    env: dict[str, str],
    ready_path: str,
    log: Path,
    timeout: float = 60.0,
) -> Iterator[Server]:
    """Start a server, wait until ``ready_path`` answers 200, and stop it afterwards."""
    started = time.perf_counter()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            pinned(command, 0), env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        while http_status(base_url + ready_path, timeout=1.0) != 200:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early; see {log}:\n{log.read_text()[-2000:]}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"server not ready after {timeout} s; see {log}")
            time.sleep(0.02)
        yield Server(process, base_url, time.perf_counter() - started, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
