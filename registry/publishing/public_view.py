"""The public read model: a second Oxigraph store that holds the public graphs and nothing else.

Queries from callers who may read only what is public (:func:`registry.publishing.access.
reads_only_public`) run over the union default graph of this store (``use_default_graph_as_union``:
one index look-up per pattern, where the same query over the whole store looks each pattern up in
every readable graph), which holds no draft, no commercial values graph and no system data — so no
query text, however it is read, reaches anything else. ``oxigraph:///PATH`` keeps it in
``PATH/public``; ``memory:`` in a second in-memory store; a ``sparql+http`` store has none (its
queries keep the exact per-caller dataset, :class:`registry.store.PublicDataset`).

:func:`sync` makes it equal to what :mod:`registry.publishing.access` says is public. The release
step calls it after each write that can change that (the catalog refresh, approve / withdraw and
other transitions, grants, uploads, ``efreg load``, seeds, updates through the SPARQL endpoint);
:func:`registry.publishing.workflow.recover` calls it at start. The store uses the model only while
no write happened since the last sync (``OxigraphStore.view_current``): before that, a public
caller's query reads the listed public graphs of the whole store, which is always exact.

Crash safety. The dataset version graphs are immutable: a graph is copied in one transaction (it
is wholly in the model or not at all) and dropped in one, and a sync compares the model's graph
names with the public ones. What changes in place is the catalog graph (and, through the SPARQL
endpoint, anything): every write that changes it notes in the system graph, **in the same update**,
what to compare (:func:`registry.store.meta.view_stale_update`: the catalog records of one released version, the whole
catalog, or every public graph); a sync compares that, applies the difference in one update and
clears the notes it read. After ``kill -9`` at any point, the sync at start finds the notes of what
was not carried over.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from registry.publishing import access, freshness
from registry.rdf.namespaces import DCT, PROV, SYSTEM_GRAPH
from registry.store import QueryDataset, Store
from registry.store.meta import VIEW_ALL as ALL
from registry.store.meta import VIEW_CATALOG as CATALOG
from registry.store.meta import VIEW_NODE as NODE
from registry.store.meta import view_stale_update
from registry.store.public_model import PublicModel, Side

_SYSTEM = QueryDataset(default_graphs=(SYSTEM_GRAPH,), named_graphs=())
_lock = threading.RLock()

IS_VERSION_OF = str(DCT.isVersionOf)
IS_REPLACED_BY = str(DCT.isReplacedBy)
USED = str(PROV.used)


@dataclass
class SyncReport:
    """What one :func:`sync` did."""

    added: list[str] = field(default_factory=list)  #: graphs copied into the model
    dropped: list[str] = field(default_factory=list)  #: graphs removed from it
    recopied: list[str] = field(default_factory=list)  #: graphs whose content differed
    catalog: str = ""  #: the catalog graph
    catalog_removed: int = 0
    catalog_added: int = 0
    notes: list[str] = field(default_factory=list)  #: the stale notes it found (and cleared)
    current: bool = False  #: the model is in use (no write came in between)
    rebuilt: bool = False  #: made anew from a checkpoint of the store (a first fill on disk)
    seconds: float = 0.0


def note_stale(store: Store, scope: str) -> None:
    """Note ``scope`` stale on its own (before a write whose effect is not known in advance; see
    :func:`registry.store.meta.view_stale_update`)."""
    store.update(view_stale_update(scope))


def _notes(store: Store) -> list[tuple[str, str]]:
    rows = store.select(f"SELECT ?p ?o WHERE {{ <{NODE}> ?p ?o }}", _SYSTEM)
    return sorted((str(r["p"]), str(r["o"])) for r in rows)


def sync(store: Store) -> SyncReport | None:
    """Make the public read model of ``store`` equal to its public graphs (see the module doc);
    ``None`` for a store without one. Graphs are added first, then the catalog switched in one
    update, then graphs dropped."""
    model: PublicModel | None = getattr(store, "public_model", None)
    if model is None:
        return None
    started = time.perf_counter()
    report = SyncReport()
    with _lock:
        store.view_generation = None  # type: ignore[attr-defined]
        marker = model.marker
        for _ in range(3):  # again when another write came in meanwhile
            before = store.generation  # type: ignore[attr-defined]
            snap = access.snapshot(store)
            notes = _notes(store)
            # the model and the notes: no public graph of the store changes (kept answers stay)
            with freshness.public_unchanged(store), store.writing():  # type: ignore[attr-defined]
                _apply(model, snap, notes, report)
                if notes:  # cleared only now that the difference is carried over
                    cleared = " ".join(f"<{NODE}> <{p}> <{o}> ." for p, o in notes)
                    store.update(f"DELETE DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {cleared} }} }}")
                    report.notes += [o for _, o in notes]
            # the writes of this sync (the model, the notes) change nothing access reads: keep its
            # snapshot; any other write in between: look again
            if snap.generation == before and store.generation == before + (4 if notes else 2):  # type: ignore[attr-defined]
                access.carry_over(store, snap, store.generation)  # type: ignore[attr-defined]
                store.view_generation = store.generation  # type: ignore[attr-defined]
                report.current = True
                break
        after = model.settle()
        replica = getattr(store, "analytic", None)
        if replica is not None and report.current:
            replica.follow(_changed(report), store.generation, marker, after)  # type: ignore[attr-defined]
    report.seconds = time.perf_counter() - started
    return report


def _changed(report: SyncReport) -> list[str] | None:
    """The graphs of the model a sync changed (``None``: all of them, made anew)."""
    if report.rebuilt:
        return None
    changed = [*report.added, *report.dropped, *report.recopied]
    if report.catalog_added or report.catalog_removed:
        changed.append(report.catalog)
    return changed


def _apply(
    model: PublicModel, snap: access.Snapshot, notes: list[tuple[str, str]], report: SyncReport
) -> None:
    target = set(snap.public)
    have = model.graphs()
    if not have and target and model.rebuild(target):  # a first fill on disk: a checkpoint
        report.added, report.rebuilt = sorted(target), True
        return
    model.clear_default()
    for graph in sorted(target - have):
        model.copy(graph)
        report.added.append(graph)
    scopes = {o for _, o in notes}
    catalog = report.catalog = (snap.base_uri or "") + "catalog"
    if ALL in scopes:
        for graph in sorted(target & have):
            if model.lines("store", graph) != model.lines("model", graph):
                model.drop(graph)
                model.copy(graph)
                report.recopied.append(graph)
    if catalog in target and catalog in have and scopes:
        if scopes & {CATALOG, ALL}:
            old, new = model.lines("model", catalog), model.lines("store", catalog)
        else:
            subjects: set[str] = set()
            for graph in scopes:
                subjects |= _released_subjects(model, "store", graph, catalog)
                subjects |= _released_subjects(model, "model", graph, catalog)
            old, new = model.lines("model", catalog, subjects), model.lines("store", catalog, subjects)
        report.catalog_removed, report.catalog_added = len(old - new), len(new - old)
        model.patch(catalog, old - new, new - old)
    for graph in sorted(have - target):
        model.drop(graph)
        report.dropped.append(graph)


def _released_subjects(model: PublicModel, side: Side, graph: str, catalog: str) -> set[str]:
    """The subjects of the catalog records that a release or withdrawal of ``graph`` changes: the
    version itself, its activities, its resources and the things they are versions of, and the
    versions they replace."""
    subjects = {graph}
    subjects.update(s for s, _ in model.iris(side, None, USED, graph, catalog) if s)
    for version, thing in model.iris(side, None, IS_VERSION_OF, None, graph):
        if version is None:
            continue
        subjects.add(version)
        if thing is not None:
            subjects.add(thing)
        subjects.update(s for s, _ in model.iris(side, None, IS_REPLACED_BY, version, catalog) if s)
    return subjects
