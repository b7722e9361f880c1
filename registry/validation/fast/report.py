"""The fast validator's report: results of core constraints built here, as pySHACL builds them
(the shape's messages, severity and path; one result per failing value node, or per focus node for
the counting components), plus pySHACL's own results for SHACL-SPARQL constraints; then the same
typed :class:`~registry.validation.reference.ValidationReport` as the pySHACL validator."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from registry.rdf.namespaces import EF, RDF, SH
from registry.rdf.parts import is_part
from registry.validation.fast.index import Index, Triple
from registry.validation.fast.plan import ShapePlan
from registry.validation.fast.screen import Confirm, Hits, Solutions
from registry.validation.reference import (
    _SEVERITIES,
    ValidationReport,
    ValidationResult,
    _bind,
    _messages,
    _result,
)
from registry.validation.report import ordered

PairsOf = Callable[[Node], Iterable[tuple[Node, Node]]]


class ReportBuilder:
    def __init__(self, idx: Index, triples: list[Triple], described: set[Node], shapes: Graph) -> None:
        self.idx = idx
        self.triples = triples
        self.described = described
        self.shapes = shapes
        self.results: list[ValidationResult] = []
        #: the report graph's triples, added to a graph only when someone asks for it
        self.out: list[Triple] = []
        self.report = BNode()
        self._bnode_pairs: dict[Node, list[tuple[Node, Node]]] | None = None
        self._parents: dict[Node, Node] | None = None

    # -- data lookups (built on first use: only blank-node results need them) -----------------

    def _data_pairs(self, node: Node) -> list[tuple[Node, Node]]:
        if self._bnode_pairs is None:
            pairs: dict[Node, list[tuple[Node, Node]]] = {}
            parents: dict[Node, Node] = {}
            for s, p, o in self.triples:
                if isinstance(s, BNode):
                    pairs.setdefault(s, []).append((p, o))
                if is_part(o, s) and o not in parents:
                    parents[o] = s
            self._bnode_pairs, self._parents = pairs, parents
        return self._bnode_pairs.get(node, [])

    def _owner_and_record(self, focus: Node) -> tuple[URIRef | None, str | None]:
        """As :func:`registry.validation.reference._owner_and_record`, on the index."""
        node: Node | None = focus
        seen: set[Node] = set()
        record: str | None = None
        while node is not None and node not in seen:
            seen.add(node)
            values = self.idx.objects(node, EF.sourceRecord)
            if values and record is None:
                record = str(values[0])
            self._data_pairs(node)
            up = self._parents.get(node) if self._parents is not None else None
            if isinstance(node, URIRef) and up is None:
                return node, record
            node = up
        return None, record

    def _copy(self, node: Node, pairs_of: PairsOf, seen: set[Node]) -> None:
        """Copy a blank node's description (recursively) into the report, as pySHACL clones it."""
        if not isinstance(node, BNode) or node in seen:
            return
        seen.add(node)
        for p, o in list(pairs_of(node)):
            self.out.append((node, p, o))
            self._copy(o, pairs_of, seen)

    # -- results ---------------------------------------------------------------------------------

    def add_hits(self, hits: Hits) -> None:
        for (plan, component), found in hits.items():
            shape = plan.shape
            messages = list(shape.message)
            path = shape.path() if shape.is_property_shape else None
            for focus, value in found:
                self._add(plan, component, focus, value, path, messages)

    def add_solutions(self, solutions: Solutions, confirmed: Confirm) -> None:
        """SHACL-SPARQL results from Oxigraph's solutions, worded as pySHACL words them
        (``SPARQLBasedConstraint._evaluate_sparql_constraint`` and ``make_v_result``)."""
        for plan, by_focus in solutions.items():
            shape = plan.shape
            shape_messages = list(shape.message)
            for focus, rows in by_focus.items():
                if focus in confirmed.get(plan, ()):
                    continue  # pySHACL reports this focus node's SPARQL results
                done: set[tuple[Node, frozenset[tuple[str, Node]]]] = set()
                for check, solution in rows:
                    row = dict(solution)
                    path, value, this = row.pop("path", None), row.pop("value", None), row.pop("this", None)
                    key = (check.node, frozenset(solution.items()))
                    if key in done:
                        continue
                    done.add(key)
                    if value is None and not shape.is_property_shape:
                        value = focus
                    if path is None and shape.is_property_shape:
                        path = shape.path()
                    fields: dict[str, Node] = dict(row)
                    for name, term in (("this", this), ("path", path), ("value", value)):
                        if term is not None:
                            fields[name] = term
                    wording = [m for m in check.messages if m not in shape_messages] + shape_messages
                    messages = [Literal(_format(str(m), fields)) for m in wording]
                    self._add(
                        plan, SH.SPARQLConstraintComponent, this or focus, value, path, messages, check.node
                    )

    def _add(
        self,
        plan: ShapePlan,
        component: URIRef,
        focus: Node,
        value: Node | None,
        path: Node | None,
        messages: list[Node],
        source_constraint: Node | None = None,
    ) -> None:
        if focus not in self.described:
            return
        shape = plan.shape
        severity_node = shape.severity
        message_en, message_zh = _messages(messages)
        owner, record = self._owner_and_record(focus)
        self.results.append(
            ValidationResult(
                focus_node=focus,
                path=path,
                value=value,
                severity=_SEVERITIES.get(severity_node, "Violation"),
                source_shape=plan.node,
                constraint=component,
                message_en=message_en,
                message_zh=message_zh,
                source_record=record,
                owner=owner,
            )
        )
        r = BNode()
        out = self.out
        out += [
            (self.report, SH.result, r),
            (r, RDF.type, SH.ValidationResult),
            (r, SH.sourceConstraintComponent, component),
            (r, SH.sourceShape, plan.node),
            (r, SH.resultSeverity, severity_node),
            (r, SH.focusNode, focus),
        ]
        if value is not None:
            out.append((r, SH.value, value))
        if path is not None:
            out.append((r, SH.resultPath, path))
        if source_constraint is not None:
            out.append((r, SH.sourceConstraint, source_constraint))
        out += [(r, SH.resultMessage, m) for m in messages]
        seen: set[Node] = set()
        self._copy(focus, self._data_pairs, seen)
        if value is not None:
            self._copy(value, self._data_pairs, seen)
        for node in (path, plan.node, source_constraint):
            if node is not None:
                self._copy(node, self.shapes.predicate_objects, seen)

    def add_pyshacl(self, pyshacl_graph: Graph, merged: Graph) -> None:
        """pySHACL's results (those whose focus node the data describes), with their descriptions."""
        for node in pyshacl_graph.subjects(RDF.type, SH.ValidationResult):
            if pyshacl_graph.value(node, SH.focusNode) not in self.described:
                continue
            self.results.append(_result(pyshacl_graph, node, merged))
            self.out.append((self.report, SH.result, node))
            self.out += pyshacl_graph.cbd(node)

    def finish(self) -> ValidationReport:
        results = ordered(self.results)
        conforms = not any(r.severity == "Violation" for r in results)
        triples = self.out
        triples += [
            (self.report, RDF.type, SH.ValidationReport),
            (self.report, SH.conforms, Literal(conforms)),
        ]

        def build() -> Graph:
            graph = Graph()
            _bind(graph)
            graph.addN((s, p, o, graph) for s, p, o in triples)
            return graph

        return ValidationReport(
            conforms=conforms, results=results, graph_source=build, triples_source=lambda: triples
        )


def _format(message: str, fields: dict[str, Node]) -> str:
    """pySHACL's ``_format_sparql_based_result_message``."""
    for name, value in fields.items():
        message = re.sub(f"{{[?$]{name}}}", str(value), message)
    return message
