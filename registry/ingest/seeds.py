"""The seed data (seeds/*.trig): real, cited reference data and factors loaded on first start."""

from __future__ import annotations

from pathlib import Path

from registry.paths import SEEDS_DIR, seed_files
from registry.publishing.catalog import refresh_versions
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import Store


def load_seeds(store: Store, base_uri: str, directory: Path = SEEDS_DIR) -> int:
    """Load every seed file (relative IRIs resolved against ``base_uri``); returns the quads read."""
    total = 0
    for path in seed_files(directory):
        total += store.load(path, "trig", base_iri=base_uri)
    refresh_versions(store, base_uri)
    return total


def load_seeds_if_empty(store: Store, base_uri: str) -> int:
    """Load the seeds when the store holds no graph but its own system graph; else do nothing."""
    if any(graph != SYSTEM_GRAPH for graph in store.graph_names()):
        return 0
    return load_seeds(store, base_uri)
