"""The benchmark harness, run for one second per scenario against a tiny store.

Not a measurement (no target is checked): it keeps the Lua scripts, the store seeding, the
profile mode and the report from rotting. It needs wrk; without it the test is skipped with the
way to install it, unless ``INVENTORY_BENCH_SMOKE_REQUIRED=1`` (CI) makes a missing wrk a
failure (the profile mode needs no wrk).
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from benchmarks import run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

REQUIRED = os.environ.get("INVENTORY_BENCH_SMOKE_REQUIRED") == "1"


@pytest.fixture
def wrk_available() -> None:
    if shutil.which("wrk") is None:
        message = "wrk is not installed: apt-get install -y wrk (or make wrk as root)"
        if REQUIRED:
            pytest.fail(f"INVENTORY_BENCH_SMOKE_REQUIRED=1 but {message}")
        pytest.skip(message)


def test_every_scenario_runs_and_reports(
    wrk_available: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(run.POSTGRES_VARIABLE, raising=False)
    output = tmp_path / "result.json"
    tiny = ["--seconds", "1", "--connections", "4", "--items", "40", "--small", "20"]
    tiny += ["--large", "60", "--profile-requests", "20", "--history", "3000"]
    tiny += ["--outbox-movements", "10"]
    assert run.main([*tiny, "--output", str(output)]) == 0

    document = json.loads(output.read_text())
    rows = {row["scenario"]: row for row in document["rows"]}
    loads = [row for row in document["rows"] if row["rps"] is not None]
    assert len(loads) == 17, sorted(rows)
    assert all(row["rps"] > 0 and row["errors"] == 0 for row in loads), loads
    assert rows["ledger sum == quantity after the run"]["ok"] is True
    assert rows["as_of answers == ledger sums"]["ok"] is True
    assert rows["relay lag after the movements"]["value"].endswith(" s")
    assert rows["outbox INSERT's cost per movement (in process)"]["target"] == "≤ 15%"
    as_of = rows["GET /api/v1/items/{id}/stock?as_of=… (3,000 movements)"]
    assert as_of["target"] == "≥ 0.50x GET item"
    assert rows["/health/live through the full stack"]["target"] == "ratio ≥ 0.80"
    keyed = rows["POST …/movements with an Idempotency-Key (a new key each)"]
    assert keyed["target"] == "ratio ≥ 0.12"
    assert rows["POST /api/v1/transfers (1 unit there and back)"]["target"] == "ratio ≥ 0.10"
    reserved = rows["POST /api/v1/reservations, then …/fulfil (alternating)"]
    assert reserved["target"] == "≥ 0.80x movements"
    assert rows["GET /api/v1/items/{id} (authenticated)"]["target"] == "ratio ≥ 0.40, p99 ≤ 20 ms"
    api_token = rows["GET /api/v1/items/{id} (API token, Bearer inv_…)"]
    assert api_token["target"] == "≥ 90% of the JWT GET's req/s"
    profile = rows["in-process CPU per GET item (profile mode)"]
    assert profile["value"].endswith("µs)")
    assert profile["target"] == "≤ 250 µs"
    assert all(row["ratio"] > 0 for row in loads if "health" not in row["scenario"])
    assert document["engine"] == "sqlite"
    assert document["cores"] >= 1
    assert "| GET /api/v1/items/{id} (authenticated) |" in capsys.readouterr().out


def test_the_profile_mode_runs_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(run.POSTGRES_VARIABLE, raising=False)
    assert run.main(["--profile", "--profile-requests", "20", "--top", "5"]) == 0

    out = capsys.readouterr().out
    assert "sqlite: in-process CPU per GET item (profile mode):" in out
    assert "budget ≤ 250 µs: " in out
    assert "function calls" in out  # cProfile's listing


def test_the_api_token_mode_runs_alone(
    wrk_available: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(run.POSTGRES_VARIABLE, raising=False)
    output = tmp_path / "result.json"
    tiny = ["--seconds", "1", "--connections", "4", "--items", "40"]
    assert run.main([*tiny, "--api-token", "--output", str(output)]) == 0
    scenarios = [row["scenario"] for row in json.loads(output.read_text())["rows"]]
    assert scenarios == [
        "baseline: bare FastAPI route",
        "GET /api/v1/items/{id} (authenticated)",
        "GET /api/v1/items/{id} (API token, Bearer inv_…)",
    ]
