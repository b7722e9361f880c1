"""Who may read which graphs: the one place that decides what is public.

For now a graph is public when it is the catalog graph, or a dataset version graph whose dataset
record says ``ef:reviewStatus ef:Published`` and ``ef:accessLevel ef:Open`` (a status or access
level written in the catalog graph overrides the one in the dataset's own graph). The publishing
issue extends :func:`readable_graphs` with callers (tokens) and commercial data.

The answer is cached per store and recomputed when the store's write generation changes
(``store.generation``, an int every write bumps). A backend without a generation is asked every
time, which is always correct; :func:`invalidate` drops a cached answer explicitly.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

from .store import QueryDataset, Store
from .vocab import STORE_NODE, SYSTEM_GRAPH

BASE_URI_QUERY = f"""PREFIX ef: <https://w3id.org/efreg/ontology#>
SELECT ?base WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{STORE_NODE}> ef:baseURI ?base }} }} LIMIT 1"""

#: Dataset version graphs with their review status and access level; the catalog graph's word wins.
PUBLIC_QUERY = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT DISTINCT ?g WHERE {{
  GRAPH ?g {{ ?g a dcat:Dataset }}
  OPTIONAL {{ GRAPH <{catalog}> {{ ?g ef:reviewStatus ?catalogStatus }} }}
  OPTIONAL {{ GRAPH <{catalog}> {{ ?g ef:accessLevel ?catalogAccess }} }}
  OPTIONAL {{ GRAPH ?g {{ ?g ef:reviewStatus ?ownStatus }} }}
  OPTIONAL {{ GRAPH ?g {{ ?g ef:accessLevel ?ownAccess }} }}
  FILTER(COALESCE(?catalogStatus, ?ownStatus) = ef:Published)
  FILTER(COALESCE(?catalogAccess, ?ownAccess) = ef:Open)
}}"""


@dataclass(frozen=True)
class Snapshot:
    """What is public at one store generation, and when this process first saw that generation."""

    generation: int | None
    base_uri: str | None
    public: tuple[str, ...]
    public_set: frozenset[str]
    seen_at: float


_cache: weakref.WeakKeyDictionary[Store, Snapshot] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def generation(store: Store) -> int | None:
    """The store's write counter, when its backend keeps one."""
    value = getattr(store, "generation", None)
    return value if isinstance(value, int) else None


def base_uri(store: Store) -> str | None:
    """The base URI recorded in the store's system graph (``None`` before one is recorded)."""
    rows = store.select(BASE_URI_QUERY, QueryDataset(default_graphs=(SYSTEM_GRAPH,),
                                                     named_graphs=(SYSTEM_GRAPH,)))
    return str(rows[0]["base"]) if rows else None


def _compute(store: Store, gen: int | None, previous: Snapshot | None) -> Snapshot:
    base = base_uri(store)
    graphs: list[str] = []
    if base is not None:
        catalog = base + "catalog"
        graphs = sorted(str(row["g"]) for row in store.select(PUBLIC_QUERY.format(catalog=catalog)))
        if store.ask(f"ASK {{ GRAPH <{catalog}> {{ ?s ?p ?o }} }}"):
            graphs.insert(0, catalog)
    public = tuple(graphs)
    unchanged = previous is not None and previous.public == public and previous.base_uri == base
    seen_at = previous.seen_at if unchanged and previous is not None else time.time()
    return Snapshot(gen, base, public, frozenset(public), seen_at)


def snapshot(store: Store) -> Snapshot:
    """The cached public view of ``store``, recomputed when its generation moved."""
    gen = generation(store)
    cached = _cache.get(store)
    if cached is not None and gen is not None and cached.generation == gen:
        return cached
    with _lock:
        cached = _cache.get(store)
        if cached is not None and gen is not None and cached.generation == gen:
            return cached
        fresh = _compute(store, gen, cached)
        _cache[store] = fresh
        return fresh


def invalidate(store: Store) -> None:
    """Forget the cached answer for ``store`` (for backends without a generation counter)."""
    with _lock:
        _cache.pop(store, None)


def public_graphs(store: Store) -> tuple[str, ...]:
    """Every graph anyone may read: the catalog graph and the published, open dataset versions."""
    return snapshot(store).public


def readable_graphs(store: Store, caller: object | None = None) -> tuple[str, ...]:
    """The graphs ``caller`` may read. Anonymous callers (``None``) read the public graphs; the
    publishing issue adds tokens (a publisher reads its own drafts) and commercial data."""
    return public_graphs(store)


def data_changed_at(store: Store) -> float:
    """When this process first saw the current set of public graphs (for ``Last-Modified``).

    Dataset version graphs are immutable and the catalog graph changes only when a version is
    released (which changes the set), so this is never earlier than the last change of any public
    document; after a restart it is the restart time (conservative: fewer 304s, never a wrong one)."""
    return snapshot(store).seen_at
