"""What a run produces: rows with ratios and targets, the markdown table and the JSON file."""

import json
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import wrk
from benchmarks.harness.processes import VENV_BIN


@dataclass
class Row:
    scenario: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None
    value: str | None = None
    target: str = ""
    ok: bool | None = None
    errors: int = 0

    @classmethod
    def of(cls, scenario: str, load: wrk.Load, baseline_rps: float | None) -> "Row":
        """A load measurement, as a ratio against the baseline; failed requests and non-2xx
        answers are errors (a scenario that only measured refusals would look fast)."""
        ratio = round(load.rps / baseline_rps, 3) if baseline_rps else None
        errors = load.errors + load.non_2xx
        return cls(scenario, load.rps, load.p50_ms, load.p99_ms, ratio, errors=errors)

    def expect(self, target: str, ok: bool) -> "Row":
        self.target = target
        self.ok = ok and self.errors == 0
        return self


@dataclass
class Report:
    engine: str
    rows: list[Row] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    @property
    def missed(self) -> list[Row]:
        return [row for row in self.rows if row.ok is False]

    def table(self) -> str:
        lines = [
            "| scenario | req/s | p50 ms | p99 ms | ratio | value | errors | target | met |",
            "|---|---:|---:|---:|---:|---|---:|---|---|",
        ]
        for row in self.rows:
            met = "" if row.ok is None else ("yes" if row.ok else "**no**")
            cells = [row.rps, row.p50_ms, row.p99_ms, row.ratio, row.value, row.errors]
            shown = " | ".join("" if cell is None else str(cell) for cell in cells)
            lines.append(f"| {row.scenario} | {shown} | {row.target} | {met} |")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {**self.info, "engine": self.engine, "rows": [asdict(r) for r in self.rows]}
        path.write_text(json.dumps(document, indent=2) + "\n")


def versions() -> dict[str, str]:
    """Versions of what was measured, read from the service's own interpreter."""
    probe = (
        "import fastapi, uvicorn, sqlalchemy, pydantic; "
        "print(fastapi.__version__, uvicorn.__version__, sqlalchemy.__version__, "
        "pydantic.__version__)"
    )
    found = subprocess.run(  # noqa: S603 - our own interpreter
        [str(VENV_BIN / "python"), "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    wrk_line = subprocess.run(  # noqa: S603 - the wrk found on PATH
        [wrk.wrk_binary(), "-v"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    names = ("fastapi", "uvicorn", "sqlalchemy", "pydantic")
    return {
        "python": platform.python_version(),
        **dict(zip(names, found, strict=True)),
        "wrk": wrk_line[0].strip() if wrk_line else "unknown",
    }
