"""One version number, in one place: ``registry.__version__`` (setup.cfg reads it too)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

import registry
from registry.cli import main
from registry.web.openapi import document

ROOT = Path(__file__).resolve().parents[1]


def test_the_openapi_document_and_the_cli_report_the_package_version() -> None:
    assert document()["info"]["version"] == registry.__version__
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and registry.__version__ in result.output


def test_setup_cfg_reads_the_version_from_the_package() -> None:
    assert "version = attr: registry.__version__" in (ROOT / "setup.cfg").read_text(encoding="utf-8")


def test_no_module_spells_the_version_out() -> None:
    literal = re.compile(rf"[\"']{re.escape(registry.__version__)}[\"']")
    spelled = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "registry").rglob("*.py"))
        if path.name != "__init__.py" or path.parent != ROOT / "registry"
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert spelled == [], "read registry.__version__ instead"
