"""The hexagon's rules, checked: the core imports without any third-party package, and
import-linter's contracts (pyproject.toml) hold."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE_MODULES = ["domain", "application", "application.use_cases", "application.handlers"]


def test_domain_and_application_import_without_site_packages() -> None:
    # -S drops site-packages (and -I the user's site and PYTHON* variables): only the
    # standard library and our own sources can be found.
    imports = "; ".join(f"import {module}" for module in CORE_MODULES)
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); {imports}; "
        "import importlib.util as u; "
        "assert u.find_spec('pydantic') is None and u.find_spec('jwt') is None; "
        "third = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'pydantic', 'sqlalchemy', 'fastapi', 'jwt', 'bcrypt', 'dependency_injector'}); "
        "assert not third, third; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_framework_import_would_be_noticed() -> None:
    """The check above can fail: under -S a third-party package is not importable."""
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", "import pydantic"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    for contract in (
        "The REST API and the CLI are independent of each other KEPT",
        "The REST API and the CLI reach adapters only through the composition root KEPT",
    ):
        assert contract in result.stdout


def test_domain_tests_import_nothing_but_the_domain() -> None:
    """The domain tests run against the domain alone, so they document it on its own terms."""
    allowed = {"domain", "pytest", "hypothesis", *sys.stdlib_module_names}
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests" / "unit" / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = {node.module}
            else:
                continue
            for name in names:
                ours = name.startswith("tests.unit.domain.")
                if not ours and (name.startswith("tests") or name.split(".")[0] not in allowed):
                    found.setdefault(path.name, set()).add(name)
    assert found == {}
