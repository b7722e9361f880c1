"""Screens: for one shape and a set of focus nodes, the focus nodes that may have a result.

Each screen is the constraint component's rule (pySHACL's reading of it) applied set-at-a-time to
the dictionaries of :class:`~registry.validation.fast.index.Index`, or for SHACL-SPARQL one query with
``$this`` left free on the Oxigraph store. A screen may flag a node that has no result (pySHACL then
finds none); it must never miss one. When in doubt (an exception, an odd term), a screen flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal

from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from registry.rdf.namespaces import RDF, RDFS, SH, XSD
from registry.validation.fast.index import Index, OxStore
from registry.validation.fast.plan import ShapePlan, SparqlCheck

FocusValues = list[tuple[Node, list[Node]]]

_KINDS = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}
_VALUE_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def value_nodes(plan: ShapePlan, focus: Iterable[Node], idx: Index) -> FocusValues:
    if plan.path is None:
        return [(f, [f]) for f in focus]
    kind, preds = plan.path
    if kind == "iri":
        by_s = idx.sp.get(preds[0], {})
        return [(f, by_s.get(f, [])) for f in focus]
    if kind == "alt":
        maps = [idx.sp.get(p, {}) for p in preds]
        return [(f, [v for m in maps for v in m.get(f, [])]) for f in focus]
    if kind == "inv":
        inv = idx.inverse(preds[0])
        return [(f, inv.get(f, [])) for f in focus]
    out: FocusValues = []
    for f in focus:  # "seq"
        nodes = [f]
        for p in preds:
            by_s = idx.sp.get(p, {})
            nodes = list({v: None for n in nodes for v in by_s.get(n, [])})
        out.append((f, nodes))
    return out


def _count(values: list[Node]) -> int:
    return len(values) if len(values) < 2 else len(set(values))


def _per_value(fv: FocusValues, bad: Callable[[Node], bool]) -> set[tuple[Node, Node | None]]:
    return {(f, v) for f, values in fv for v in values if bad(v)}


def _datatype_bad(dt: Node) -> Callable[[Node], bool]:
    expected = _VALUE_TYPES.get(dt)

    def actual(v: Literal) -> bool:
        return expected is None or isinstance(v.value, expected)

    def bad(v: Node) -> bool:
        if type(v) is not Literal and not isinstance(v, Literal):
            return True
        if v.datatype == dt:
            return v.ill_typed is True or not actual(v)
        if dt == RDFS.Literal or (dt == RDFS.Datatype and v.datatype):
            return False
        if v.datatype is None and v.language is None and dt == XSD.string:
            return not actual(v)
        if dt == RDF.langString and v.language:
            return not actual(v)
        return True

    return bad


def _range_bad(bound: Node, passes: Callable[[int], bool]) -> Callable[[Node], bool]:
    bound_is_string = isinstance(bound, Literal) and isinstance(bound.value, str)

    def bad(v: Node) -> bool:
        if not isinstance(v, Literal) or not isinstance(bound, Literal):
            return True
        if isinstance(v.value, str) != bound_is_string:
            return True
        try:
            return not passes(compare_literal(v, bound))
        except (TypeError, NotImplementedError, ValueError, ArithmeticError):
            return True

    return bad


_RANGES: dict[Node, tuple[URIRef, Callable[[int], bool]]] = {
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
}


def _comparable(term: Node) -> tuple[bool, object]:
    if isinstance(term, URIRef):
        return True, str(term)
    if isinstance(term, Literal) and isinstance(term.value, str):
        return True, term.value
    return False, term


def _less_or_equal_bad(fv: FocusValues, other: Node, idx: Index) -> set[tuple[Node, Node | None]]:
    out = set()
    for f, values in fv:
        others = idx.objects(f, other)
        for v in values:
            v_string, v_cmp = _comparable(v)
            for o in others:
                if isinstance(v, BNode) or isinstance(o, BNode):
                    raise LookupError("sh:lessThanOrEquals on a blank node (pySHACL reports the error)")
                o_string, o_cmp = _comparable(o)
                if v_string != o_string or not v_cmp <= o_cmp:  # type: ignore[operator]
                    out.add((f, v))
    return out


def _pattern_string(v: Node) -> str:
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _language_bad(languages: frozenset[str]) -> Callable[[Node], bool]:
    def bad(v: Node) -> bool:
        lang = v.language if isinstance(v, Literal) else None
        if not lang:
            return True
        low = str(lang).lower()
        return not ("*" in languages or low in languages or low.split("-")[0] in languages)

    return bad


#: (shape, constraint component) → (focus node, value node or None) of each result
Hits = dict[tuple[ShapePlan, URIRef], set[tuple[Node, Node | None]]]
#: shape → focus nodes whose SHACL-SPARQL constraints pySHACL evaluates (for the messages' values)
Confirm = dict[ShapePlan, set[Node]]
#: shape → focus node → (constraint, solution) of each SHACL-SPARQL result taken from Oxigraph
Solutions = dict[ShapePlan, dict[Node, list[tuple[SparqlCheck, dict[str, Node]]]]]


def screen(
    plan: ShapePlan,
    focus: set[Node],
    idx: Index,
    store: OxStore,
    hits: Hits | None = None,
    confirm: Confirm | None = None,
    solutions: Solutions | None = None,
) -> set[Node]:
    """The focus nodes of ``focus`` with a result for ``plan`` (its property shapes included).

    With ``hits`` and ``confirm``, also record each core constraint's results, and the focus nodes
    that the shape's SHACL-SPARQL constraints select.
    """
    if not focus:
        return set()
    fv = value_nodes(plan, focus, idx)
    params = plan.params
    out: set[Node] = set()

    def note(component: URIRef, found: set[tuple[Node, Node | None]]) -> None:
        if found:
            out.update(f for f, _v in found)
            if hits is not None:
                hits.setdefault((plan, component), set()).update(found)

    for n in params.get(SH.minCount, []):
        minimum = int(n.value)  # type: ignore[union-attr]
        if minimum > 0:
            note(SH.MinCountConstraintComponent, {(f, None) for f, values in fv if _count(values) < minimum})
    for n in params.get(SH.maxCount, []):
        maximum = int(n.value)  # type: ignore[union-attr]
        note(
            SH.MaxCountConstraintComponent,
            {(f, None) for f, values in fv if len(values) > maximum and _count(values) > maximum},
        )
    for dt in params.get(SH.datatype, []):
        note(SH.DatatypeConstraintComponent, _per_value(fv, _datatype_bad(dt)))
    for cls in params.get(SH["class"], []):
        members = idx.instances(cls)
        note(
            SH.ClassConstraintComponent,
            _per_value(fv, lambda v, members=members: isinstance(v, Literal) or v not in members),
        )
    for allowed in plan.in_sets.values():
        note(SH.InConstraintComponent, _per_value(fv, lambda v, allowed=allowed: v not in allowed))
    for pattern in plan.patterns:
        note(
            SH.PatternConstraintComponent,
            _per_value(
                fv, lambda v, pattern=pattern: isinstance(v, BNode) or not pattern.search(_pattern_string(v))
            ),
        )
    for kind in params.get(SH.nodeKind, []):
        allowed_kinds = _KINDS.get(kind, ())
        note(SH.NodeKindConstraintComponent, _per_value(fv, lambda v, k=allowed_kinds: not isinstance(v, k)))
    for param, (component, passes) in _RANGES.items():
        for bound in params.get(param, []):
            note(component, _per_value(fv, _range_bad(bound, passes)))
    for other in params.get(SH.lessThanOrEquals, []):
        note(SH.LessThanOrEqualsConstraintComponent, _less_or_equal_bad(fv, other, idx))
    if plan.languages:
        note(SH.LanguageInConstraintComponent, _per_value(fv, _language_bad(plan.languages)))
    if SH.qualifiedValueShape in params:
        too_few, too_many = _qualified(plan, fv, idx, store)
        note(SH.QualifiedMinCountConstraintComponent, too_few)
        note(SH.QualifiedMaxCountConstraintComponent, too_many)
    for lst in params.get(SH["or"], []):
        members = [plan.nested[node] for node in _items(plan, lst)]
        failing = {v for _f, values in fv for v in values}
        for member in members:
            failing = failing & screen(member, failing, idx, store)
        note(SH.OrConstraintComponent, {(f, v) for f, values in fv for v in values if v in failing})
    for check in plan.sparql:  # one query per focus node: SHACL pre-binds $this by substitution
        for this, row in ((f, row) for f in focus for row in store.solutions(check.text, f)):
            out.add(this)
            if confirm is None or solutions is None:
                continue
            if check.computed & row.keys() or any(not isinstance(v, (URIRef, BNode)) for v in row.values()):
                confirm.setdefault(plan, set()).add(this)  # pySHACL words the message from its own values
            else:
                solutions.setdefault(plan, {}).setdefault(this, []).append((check, row))  # type: ignore[arg-type]
    for prop in plan.properties:
        out |= screen(prop, focus, idx, store, hits, confirm, solutions)
    return out


def _items(plan: ShapePlan, lst: Node) -> list[Node]:
    return list(Collection(plan.shape.sg.graph, lst))


def _qualified(
    plan: ShapePlan, fv: FocusValues, idx: Index, store: OxStore
) -> tuple[set[tuple[Node, Node | None]], set[tuple[Node, Node | None]]]:
    (shape_node,) = plan.params[SH.qualifiedValueShape]
    nested = plan.nested[shape_node]
    minimum = [int(n.value) for n in plan.params.get(SH.qualifiedMinCount, [])]  # type: ignore[union-attr]
    maximum = [int(n.value) for n in plan.params.get(SH.qualifiedMaxCount, [])]  # type: ignore[union-attr]
    if not any(values for _f, values in fv) and not any(m >= 1 for m in minimum):
        return set(), set()  # pySHACL: nothing to count and nothing required
    failing = screen(nested, {v for _f, values in fv for v in values}, idx, store)
    too_few, too_many = set(), set()
    for f, values in fv:
        conforming = len(set(values) - failing)
        if any(conforming > m for m in maximum):
            too_many.add((f, None))
        if any(conforming < m for m in minimum):
            too_few.add((f, None))
    return too_few, too_many
