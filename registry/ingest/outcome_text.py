"""What an import says as text (``efreg load``, ``efreg validate``, ``POST /api/admin/loads``): the
records left out and the SHACL report, summarised by reason and by rule (count and two examples)
when there are many; the whole of it for ``--report FILE``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from registry.ingest.base import ImportResult, Skipped

if TYPE_CHECKING:
    from registry.validation.report import ValidationReport

#: Up to this many skipped records or report results print one by one; more print as a summary.
SHOW_ALL = 20
EXAMPLES = 2


def languages(lang: str) -> list[str]:
    """``"both"`` (``efreg validate``'s default) → English then Chinese; otherwise that language."""
    return ["en", "zh"] if lang == "both" else [lang]


def skipped_summary(skipped: Sequence[Skipped], examples: int = EXAMPLES) -> str:
    """Records and parts left out, grouped by reason (the text before the first ``:``), the largest
    group first: ``skipped 9 × no reference year`` then ``  e.g. file line 3: …`` twice."""
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


def skipped_text(skipped: Sequence[Skipped]) -> str:
    """Every record and part left out, one a line."""
    return "\n".join(f"{'left out' if s.part else 'skipped'} {s.where}: {s.reason}" for s in skipped)


def is_long(result: ImportResult, report: ValidationReport) -> bool:
    """Whether the terminal shows a summary (more records left out or results than :data:`SHOW_ALL`)."""
    return len(result.skipped) > SHOW_ALL or len(report.results) > SHOW_ALL


def terminal_text(result: ImportResult, report: ValidationReport, lang: str) -> str:
    """What the terminal shows: records left out and SHACL results, one by one when few, by
    reason and by rule when many (in each of :func:`languages`)."""
    parts = []
    if result.skipped:
        many = len(result.skipped) > SHOW_ALL
        parts.append(skipped_summary(result.skipped) if many else skipped_text(result.skipped))
    for language in languages(lang) if report.results else []:
        many = len(report.results) > SHOW_ALL
        parts.append(report.to_summary(language) if many else report.to_text(language))
    return "\n".join(parts)


def full_text(counts: str, skipped: Sequence[Skipped], shacl: Sequence[str]) -> str:
    """The whole report as text: the counts, every record left out, every SHACL result (``shacl``:
    the report's text in each language)."""
    return counts + "\n\n" + skipped_text(skipped) + "\n\n" + "\n\n".join(shacl)
