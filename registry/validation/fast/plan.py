"""Compile the shapes graph once into a screening plan, on top of pySHACL's own reading of the shapes.

The plan lists, for every shape that has targets, its targets, its property shapes and the constraint
parameters of each shape. Any feature the screens in :mod:`registry.validation.fast.screen` do not implement
raises :class:`Unsupported`, so the caller falls back to pySHACL instead of giving a different verdict.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyshacl.pytypes import SHACLExecutor
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node, Variable

from registry.rdf.namespaces import SH
from registry.validation.fast.scan import scan_predicates


class Unsupported(RuntimeError):
    """The shapes use a feature the fast validator does not implement (use pySHACL)."""


#: Constraint parameters the screens implement (see ``screen.py``).
CONSTRAINTS = frozenset(
    {
        SH.minCount,
        SH.maxCount,
        SH.datatype,
        SH["class"],
        SH["in"],
        SH.pattern,
        SH.nodeKind,
        SH.minInclusive,
        SH.maxInclusive,
        SH.minExclusive,
        SH.maxExclusive,
        SH.lessThanOrEquals,
        SH.qualifiedValueShape,
        SH.languageIn,
        SH["or"],
        SH.sparql,
        SH.property,
    }
)
#: Other SHACL terms a shape may carry: parameters of the above, targets, and non-validating terms.
_OTHER = frozenset(
    {
        SH.flags,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
        SH.path,
        SH.severity,
        SH.message,
        SH.name,
        SH.description,
        SH.order,
        SH.group,
        SH.targetClass,
        SH.targetObjectsOf,
        SH.targetSubjectsOf,
        SH.targetNode,
        SH.target,
        SH.defaultValue,
    }
)
#: Shapes-graph features that change validation globally.
_GLOBAL = (
    SH.rule,
    SH.ConstraintComponent,
    SH.SPARQLFunction,
    SH.entailment,
    SH.deactivated,
    SH.shapesGraph,
    SH.qualifiedValueShapesDisjoint,
    SH.closed,
    SH.JSConstraint,
    SH.JSTarget,
    SH.SPARQLTargetType,
)

SimplePath = tuple[str, tuple[URIRef, ...]]  # ("iri" | "alt" | "seq" | "inv", predicates)


@dataclass
class SparqlCheck:
    """A SHACL-SPARQL target or constraint, as text for the screening store."""

    text: str
    predicates: frozenset[URIRef] | None  # None: the query may read any predicate
    node: Node | None = None  # the sh:sparql constraint
    computed: frozenset[str] = frozenset()  # variables bound by an expression (… AS ?x)
    messages: tuple[Literal, ...] = ()


@dataclass(eq=False)  # hashed by identity
class ShapePlan:
    node: Node
    shape: Shape
    path: SimplePath | None
    params: dict[URIRef, list[Node]]
    properties: list[ShapePlan] = field(default_factory=list)
    nested: dict[Node, ShapePlan] = field(default_factory=dict)  # shapes of sh:or / sh:qualifiedValueShape
    sparql: list[SparqlCheck] = field(default_factory=list)
    in_sets: dict[Node, frozenset[Node]] = field(default_factory=dict)
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    languages: frozenset[str] = frozenset()


@dataclass
class Targets:
    nodes: frozenset[Node]
    classes: frozenset[Node]
    subjects_of: frozenset[Node]
    objects_of: frozenset[Node]
    sparql: list[SparqlCheck]


@dataclass
class Plan:
    shapes_graph: ShapesGraph
    executor: SHACLExecutor
    top: list[tuple[ShapePlan, Targets]]
    #: predicates the SPARQL queries read (None: all); the screening store holds only these
    sparql_predicates: frozenset[URIRef] | None
    lock: threading.Lock = field(default_factory=threading.Lock)


@functools.lru_cache(maxsize=2)
def compile_plan(shapes: Graph) -> Plan:
    """The plan for ``shapes`` (cached per graph object: ``load_shapes()`` returns one per version)."""
    for term in _GLOBAL:
        if (None, term, None) in shapes or (None, RDF.type, term) in shapes:
            raise Unsupported(f"the shapes use {term}")
    sg = ShapesGraph(shapes)
    if sg.custom_constraints:
        raise Unsupported("the shapes declare custom constraint components")
    executor = SHACLExecutor(
        advanced_mode=True,
        abort_on_first=False,
        allow_infos=False,
        allow_warnings=True,
        iterate_rules=False,
        sparql_mode=False,
        max_validation_depth=15,
        focus_nodes=None,
        debug=False,
    )
    compiled: dict[Node, ShapePlan] = {}
    top: list[tuple[ShapePlan, Targets]] = []
    for shape in list(sg.shapes):
        shape.set_advanced(True)
    for shape in list(sg.shapes):
        targets = _targets(shape)
        if targets is not None:
            top.append((_compile(sg, shape, compiled, ()), targets))
    for plan, _found in top:
        _check_reported(plan, set())
    predicates: set[URIRef] | None = set()
    for plan, targets in top:
        for check in [*targets.sparql, *_all_sparql(plan, set())]:
            if check.predicates is None:
                predicates = None
            elif predicates is not None:
                predicates |= check.predicates
    return Plan(sg, executor, top, None if predicates is None else frozenset(predicates))


_DIRECT = CONSTRAINTS - {SH.sparql, SH.property}


def _check_reported(plan: ShapePlan, seen: set[int]) -> None:
    """Results of core constraints are built without pySHACL: they take the shape's sh:message (the
    generic messages are pySHACL's). Shapes inside sh:or / sh:qualifiedValueShape are screened
    exactly, so they may only use core constraints, with the default severity."""
    if id(plan) in seen:
        return
    seen.add(id(plan))
    if _DIRECT & plan.params.keys() and not plan.params.get(SH.message):
        raise Unsupported(f"{plan.node} has core constraints but no sh:message")
    for child in plan.properties:
        _check_reported(child, seen)
    for child in plan.nested.values():
        _check_nested(child)


def _check_nested(plan: ShapePlan) -> None:
    if plan.sparql or SH.severity in plan.params:
        raise Unsupported(f"{plan.node}: SHACL-SPARQL or a severity inside sh:or / sh:qualifiedValueShape")
    for child in [*plan.properties, *plan.nested.values()]:
        _check_nested(child)


def _all_sparql(plan: ShapePlan, seen: set[int]) -> Iterable[SparqlCheck]:
    if id(plan) in seen:
        return
    seen.add(id(plan))
    yield from plan.sparql
    for child in [*plan.properties, *plan.nested.values()]:
        yield from _all_sparql(child, seen)


def _targets(shape: Shape) -> Targets | None:
    nodes, classes, implicit, objects_of, subjects_of = (frozenset(t) for t in shape.target())
    sparql = []
    for target_node, target in shape.advanced_target().items():
        if target.get("type") != SH.SPARQLTarget:
            raise Unsupported(f"target {target_node} of {shape.node} is not a sh:SPARQLTarget")
        qh = target["qh"]
        text = qh.apply_prefixes(qh.select_text)
        sparql.append(SparqlCheck(for_oxigraph(text), _predicates(text)))
    if not (nodes or classes or implicit or objects_of or subjects_of or sparql):
        return None
    return Targets(nodes, classes | implicit, subjects_of, objects_of, sparql)


def _compile(
    sg: ShapesGraph, shape: Shape, compiled: dict[Node, ShapePlan], stack: tuple[Node, ...]
) -> ShapePlan:
    if shape.node in compiled:
        return compiled[shape.node]
    if shape.node in stack:
        raise Unsupported(f"recursive shape {shape.node}")
    graph = sg.graph
    params: dict[URIRef, list[Node]] = {}
    for p, o in graph.predicate_objects(shape.node):
        if not isinstance(p, URIRef) or not str(p).startswith(str(SH)):
            continue
        if p not in CONSTRAINTS and p not in _OTHER:
            raise Unsupported(f"{shape.node} uses {p}")
        params.setdefault(p, []).append(o)
    if SH.qualifiedValueShape in params and len(params[SH.qualifiedValueShape]) > 1:
        raise Unsupported(f"{shape.node} has more than one sh:qualifiedValueShape")
    path = _path(graph, shape.path()) if shape.is_property_shape else None
    plan = ShapePlan(shape.node, shape, path, params)
    compiled[shape.node] = plan
    inner = (*stack, shape.node)
    for node in params.get(SH.property, []):
        plan.properties.append(_compile(sg, sg.lookup_shape_from_node(node), compiled, inner))
    for lst in params.get(SH["or"], []):
        for node in Collection(graph, lst):
            plan.nested[node] = _compile(sg, sg.lookup_shape_from_node(node), compiled, inner)
    for node in params.get(SH.qualifiedValueShape, []):
        plan.nested[node] = _compile(sg, sg.lookup_shape_from_node(node), compiled, inner)
    for lst in params.get(SH["in"], []):
        plan.in_sets[lst] = frozenset(Collection(graph, lst))
    flags = str(params[SH.flags][0]).lower() if SH.flags in params else ""
    re_flags = (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0)
    for pattern in params.get(SH.pattern, []):
        if not isinstance(pattern, Literal):
            raise Unsupported(f"{shape.node}: sh:pattern is not a literal")
        text = str(pattern.value) if pattern.value is not None and len(pattern.value) > 1 else str(pattern)
        plan.patterns.append(re.compile(text, re_flags))
    languages: set[str] = set()
    for lst in params.get(SH.languageIn, []):
        languages |= {str(lang).lower() for lang in Collection(graph, lst)}
    plan.languages = frozenset(languages)
    for constraint in params.get(SH.sparql, []):
        plan.sparql.append(_sparql_constraint(sg, shape, constraint))
    return plan


def _path(graph: Graph, path: Node) -> SimplePath:
    if isinstance(path, URIRef):
        return ("iri", (path,))
    if isinstance(path, BNode):
        alternatives = graph.value(path, SH.alternativePath)
        inverse = graph.value(path, SH.inversePath)
        if alternatives is not None:
            kind, items = "alt", list(Collection(graph, alternatives))
        elif inverse is not None:
            kind, items = "inv", [inverse]
        elif (path, RDF.first, None) in graph:
            kind, items = "seq", list(Collection(graph, path))
        else:
            raise Unsupported(f"path {path} is not an IRI, an alternative, an inverse or a sequence")
        if all(isinstance(i, URIRef) for i in items):
            return (kind, tuple(items))  # type: ignore[arg-type]
    raise Unsupported(f"complex path {path}")


_SUBSELECT = re.compile(r"\bSELECT\b", re.I)


def _sparql_constraint(sg: ShapesGraph, shape: Shape, constraint: Node) -> SparqlCheck:
    from pyshacl.helper import get_query_helper_cls

    graph = sg.graph
    if (constraint, SH.deactivated, None) in graph or (constraint, SH.ask, None) in graph:
        raise Unsupported(f"{constraint}: sh:deactivated or sh:ask")
    select = graph.value(constraint, SH.select)
    if not isinstance(select, Literal):
        raise Unsupported(f"{constraint} has no sh:select")
    text = str(select.value)
    if len(_SUBSELECT.findall(text)) != 1:
        raise Unsupported(f"{constraint}: sub-queries are not screened set-at-a-time")
    if re.search(r"[$?](currentShape|shapesGraph)\b", text):
        raise Unsupported(f"{constraint}: pre-bound $currentShape or $shapesGraph")
    if re.search(r"[$?]failure\b", text):
        raise Unsupported(f"{constraint}: ?failure")
    qh = get_query_helper_cls()(shape, constraint, text, messages=None, deactivated=False)
    qh.collect_prefixes()
    _bindings, body = qh.pre_bind_variables(None)
    full = qh.apply_prefixes(body)
    computed = frozenset(re.findall(r"\bAS\s+[?$](\w+)", text, re.I))
    messages = tuple(m for m in graph.objects(constraint, SH.message) if isinstance(m, Literal))
    return SparqlCheck(for_oxigraph(full), _predicates(full), constraint, computed, messages)


_TERM = r"(?:[?$]\w+|<[^>\s]*>|[\w-]*:[\w-]*)"
_IRI = r"(?:<[^>\s]*>|[\w-]*:[\w-]+)"
_EXISTS_SEQUENCE = re.compile(
    rf"\b(EXISTS\s*\{{)\s*({_TERM})\s+({_IRI})\s*/\s*({_IRI})\s+({_TERM})\s*\.?\s*\}}", re.I
)


def for_oxigraph(text: str) -> str:
    """Rewrite ``EXISTS { ?a p1/p2 ?b }`` as ``EXISTS { ?a p1 ?v . FILTER EXISTS { ?v p2 ?b } }``.

    Both hold exactly when some ?v has ?a p1 ?v and ?v p2 ?b (inside EXISTS only existence counts,
    not multiplicity). Oxigraph 0.5 evaluates the first form from ``?v p2 ?b`` with ?b bound (every
    gas component when p2 is ef:gas, per outer solution); the second from ``?a p1 ?v``.
    """
    count = 0

    def rewrite(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        v = f"?_efreg_seq{count}"
        return f"{m.group(1)} {m.group(2)} {m.group(3)} {v} . FILTER EXISTS {{ {v} {m.group(4)} {m.group(5)} }} }}"

    return _EXISTS_SEQUENCE.sub(rewrite, text)


def _predicates(text: str) -> frozenset[URIRef] | None:
    """Every IRI the query mentions (a superset of the predicates it reads), or None when a triple
    pattern or a negated path has a variable or open predicate. A lexical scan first
    (:mod:`.scan`); rdflib's parser when the scan is not sure."""
    scanned = scan_predicates(text)
    if scanned is not None:
        return scanned | {OWL.sameAs}
    return parsed_predicates(text)


def parsed_predicates(text: str) -> frozenset[URIRef] | None:
    """:func:`_predicates` by rdflib's SPARQL parser and algebra."""
    algebra = prepareQuery(text).algebra
    found: set[URIRef] = {RDF.type}
    open_ = False

    def walk(node: object) -> None:
        nonlocal open_
        if isinstance(node, URIRef):
            found.add(node)
        elif isinstance(node, NegatedPath):
            open_ = True
        elif isinstance(node, (SequencePath, AlternativePath)):
            for arg in node.args:
                walk(arg)
        elif isinstance(node, (InvPath, MulPath)):
            walk(node.arg if isinstance(node, InvPath) else node.path)
        elif isinstance(node, Path):
            open_ = True
        elif isinstance(node, CompValue):
            if node.name in ("BGP", "TriplesBlock"):  # TriplesBlock: inside EXISTS, untranslated
                for _s, p, _o in node.triples:
                    if isinstance(p, (Variable, BNode)):
                        open_ = True
            for value in node.values():
                walk(value)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple, set)):
            for value in node:
                walk(value)

    walk(algebra)
    found.add(OWL.sameAs)  # harmless; keeps the set non-empty
    return None if open_ else frozenset(found)
