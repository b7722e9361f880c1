"""The fast SHACL validator (the gate's default): the same report as
:func:`registry.validation.reference.validate` (pySHACL), in a fraction of the time on large imports.

How: the shapes are compiled once (:mod:`.plan`). Per validation, data ∪ reference is indexed in
dictionaries and, for the SHACL-SPARQL targets and constraints, loaded into an in-memory Oxigraph
store (:mod:`.index`). Every targeted shape's focus nodes are found set-at-a-time, and each
constraint is screened set-at-a-time for the focus nodes that may break it (:mod:`.screen`). pySHACL
itself then validates those focus nodes only, against their shapes, so every result (focus node,
path, value, component, shape, severity, messages) is pySHACL's own. On conforming data nothing is
left to pySHACL. Shapes using a feature the screens do not implement fall back to pySHACL, with a
log line; so do data the screens cannot map back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pyshacl.validator import Validator
from rdflib import Dataset, Graph
from rdflib.term import Node

from registry.validation.fast.index import Index, OxStore, Triple, data_triples, no_gc
from registry.validation.fast.plan import Plan, Targets, Unsupported, compile_plan
from registry.validation.fast.report import ReportBuilder
from registry.validation.fast.screen import Confirm, Hits, Solutions, screen
from registry.validation.reference import (
    ValidationReport,
    _QueryCachingGraph,
    _reference_triples,
    load_shapes,
    reference_graph,
    validate,
)

__all__ = [
    "TRIPLE_VALIDATORS",
    "VALIDATORS",
    "Unsupported",
    "get_validator",
    "validate_fast",
    "validate_triples",
]

log = logging.getLogger(__name__)

Validate = Callable[..., ValidationReport]


def validate_fast(
    data: Graph | Dataset, *, base_iri: str, reference: Graph | None = None
) -> ValidationReport:
    """Validate ``data`` like :func:`registry.validation.reference.validate`, screening set-at-a-time first."""
    if not isinstance(data, Graph):
        raise TypeError(f"data must be an rdflib Graph or Dataset, got {type(data).__name__}")
    return validate_triples(data_triples(data), base_iri=base_iri, reference=reference)


def validate_triples(
    data: list[Triple], *, base_iri: str, reference: Graph | None = None
) -> ValidationReport:
    """:func:`validate_fast` on the data's triples (of every graph; duplicates allowed), so that an
    import need not build an rdflib graph. ``data`` is not changed."""
    ref = reference if reference is not None else reference_graph(base_iri)
    if not isinstance(ref, Graph):
        raise TypeError(f"reference must be an rdflib Graph, got {type(ref).__name__}")
    try:
        plan = compile_plan(load_shapes())
    except Unsupported as exc:
        log.warning("fast SHACL validator cannot compile the shapes (%s); validating with pySHACL", exc)
        return validate(graph_of(data), base_iri=base_iri, reference=ref)
    with no_gc():
        triples = list(data)
        described = {s for s, _p, _o in triples}
        triples += _reference_triples(ref, described)
        idx = Index(triples)
        store = OxStore(triples, plan.sparql_predicates)
        hits: Hits = {}
        confirm: Confirm = {}
        solutions: Solutions = {}
        try:
            for shape, targets in plan.top:
                screen(shape, focus_nodes(targets, idx, store), idx, store, hits, confirm, solutions)
        except LookupError as exc:
            log.warning("fast SHACL validator cannot screen this data (%s); validating with pySHACL", exc)
            return validate(graph_of(data), base_iri=base_iri, reference=ref)
        builder = ReportBuilder(idx, triples, described, plan.shapes_graph.graph)
        builder.add_hits(hits)
        builder.add_solutions(solutions, confirm)
    if confirm:
        merged = _QueryCachingGraph()
        merged.addN((s, p, o, merged) for s, p, o in triples)
        builder.add_pyshacl(_confirm(plan, confirm, merged), merged)
    return builder.finish()


def validate_pyshacl_triples(
    data: list[Triple], *, base_iri: str, reference: Graph | None = None
) -> ValidationReport:
    """:func:`registry.validation.reference.validate` (pySHACL) on the data's triples."""
    return validate(graph_of(data), base_iri=base_iri, reference=reference)


def graph_of(triples: list[Triple]) -> Graph:
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


def focus_nodes(targets: Targets, idx: Index, store: OxStore) -> set[Node]:
    """The focus nodes of a shape's targets, as pySHACL finds them (``Shape.focus_nodes``)."""
    found: set[Node] = set(targets.nodes)
    for cls in targets.classes:
        found |= idx.instances(cls)
    for p in targets.subjects_of:
        found |= idx.sp.get(p, {}).keys()
    for p in targets.objects_of:
        found.update(o for objects in idx.sp.get(p, {}).values() for o in objects)
    for query in targets.sparql:
        found |= store.this_values(query.text)
    return found


def _confirm(plan: Plan, confirm: Confirm, merged: Graph) -> Graph:
    """pySHACL's results of the SHACL-SPARQL constraints of each shape for the screened focus nodes,
    as its report graph (the component's own ``evaluate``, as ``Shape.validate`` calls it)."""
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint

    reports: list = []
    with plan.lock:  # pySHACL's shape objects are shared between validations
        for shape, found in confirm.items():
            focus = list(found)
            value_nodes = shape.shape.value_nodes(merged, focus)
            component = SPARQLBasedConstraint(shape.shape)
            _conforms, component_reports = component.evaluate(
                plan.executor, merged, value_nodes, [shape.shape, component]
            )
            reports.extend(component_reports)
        graph, _text = Validator.create_validation_report(plan.shapes_graph, not reports, reports)
    return graph


#: The gate's validators by name (``Settings.validator``); ``pyshacl`` is the reference.
VALIDATORS: dict[str, Validate] = {"fast": validate_fast, "pyshacl": validate}
#: The same, taking the data as a list of triples (:func:`validate_triples`).
TRIPLE_VALIDATORS: dict[str, Validate] = {"fast": validate_triples, "pyshacl": validate_pyshacl_triples}


def get_validator(name: str, *, triples: bool = False) -> Validate:
    """The validator called ``name``; with ``triples``, its form taking a list of triples."""
    try:
        return (TRIPLE_VALIDATORS if triples else VALIDATORS)[name]
    except KeyError:
        raise ValueError(f"unknown validator {name!r}; choose one of {', '.join(VALIDATORS)}") from None
