"""The SHACL gate: read → validate → store, all graphs or none.

Warnings are kept with the dataset: when a conforming import has warnings, the SHACL report is
stored in the dataset version graph itself, linked from the dataset record by
``ef:validationReport`` — in each graph of the import, the results about that graph's own nodes. Nothing is stored when there is a violation or on ``dry_run``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, URIRef

from registry.ingest.base import ImportResult, IngestError
from registry.ingest.quads import ImportData
from registry.ingest.read import read_paths
from registry.publishing.catalog import refresh_versions
from registry.rdf.namespaces import EF, RDF, SH
from registry.rdf.terms import TermError
from registry.store import Store
from registry.validation.fast import get_validator
from registry.validation.fast.index import no_gc


@dataclass
class ImportOutcome:
    stored: bool
    report: Any  # registry.validation.reference.ValidationReport
    result: ImportResult


def next_version_fn(store: Store, base_uri: str):
    """``id → the next free integer version`` of ``dataset/{id}/N`` in ``store``."""
    existing = store.graphs()
    prefix = base_uri + "dataset/"

    def next_version(dataset_id: str) -> int:
        pat = re.compile(re.escape(prefix + dataset_id) + r"/(\d+)$")
        taken = [int(m.group(1)) for g in existing if (m := pat.match(g))]
        return max(taken, default=0) + 1

    return next_version


def _check_targets(store: Store, result: ImportResult, base_uri: str) -> None:
    existing = store.graphs()
    for g in result.dataset_iris:
        if not g.startswith(base_uri + "dataset/"):
            raise IngestError(f"uploads may only write dataset graphs ({base_uri}dataset/…), not <{g}>")
        if g in existing:
            raise IngestError(
                f"dataset version <{g}> already exists; versions are immutable — "
                f"send the data without a graph name or under a new version"
            )


def import_paths(
    store: Store, paths: list[Path], *, dry_run: bool = False, **read_kwargs: Any
) -> ImportOutcome:
    """Read ``paths``, validate the result with the SHACL shapes and, if it conforms and this is not
    a dry run, store every dataset graph in one load (the store loads all or nothing)."""
    with no_gc():  # an import allocates millions of objects and frees few: no cyclic-GC rescans
        return _import(store, paths, dry_run, read_kwargs)


def _import(store: Store, paths: list[Path], dry_run: bool, read_kwargs: dict[str, Any]) -> ImportOutcome:
    base_uri = read_kwargs["base_uri"]
    read_kwargs.setdefault("next_version", next_version_fn(store, base_uri))
    result = read_paths(paths, **read_kwargs)
    _check_targets(store, result, base_uri)
    _drop_reports(result.data, result.dataset_iris)
    settings = read_kwargs.get("settings")
    validate = get_validator(getattr(settings, "validator", "fast"), triples=True)
    report = validate(result.data.triples(), base_iri=base_uri)
    if not report.conforms or dry_run:
        return ImportOutcome(stored=False, report=report, result=result)
    if report.warnings:
        _attach_warnings(result.data, result.dataset_iris, report)
    _store(store, result.data)
    refresh_versions(store, base_uri)
    return ImportOutcome(stored=True, report=report, result=result)


def _store(store: Store, data: ImportData) -> None:
    """All graphs of ``data`` in one write (:meth:`Store.load_quads`)."""
    try:
        quads = data.to_pyoxigraph()
    except TermError as exc:
        raise IngestError(f"cannot store the data: {exc}") from None
    store.load_quads(quads)  # one transaction where the backend has them


def _attach_warnings(data: ImportData, graphs: list[str], report: Any) -> None:
    """Each dataset graph gets a report with the results about its own nodes (the focus node is
    a subject of that graph); a result about a node no graph describes goes to every graph."""
    triples = list(report.triples())
    below: dict[Any, list[tuple[Any, Any, Any]]] = defaultdict(list)
    for t in triples:
        below[t[0]].append(t)
    owners: dict[Any, set[str]] = defaultdict(set)
    for g in graphs:
        for s, _p, _o in data.graph(g):
            owners[s].add(g)
    mine: dict[str, list[tuple[Any, Any, Any]]] = {g: [] for g in graphs}
    nodes = [s for s, p, o in triples if p == RDF.type and o == SH.ValidationReport]
    for node in nodes:
        for t in below[node]:
            if t[1] != SH.result:  # the report's own statements (type, sh:conforms) go everywhere
                for g in graphs:
                    mine[g].append(t)
                continue
            result = [t, *_tree(t[2], below)]
            focus = next((o for _s, p, o in below[t[2]] if p == SH.focusNode), None)
            for g in owners.get(focus) or graphs:
                mine[g].extend(result)
    for g in graphs:
        data.attach(mine[g], [g])
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


def _drop_reports(data: ImportData, graphs: list[str]) -> None:
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
