"""The seed data (seeds/*.trig): real, cited reference data and factors loaded on first start,
through the gate like any other data."""

from __future__ import annotations

from pathlib import Path

from registry.config import Settings
from registry.ingest.base import IngestError
from registry.ingest.gate import NextVersion, admit
from registry.ingest.quads import ImportData
from registry.ingest.read import read_paths
from registry.paths import SEEDS_DIR, seed_files
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import Store


def load_seeds(store: Store, base_uri: str, directory: Path = SEEDS_DIR, *, validator: str = "fast") -> int:
    """Admit every seed file (relative IRIs resolved against ``base_uri``) through the gate, in one
    write; returns the triples read. Raises :class:`~registry.ingest.base.IngestError` when a seed
    graph is already in the store or the seeds violate a shape (they never should)."""
    files = seed_files(directory)
    if not files:
        return 0
    read: list[int] = []

    def build(_next_version: NextVersion) -> ImportData:  # seed graphs name their versions
        result = read_paths(
            files,
            format="trig",
            base_uri=base_uri,
            dataset_id=None,
            publisher=None,
            settings=Settings(base_uri=base_uri),
        )
        read.append(result.read)
        return result.data

    verdict = admit(store, build, base_uri=base_uri, validator=validator)
    if not verdict.stored:
        raise IngestError(f"the seeds do not conform to the shapes:\n{verdict.report.to_text('en')}")
    return read[0]


def load_seeds_if_empty(store: Store, base_uri: str) -> int:
    """Load the seeds when the store holds no graph but its own system graph; else do nothing."""
    if any(graph != SYSTEM_GRAPH for graph in store.graph_names()):
        return 0
    return load_seeds(store, base_uri)
