"""Bulk loads by an administrator (``efreg load`` and ``POST /api/admin/loads`` call
:func:`load_files`): files read and admitted through the gate (:func:`registry.ingest.import_paths`),
with one report for both — the counts, the rows skipped and why, the SHACL report, the graphs
stored — and a PROV record of the load (:mod:`registry.publishing.activities`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.config import Settings
from registry.ingest.base import ProgressCallback
from registry.ingest.gate import ImportOutcome, import_paths
from registry.ingest.outcome_text import is_long, terminal_text
from registry.pact import records as pact_records
from registry.publishing import activities
from registry.publishing.admin import require_admin
from registry.publishing.tokens import Caller
from registry.store import Store


@dataclass
class LoadReport:
    """An :class:`~registry.ingest.gate.ImportOutcome` with what the load was asked to do."""

    outcome: ImportOutcome
    dry_run: bool
    pact_lines: list[str] = field(default_factory=list)  #: the footprints a release derived or refused

    @property
    def stored(self) -> bool:
        return self.outcome.stored

    @property
    def conforms(self) -> bool:
        return bool(self.outcome.report.conforms)

    def summary(self) -> str:
        """The last line ``efreg load`` prints."""
        result = self.outcome.result
        where = (
            "stored in " + ", ".join(result.dataset_iris)
            if self.stored
            else "nothing stored" + (" (dry run)" if self.dry_run and self.conforms else "")
        )
        return f"{result.counts()}; {where}"

    def to_json(self, lang: str = "en", turtle: bool = False) -> dict[str, Any]:
        """The report as JSON, with the SHACL report's text in ``lang`` (whole: ``report_text``; as
        ``efreg load`` prints it, summarised by rule when long: ``report_summary``)."""
        result = self.outcome.result
        return {
            "stored": self.stored,
            "dry_run": self.dry_run,
            "conforms": self.conforms,
            "read": result.read,
            "imported": result.imported,
            "counts": result.counts(),
            "skipped": [{"where": s.where, "reason": s.reason, "part": s.part} for s in result.skipped],
            "datasets": result.dataset_iris if self.stored else [],
            "summary": self.summary(),
            "pact": self.pact_lines,
            "report": self.outcome.report.to_json(),
            "report_text": self.outcome.report.to_text(lang) if self.outcome.report.results else "",
            "report_summary": terminal_text(result, self.outcome.report, lang),
            "long": is_long(result, self.outcome.report),
            **({"report_turtle": self.outcome.report.to_turtle()} if turtle else {}),
        }


def load_files(
    store: Store,
    settings: Settings,
    caller: Caller,
    paths: list[Path],
    *,
    format: str | None = None,
    dataset_id: str | None = None,
    publisher: str | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    publish_contacts: bool = False,
    progress: ProgressCallback | None = None,
) -> LoadReport:
    """Import ``paths`` as ``efreg load`` does (all or nothing; nothing on a violation or a dry run)
    and record the load; raises :class:`~registry.ingest.base.IngestError` for input that does not
    parse."""
    require_admin(caller)
    outcome = import_paths(
        store,
        paths,
        dry_run=dry_run,
        format=format,
        base_uri=settings.base_uri,
        dataset_id=dataset_id,
        publisher=publisher,
        settings=settings,
        progress=progress,
        encoding=encoding,
        publish_contacts=publish_contacts,
    )
    if not outcome.stored:
        return LoadReport(outcome, dry_run)
    touched = [("generated", iri) for iri in outcome.result.dataset_iris]
    activities.record(store, settings.base_uri, caller, "load", touched)  # type: ignore[arg-type]
    # a release: the PACT footprints of what is now published (registry/pact)
    return LoadReport(outcome, dry_run, pact_records.sync(store, settings.base_uri).lines())
