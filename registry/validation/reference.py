"""The reference validator: validate data against ``shapes/*.ttl`` with pySHACL and return a typed
report (the gate, :mod:`registry.ingest.gate`, runs it on request; the fast validator by default).

The data's graphs are merged into one graph; the reference data (the ontology and the reference and
GWP seed datasets, or a graph the caller passes) is mixed in so that "known" gases, units,
geographies, … are those typed in the data or in the reference data. Results whose focus node is
not described in the data (i.e. about the reference data itself) are left out of the report: the
validator judges the data it is given. Validate the reference datasets by passing them as the data.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyshacl
from rdflib import BNode, ConjunctiveGraph, Dataset, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from registry.paths import ONTOLOGY_FILE, REFERENCE_FILES, SHAPES_DIR, shape_files
from registry.rdf.namespaces import EF, RDF, SH
from registry.rdf.parts import is_part
from registry.validation import plausibility
from registry.validation.report import (  # noqa: F401 (re-exported: callers import them from here)
    _SEVERITIES,
    SHAPES_NS,
    Severity,
    ValidationReport,
    ValidationResult,
    _bind,
    _json_term,
    _show,
    _show_path,
    ordered,
)


class ValidationSetupError(RuntimeError):
    """The shapes or the reference data could not be loaded (names the file and the cause)."""


# ---------------------------------------------------------------------------------------------
# loading shapes and reference data (cached; a changed file on disk is re-read)


def _stamp(paths: Iterable[Path]) -> tuple[tuple[str, float], ...]:
    return tuple((str(p), p.stat().st_mtime) for p in paths if p.is_file())


def _parse_into(graph: Graph | Dataset, path: Path, fmt: str, public_id: str | None = None) -> None:
    try:
        graph.parse(path, format=fmt, publicID=public_id)
    except (SyntaxError, ValueError) as exc:  # rdflib's BadSyntax is a SyntaxError
        raise ValidationSetupError(f"cannot parse {path}: {exc}") from exc


def load_shapes() -> Graph:
    """The shapes graph: every ``shapes/*.ttl`` merged, with this process's plausibility bounds
    (:mod:`registry.validation.plausibility`) (cached; treat it as read-only)."""
    return _load_shapes(_stamp(shape_files(SHAPES_DIR)), plausibility.bounds())


@functools.lru_cache(maxsize=2)
def _load_shapes(stamp: tuple[tuple[str, float], ...], bounds: tuple[int, int]) -> Graph:
    if not stamp:
        raise ValidationSetupError(f"no shapes found in {SHAPES_DIR}")
    graph = Graph()
    for name, _mtime in stamp:
        _parse_into(graph, Path(name), "turtle")
    if bounds != (plausibility.DEFAULT_INTEGER_DIGITS, plausibility.DEFAULT_FRACTION_DIGITS):
        plausibility.apply(graph, *bounds)
    _bind(graph)
    return graph


def _check_base(base_iri: str) -> str:
    parts = urlsplit(base_iri)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"base IRI must be an absolute http(s) IRI, got {base_iri!r}")
    return base_iri if base_iri.endswith("/") else base_iri + "/"


def reference_graph(base_iri: str) -> Graph:
    """The ontology plus the reference seed datasets, relative IRIs resolved against ``base_iri``.

    Files that do not exist are skipped. Cached per base IRI (treat the result as read-only).
    """
    base = _check_base(base_iri)
    return _reference_graph(base, _stamp((ONTOLOGY_FILE, *REFERENCE_FILES)))


@functools.lru_cache(maxsize=8)
def _reference_graph(base: str, stamp: tuple[tuple[str, float], ...]) -> Graph:
    graph = Graph()
    for name, _mtime in stamp:
        path = Path(name)
        if path.suffix == ".trig":
            dataset = Dataset()
            _parse_into(dataset, path, "trig", public_id=base)
            graph.addN((s, p, o, graph) for s, p, o, _g in dataset.quads())
        else:
            _parse_into(graph, path, "turtle", public_id=base)
    _bind(graph)
    return graph


# ---------------------------------------------------------------------------------------------
# validation


class _QueryCachingGraph(Graph):
    """A graph that parses each distinct SPARQL text once.

    pySHACL sends the text of a SHACL-SPARQL constraint to ``query`` once per focus node, and rdflib's
    parser takes tens of milliseconds per query; caching the parsed algebra makes validating
    thousands of factors take seconds instead of minutes.
    """

    def query(  # type: ignore[override]
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Any = None,  # noqa: N803 (rdflib's name)
        initBindings: Any = None,  # noqa: N803
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str) and processor == "sparql" and not kwargs.get("base"):
            query_object = _prepared(query_object, tuple(sorted((initNs or {}).items())))
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


@functools.lru_cache(maxsize=512)
def _prepared(text: str, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    query = prepareQuery(text, initNs=dict(namespaces))
    _plan(query.algebra, frozenset({Variable("this")}))
    return query


# rdflib orders the triple patterns of a basic graph pattern without knowing which variables are
# already bound ($this, or the outer pattern's variables inside EXISTS and OPTIONAL). Ordered badly,
# a per-focus-node query scans every factor, and validating n factors costs n². ``_plan`` reorders
# each pattern greedily: next the triple whose subject (else object) is bound, in rdflib's order.

_VAR = (Variable, BNode)
_PASS_THROUGH = {
    "Distinct",
    "Reduced",
    "Slice",
    "OrderBy",
    "ToMultiSet",
    "Group",
    "AggregateJoin",
    "SelectQuery",
    "AskQuery",
    "Graph",
    "Minus",
}


def _term_vars(term: Any) -> set[Any]:
    if isinstance(term, _VAR):
        return {term}
    return set()


def _triple_score(triple: Any, known: set[Any], index: int) -> tuple[int, int]:
    s, _p, o = triple
    s_bound = not isinstance(s, _VAR) or s in known
    o_bound = not isinstance(o, _VAR) or o in known
    return (2 * s_bound + o_bound, -index)


def _plan(node: Any, bound: frozenset[Any]) -> frozenset[Any]:
    """Reorder the BGPs under ``node`` given the variables ``bound`` before it; return those after."""
    if not isinstance(node, CompValue):
        return bound
    name = node.name
    if name == "BGP":
        remaining = list(node.triples)
        known = set(bound)
        in_order = []
        while remaining:
            best = max(range(len(remaining)), key=lambda i: _triple_score(remaining[i], known, i))
            triple = remaining.pop(best)
            in_order.append(triple)
            known |= _term_vars(triple[0]) | _term_vars(triple[2])
        node["triples"] = in_order
        return frozenset(known)
    if name == "Join":
        after1 = _plan(node.p1, bound)
        after2 = _plan(node.p2, after1 if node.get("lazy") else bound)
        return after1 | after2
    if name == "LeftJoin":
        after1 = _plan(node.p1, bound)
        after2 = _plan(node.p2, after1)
        _plan_expr(node.get("expr"), after2)
        return after1
    if name == "Union":
        return _plan(node.p1, bound) & _plan(node.p2, bound)
    if name == "Filter":
        after = _plan(node.p, bound)
        _plan_expr(node.expr, after)
        return after
    if name == "Extend":
        after = _plan(node.p, bound)
        _plan_expr(node.expr, after)
        return after | {node.var}
    if name == "Project":
        _plan(node.p, bound)
        return bound | frozenset(node.PV)
    if name in _PASS_THROUGH:
        after = _plan(node.get("p"), bound)
        if name == "Minus":
            _plan(node.get("p2"), bound)
        return after
    return bound


def _plan_expr(expr: Any, bound: frozenset[Any]) -> None:
    """Plan the graph patterns of EXISTS / NOT EXISTS inside a filter expression."""
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            _plan(expr.graph, bound)
            return
        for value in expr.values():
            _plan_expr(value, bound)
    elif isinstance(expr, (list, tuple)):
        for value in expr:
            _plan_expr(value, bound)


def validate(data: Graph | Dataset, *, base_iri: str, reference: Graph | None = None) -> ValidationReport:
    """Validate ``data`` (a graph, or a dataset whose graphs are merged) against the shapes.

    ``reference`` defaults to :func:`reference_graph` for ``base_iri``.
    """
    if not isinstance(data, Graph):
        raise TypeError(f"data must be an rdflib Graph or Dataset, got {type(data).__name__}")
    ref = reference if reference is not None else reference_graph(base_iri)
    if not isinstance(ref, Graph):
        raise TypeError(f"reference must be an rdflib Graph, got {type(ref).__name__}")
    merged = _QueryCachingGraph()
    if isinstance(data, ConjunctiveGraph):
        merged.addN((s, p, o, merged) for s, p, o, _g in data.quads((None, None, None, None)))
    else:
        merged.addN((s, p, o, merged) for s, p, o in data)
    described = set(merged.subjects(unique=True))
    # pySHACL's ont_graph only copies ontology axioms (classes, properties, named individuals), not
    # instances such as gases or geographies, so the reference data is merged into our copy here.
    merged.addN((s, p, o, merged) for s, p, o in _reference_triples(ref, described))
    _conforms, pyshacl_graph, _text = pyshacl.validate(
        merged,
        shacl_graph=load_shapes(),
        advanced=True,
        allow_warnings=True,
        inference="none",
        inplace=True,  # ``merged`` is our own copy
    )
    if not isinstance(pyshacl_graph, Graph):  # pySHACL returns its failure instead of a graph
        raise ValidationSetupError(f"SHACL validation failed to run: {pyshacl_graph}")
    return report_from_pyshacl(pyshacl_graph, merged, described)


def report_from_pyshacl(pyshacl_graph: Graph, merged: Graph, described: set[Node]) -> ValidationReport:
    """The typed report from pySHACL's report graph, keeping results whose focus node the data
    describes (``merged`` is data ∪ reference, as validated)."""
    kept = [
        node
        for node in pyshacl_graph.subjects(RDF.type, SH.ValidationResult)
        if pyshacl_graph.value(node, SH.focusNode) in described
    ]
    results = ordered(_result(pyshacl_graph, node, merged) for node in kept)
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(
        conforms=conforms, results=results, graph_source=_report_graph(pyshacl_graph, kept, conforms)
    )


def _reference_triples(ref: Graph, described: set[Node]) -> Iterable[tuple[Node, Node, Node]]:
    """The reference triples, less the blank-node structures of resources the data describes.

    When the data is a new version of reference data (say the GWP sets), merging both copies would
    double every blank node (two GWP values per gas); the data's own blank nodes are used instead.
    """
    parents: dict[Node, Node] = {}
    for s, _p, o in ref:
        if isinstance(o, BNode) and o not in parents:
            parents[o] = s

    def root(node: Node) -> Node:
        seen = set()
        while isinstance(node, BNode) and node in parents and node not in seen:
            seen.add(node)
            node = parents[node]
        return node

    for s, p, o in ref:
        if (isinstance(s, BNode) or isinstance(o, BNode)) and root(s) in described:
            continue
        yield s, p, o


def _report_graph(pyshacl_graph: Graph, kept: list[Node], conforms: bool) -> Graph:
    report = Graph()
    _bind(report)
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(conforms)))
    for result in kept:
        report.add((node, SH.result, result))
        report += pyshacl_graph.cbd(result)
    return report


def _result(report: Graph, node: Node, data: Graph) -> ValidationResult:
    focus = report.value(node, SH.focusNode)
    severity = _SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation")
    message_en, message_zh = _messages(report.objects(node, SH.resultMessage))
    owner, record = _owner_and_record(data, focus)
    constraint = report.value(node, SH.sourceConstraintComponent)
    return ValidationResult(
        focus_node=focus,
        path=report.value(node, SH.resultPath),
        value=report.value(node, SH.value),
        severity=severity,
        source_shape=report.value(node, SH.sourceShape),
        constraint=constraint if isinstance(constraint, URIRef) else None,
        message_en=message_en,
        message_zh=message_zh,
        source_record=record,
        owner=owner,
    )


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _messages(literals: Iterable[Node]) -> tuple[str, str]:
    """Pick the English and the Chinese message.

    Language tags are used when present. pySHACL drops the tag when it fills in ``{?var}`` in a
    SHACL-SPARQL message, so an untagged message is Chinese when it contains Han characters.
    pySHACL's own (English, untagged) text is the fallback for both.
    """
    en: list[str] = []
    zh: list[str] = []
    for lit in literals:
        if not isinstance(lit, Literal):
            continue
        text, lang = str(lit), (lit.language or "").lower()
        if lang == "zh" or lang.startswith("zh-") or (not lang and _has_han(text)):
            zh.append(text)
        elif lang == "en" or lang.startswith("en-") or not lang:
            en.append(text)
    message_en = sorted(en)[0] if en else (sorted(zh)[0] if zh else "")
    message_zh = sorted(zh)[0] if zh else message_en
    return message_en, message_zh


def _owner_and_record(data: Graph, focus: Node) -> tuple[URIRef | None, str | None]:
    """The IRI resource holding ``focus`` (following blank nodes and parts up, registry/rdf/parts.py)
    and its ``ef:sourceRecord``."""
    node: Node | None = focus
    seen: set[Node] = set()
    record: str | None = None
    while node is not None and node not in seen:
        seen.add(node)
        value = data.value(node, EF.sourceRecord)
        if value is not None and record is None:
            record = str(value)
        up = next((s for s in data.subjects(None, node) if is_part(node, s)), None)
        if isinstance(node, URIRef) and up is None:
            return node, record
        node = up
    return None, record
