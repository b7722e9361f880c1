"""The gate: the one way data gets into the store.

:func:`admit` is the only code that validates data, picks the next version of a dataset, writes
and refreshes the catalog. Every writer builds an :class:`~registry.ingest.quads.ImportData` and
hands it over: ``efreg load`` (:func:`import_paths`), the seeds
(:mod:`registry.ingest.seeds`), uploads (:mod:`registry.publishing.workflow`), harvests
(:mod:`registry.federation.harvest`) and mapping sets (:mod:`registry.mapping.sets`). So the same
data gets the same verdict and is stored as the same quads, whichever way it came.

Steps, under one lock (so a version picked stays free until it is written):

1. ``build(next_version)`` makes the data; ``next_version(id)`` is the next free ``dataset/{id}/N``.
2. Every graph must be a new dataset version graph (versions are immutable). SHACL reports the
   data carries (a re-imported dump) are dropped: the gate writes a fresh one.
3. The data (with the reference data and ``known`` triples) is validated by the fast validator
   (:mod:`registry.validation.fast`) or, on request, pySHACL (``validator="pyshacl"``).
4. Nothing is stored when there is a violation or on ``dry_run``. Else warnings are kept with the
   dataset: the SHACL report goes into each version graph (the results about that graph's own
   nodes), linked from the dataset record by ``ef:validationReport``.
5. ``before_write(data)`` may add what is not validated (a workflow record in the system graph) or
   move triples between graphs (a commercial version's values); then every graph is written in
   one transaction (:meth:`Store.load_quads`) and the catalog's version links are recomputed. An
   upload, which notes its graphs pending first, has them bulk-loaded (``bulk``), then the rest.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from registry.ingest.base import ImportResult, IngestError
from registry.ingest.quads import ImportData, Triple
from registry.ingest.read import read_paths
from registry.publishing.catalog import refresh_versions
from registry.rdf.namespaces import EF, RDF, SH
from registry.rdf.terms import TermError
from registry.store import Store
from registry.validation.fast import get_validator
from registry.validation.fast.index import no_gc
from registry.validation.reference import reference_graph

#: ``dataset id → the next free version number`` (what :func:`admit` hands to ``build``).
NextVersion = Callable[[str], int]
#: Makes the data to admit, given the version picker; ``None``: nothing to write (unchanged).
Build = Callable[[NextVersion], ImportData | None]

_lock = threading.RLock()


@dataclass
class Verdict:
    """What the gate decided: ``report`` is the validation report (``None`` when ``build`` found
    nothing to write), ``graphs`` the dataset version graphs of the data."""

    stored: bool
    report: Any  # registry.validation.report.ValidationReport | None
    graphs: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.report is None


def admit(
    store: Store,
    build: Build,
    *,
    base_uri: str,
    validator: str = "fast",
    dry_run: bool = False,
    known: Iterable[Triple] = (),
    before_write: Callable[[ImportData], None] | None = None,
    bulk: Collection[str] = (),
) -> Verdict:
    """Build, check, validate and (unless ``dry_run`` or a violation) store data in one transaction,
    then refresh the catalog (see the module doc). ``known``: triples the data may refer to that the
    store holds but the reference data does not (an uploading publisher). Raises
    :class:`IngestError` for data that may not be written (a graph that exists or is no dataset
    version) and :class:`~registry.store.StoreError` when the write fails. ``bulk``: graphs
    ``before_write`` noted pending, written first by the store's bulk loader (no transaction; a crash
    leaves them pending without a record, which recovery drops), the others in one transaction."""
    validate = get_validator(validator, triples=True)  # an unknown name fails before any work
    with (
        _lock,
        store.write_lock(),
        no_gc(),
    ):  # across processes too (a remote store)  # an import allocates millions of objects and frees few: no GC rescans
        data = build(next_version_fn(store, base_uri))
        if data is None:
            return Verdict(stored=False, report=None)
        graphs = [str(g.identifier) for g in data.graphs()]
        _check_targets(store, graphs, base_uri)
        drop_reports(data, graphs)
        report = validate(data.triples(), base_iri=base_uri, reference=_reference(base_uri, known))
        if not report.conforms or dry_run:
            return Verdict(stored=False, report=report, graphs=graphs)
        if report.warnings:
            _attach_warnings(data, graphs, report)
        if before_write is not None:
            before_write(data)
        _store(store, data, bulk)
        refresh_versions(store, base_uri, released=graphs)
        return Verdict(stored=True, report=report, graphs=graphs)


@dataclass
class ImportOutcome:
    stored: bool
    report: Any  # registry.validation.report.ValidationReport
    result: ImportResult


def import_paths(
    store: Store, paths: list[Path], *, dry_run: bool = False, **read_kwargs: Any
) -> ImportOutcome:
    """Read ``paths`` (:func:`read_paths`' keywords; versions picked by the gate) and admit them
    through the gate: validated, and stored in one transaction unless they violate a shape or this
    is a dry run."""
    settings = read_kwargs.get("settings")
    read: list[ImportResult] = []

    def build(next_version: NextVersion) -> ImportData:
        read_kwargs.setdefault("next_version", next_version)
        read.append(read_paths(paths, **read_kwargs))
        return read[0].data

    verdict = admit(
        store,
        build,
        base_uri=read_kwargs["base_uri"],
        validator=getattr(settings, "validator", "fast"),
        dry_run=dry_run,
    )
    return ImportOutcome(stored=verdict.stored, report=verdict.report, result=read[0])


def next_version_fn(store: Store, base_uri: str) -> NextVersion:
    """``id → the next free integer version`` of ``dataset/{id}/N`` in ``store``."""
    existing = store.graph_names()
    prefix = base_uri + "dataset/"

    def next_version(dataset_id: str) -> int:
        pat = re.compile(re.escape(prefix + dataset_id) + r"/(\d+)$")
        taken = [int(m.group(1)) for g in existing if (m := pat.match(g))]
        return max(taken, default=0) + 1

    return next_version


def _reference(base_uri: str, known: Iterable[Triple]) -> Graph | None:
    extra = list(known)
    if not extra:
        return None  # the validator's cached reference graph
    ref = Graph()
    ref += reference_graph(base_uri)
    for t in extra:
        ref.add(t)
    return ref


def _check_targets(store: Store, graphs: list[str], base_uri: str) -> None:
    existing = store.graph_names()
    for g in graphs:
        if not g.startswith(base_uri + "dataset/"):
            raise IngestError(f"data may only be written to dataset graphs ({base_uri}dataset/…), not <{g}>")
        if g in existing:
            raise IngestError(
                f"dataset version <{g}> already exists; versions are immutable — "
                f"send the data without a graph name or under a new version"
            )


def _store(store: Store, data: ImportData, bulk: Collection[str] = ()) -> None:
    """Every graph of ``data`` in one write (:meth:`Store.load_quads`); the ``bulk`` ones first, by
    :meth:`Store.bulk_load_quads`."""
    try:
        quads = data.to_pyoxigraph()
    except TermError as exc:
        raise IngestError(f"cannot store the data: {exc}") from None
    if bulk:
        names = {ox.NamedNode(g) for g in bulk}
        store.bulk_load_quads([q for q in quads if q.graph_name in names])
        quads = [q for q in quads if q.graph_name not in names]
    store.load_quads(quads)  # one transaction where the backend has them


def _attach_warnings(data: ImportData, graphs: list[str], report: Any) -> None:
    """Each dataset graph with warnings gets a report with the results about its own nodes (the
    focus node is a subject of that graph); a result about a node no graph describes goes to every
    graph. A graph none of the results is about gets no report."""
    triples = list(report.triples())
    below: dict[Any, list[tuple[Any, Any, Any]]] = defaultdict(list)
    for t in triples:
        below[t[0]].append(t)
    owners: dict[Any, set[str]] = defaultdict(set)
    for g in graphs:
        for s, _p, _o in data.graph(g):
            owners[s].add(g)
    mine: dict[str, list[tuple[Any, Any, Any]]] = {g: [] for g in graphs}
    own: list[tuple[Any, Any, Any]] = []  # the report's own statements (type, sh:conforms)
    nodes = [s for s, p, o in triples if p == RDF.type and o == SH.ValidationReport]
    for node in nodes:
        for t in below[node]:
            if t[1] != SH.result:
                own.append(t)
                continue
            result = [t, *_tree(t[2], below)]
            focus = next((o for _s, p, o in below[t[2]] if p == SH.focusNode), None)
            for g in owners.get(focus) or graphs:
                mine[g].extend(result)
    for g in graphs:
        if not mine[g]:
            continue
        data.attach(own + mine[g], [g])
        target = data.graph(g)
        for node in nodes:
            target.add((URIRef(g), EF.validationReport, node))


def _tree(node: Any, below: dict[Any, list[tuple[Any, Any, Any]]]) -> list[tuple[Any, Any, Any]]:
    """The statements about ``node`` and the blank nodes below it."""
    out, todo, seen = [], [node], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for t in below.get(current, ()):
            out.append(t)
            if isinstance(t[2], BNode):
                todo.append(t[2])
    return out


def drop_reports(data: ImportData, graphs: list[str]) -> None:
    """Remove stored SHACL reports from re-imported data: the gate writes a fresh one."""
    for name in graphs:
        g = data.graph(name)
        todo = list(g.objects(None, EF.validationReport)) + list(g.subjects(RDF.type, SH.ValidationReport))
        g.remove((None, EF.validationReport, None))
        seen = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for _s, _p, o in g.triples((node, None, None)):
                if isinstance(o, BNode):
                    todo.append(o)
            g.remove((node, None, None))
