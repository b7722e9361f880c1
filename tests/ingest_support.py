"""Helpers the import tests share: read files through the importers, flatten the result."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from registry.config import Settings
from registry.ingest import ImportResult, read_paths

BASE = "http://localhost:8080/"


def read(*paths: Path, settings: Settings | None = None, **kw) -> ImportResult:
    """``read_paths`` with the tests' defaults (no dataset id, no publisher, default settings)."""
    kw.setdefault("dataset_id", None)
    return read_paths(
        list(paths),
        format=kw.pop("format", None),
        base_uri=BASE,
        publisher=None,
        settings=settings or Settings(),
        **kw,
    )


def union(result: ImportResult) -> Graph:
    """Every triple of every graph of an import result, in one graph."""
    g = Graph()
    for s, p, o, _c in result.dataset.quads((None, None, None, None)):
        g.add((s, p, o))
    return g
