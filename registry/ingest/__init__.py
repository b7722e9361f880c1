"""Importers: ILCD XML, TIDAS JSON, CSV (OEFDB layout and the efreg template), RDF and ZIP → RDF in
the efreg model; the gate (:mod:`registry.ingest.gate`) validates and stores.

``IMPORTERS`` maps a format name to an importer; ``read_paths`` reads files into one
:class:`~registry.ingest.quads.ImportData` (``ImportResult.dataset`` is it as an rdflib ``Dataset``)
without touching a store; ``import_paths`` reads them through the gate (``efreg load``).
"""

from __future__ import annotations

from registry.ingest.base import Importer, ImportResult, IngestError, NothingImported, Skipped
from registry.ingest.gate import ImportOutcome, import_paths
from registry.ingest.read import IMPORTERS, detect_format, read_inputs, read_paths, skipped_json

__all__ = [
    "IMPORTERS",
    "ImportOutcome",
    "ImportResult",
    "Importer",
    "IngestError",
    "NothingImported",
    "Skipped",
    "detect_format",
    "read_inputs",
    "import_paths",
    "read_paths",
    "skipped_json",
]
