"""What an import prints on the terminal: the records left out and the SHACL report, summarised by
reason and by rule (count and two examples) when there are many, the full text in ``--report FILE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # start-up: the ingest and validation stacks load when an import runs
    from registry.ingest.base import ImportResult, Skipped
    from registry.validation.report import ValidationReport

#: Up to this many skipped records or report results print one by one; more print as a summary.
SHOW_ALL = 20
EXAMPLES = 2


def skipped_summary(skipped: list[Skipped], examples: int = EXAMPLES) -> str:
    """Records and parts left out, grouped by reason (the text before the first ``:``), the largest
    group first: ``skipped 9 × no reference year: e.g. file line 3; file line 7``."""
    groups: dict[tuple[bool, str], list[Skipped]] = {}
    for s in skipped:
        groups.setdefault((s.part, s.reason.split(":", 1)[0]), []).append(s)
    lines = []
    for (part, reason), items in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
        what = "left out (part of a record)" if part else "skipped"
        lines.append(f"{what} {len(items):,} × {reason}")
        for s in items[:examples]:
            lines.append(f"  e.g. {s.where}: {s.reason}")
    return "\n".join(lines)


def skipped_text(skipped: list[Skipped]) -> str:
    """Every record and part left out, one a line."""
    return "\n".join(f"{'left out' if s.part else 'skipped'} {s.where}: {s.reason}" for s in skipped)


def echo_outcome(result: ImportResult, report: ValidationReport, lang: str, report_path: Path | None) -> None:
    """Print what an import left out and its SHACL report (on stderr); summarised when long."""
    many = len(result.skipped) > SHOW_ALL or len(report.results) > SHOW_ALL
    if result.skipped:
        text = (
            skipped_summary(result.skipped)
            if len(result.skipped) > SHOW_ALL
            else skipped_text(result.skipped)
        )
        click.echo(text, err=True)
    if report.results:
        text = report.to_summary(lang) if len(report.results) > SHOW_ALL else report.to_text(lang)
        click.echo(text, err=True)
    if report_path is not None:
        write_report(result, report, report_path, lang)
        click.echo(f"full report: {report_path}", err=True)
    elif many:
        click.echo("(a summary: --report FILE writes every result, as .txt, .json or .ttl)", err=True)


def write_report(result: ImportResult, report: ValidationReport, path: Path, lang: str = "en") -> None:
    """The whole report: ``.json`` (records left out and SHACL results), ``.ttl`` (the SHACL report
    graph), anything else plain text (every record left out, every result)."""
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
        text = result.counts() + "\n\n" + skipped_text(result.skipped) + "\n\n" + report.to_text(lang)
        path.write_text(text, encoding="utf-8")
