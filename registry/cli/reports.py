"""What an import prints on the terminal (:mod:`registry.ingest.outcome_text`: the records left out
and the SHACL report, summarised by reason and by rule when there are many) and the whole report
``--report FILE`` writes (``efreg load``, ``efreg validate``, ``efreg dataset upload``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # start-up: the ingest and validation stacks load when an import runs
    from registry.ingest.base import ImportResult
    from registry.validation.report import ValidationReport

HINT = "(a summary: --report FILE writes every result, as .txt, .json or .ttl)"


def echo_outcome(
    result: ImportResult, report: ValidationReport, lang: str, report_path: Path | None, err: bool = True
) -> None:
    """Print what an import (or ``efreg validate``) left out and its SHACL report (on stderr, or
    stdout with ``err=False``); summarised when long; the whole report in ``report_path``."""
    from registry.ingest.outcome_text import is_long, terminal_text  # start-up: when an import ran

    text = terminal_text(result, report, lang)
    if text:
        click.echo(text, err=err)
    if report_path is not None:
        write_report(result, report, report_path, lang)
        click.echo(f"full report: {report_path}", err=err)
    elif is_long(result, report):
        click.echo(HINT, err=err)


def write_report(result: ImportResult, report: ValidationReport, path: Path, lang: str = "en") -> None:
    """The whole report: ``.json`` (records left out and SHACL results), ``.ttl`` (the SHACL report
    graph), anything else plain text (every record left out, every result)."""
    from registry.ingest.outcome_text import full_text, languages  # start-up: when an import ran

    if path.suffix == ".json":
        body: dict[str, Any] = {
            **report.to_json(),
            "read": result.read,
            "imported": result.imported,
            "skipped": [{"where": s.where, "reason": s.reason, "part": s.part} for s in result.skipped],
        }
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    elif path.suffix == ".ttl":
        path.write_text(report.to_turtle(), encoding="utf-8")
    else:
        shacl = [report.to_text(language) for language in languages(lang)]
        path.write_text(full_text(result.counts(), result.skipped, shacl), encoding="utf-8")
