"""The typed SHACL report shared by both validators (:mod:`registry.validation.reference`, pySHACL, and
:mod:`registry.validation.fast`, the compiled one): results with English and Chinese messages, the report graph
built on demand, and the report as text, JSON and Turtle."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from typing import Literal as TypingLiteral

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import split_uri
from rdflib.term import Node

from registry.rdf.namespaces import PREFIXES, RDF, SH

SHAPES_NS = "https://w3id.org/efreg/shapes#"

Severity = TypingLiteral["Violation", "Warning", "Info"]
_SEVERITIES: dict[URIRef, Severity] = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


def _bind(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    graph.bind("efsh", SHAPES_NS)


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with its messages in English and Chinese."""

    focus_node: Node
    path: Node | None
    value: Node | None
    severity: Severity
    source_shape: Node | None
    constraint: URIRef | None
    message_en: str
    message_zh: str
    source_record: str | None = None
    #: The IRI resource the focus node belongs to: the focus node itself, or for a blank node (a
    #: component, a rating, a period) the factor or other resource that holds it.
    owner: URIRef | None = None


_TEXT_LABELS = {
    "en": {
        "title": "SHACL validation report",
        "conforms": "Conforms",
        "yes": "yes",
        "no": "no",
        "counts": "{v} violation(s), {w} warning(s)",
        "Violation": "Violation",
        "Warning": "Warning",
        "Info": "Info",
        "focus": "Focus node",
        "in": "in",
        "path": "Path",
        "value": "Value",
        "rule": "Rule",
        "message": "Message",
        "record": "Source record",
        "example": "e.g.",
    },
    "zh": {
        "title": "SHACL 校验报告",
        "conforms": "是否符合",
        "yes": "是",
        "no": "否",
        "counts": "违规 {v} 项，警告 {w} 项",
        "Violation": "违规",
        "Warning": "警告",
        "Info": "提示",
        "focus": "焦点节点",
        "in": "所属",
        "path": "路径",
        "value": "值",
        "rule": "规则",
        "message": "说明",
        "record": "源记录",
        "example": "例如",
    },
}


def ordered(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Results in report order: violations first, then by owner, focus node, shape and value (both
    validators report in this order, so their texts compare equal)."""
    return sorted(
        results,
        key=lambda r: (
            _SEVERITY_ORDER[r.severity],
            str(r.owner or ""),
            str(r.focus_node),
            str(r.source_shape),
            str(r.value),
        ),
    )


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`: conforms unless there is a ``sh:Violation``."""

    conforms: bool
    results: list[ValidationResult]
    #: the report graph, or a function that builds it when first asked for (see :attr:`graph`)
    graph_source: Graph | Callable[[], Graph] = field(repr=False, compare=False)
    #: the report graph's triples without building the graph (duplicates possible), when known
    triples_source: Callable[[], Iterable[tuple[Node, Node, Node]]] | None = field(
        default=None, repr=False, compare=False
    )

    @functools.cached_property
    def graph(self) -> Graph:
        """The SHACL validation report graph (``sh:ValidationReport``, its results and what they name)."""
        source = self.graph_source
        return source if isinstance(source, Graph) else source()

    @functools.cached_property
    def _shown(self) -> Graph:
        """What showing terms and paths needs of :attr:`graph`: its namespace bindings and the
        descriptions of blank-node result paths (not the whole report, when that is not built yet)."""
        if isinstance(self.graph_source, Graph) or "graph" in self.__dict__ or self.triples_source is None:
            return self.graph
        paths = {r.path for r in self.results if isinstance(r.path, BNode)}
        graph = Graph()
        _bind(graph)
        if paths:
            described: dict[Node, list[tuple[Node, Node]]] = {}
            for s, p, o in self.triples_source():
                if isinstance(s, BNode):
                    described.setdefault(s, []).append((p, o))
            todo, seen = list(paths), set()
            while todo:
                node = todo.pop()
                if node in seen:
                    continue
                seen.add(node)
                for p, o in described.get(node, ()):
                    graph.add((node, p, o))
                    if isinstance(o, BNode):
                        todo.append(o)
        return graph

    def triples(self) -> Iterable[tuple[Node, Node, Node]]:
        """The triples of :attr:`graph` (without building it when the validator kept them)."""
        return self.triples_source() if self.triples_source is not None else iter(self.graph)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def to_text(self, lang: str = "en") -> str:
        """A readable report, one block per result, in English (``en``) or Chinese (``zh``)."""
        if lang not in _TEXT_LABELS:
            raise ValueError(f"lang must be one of {', '.join(_TEXT_LABELS)}, got {lang!r}")
        t = _TEXT_LABELS[lang]
        shown = self._shown
        lines = [
            t["title"],
            f"{t['conforms']}: {t['yes'] if self.conforms else t['no']} "
            f"({t['counts'].format(v=len(self.violations), w=len(self.warnings))})",
        ]
        for r in self.results:
            focus = _show(shown, r.focus_node)
            if r.owner is not None and r.owner != r.focus_node:
                focus += f" ({t['in']} {_show(shown, r.owner)})"
            lines += ["", f"[{t[r.severity]}] {t['focus']}: {focus}"]
            if r.path is not None:
                lines.append(f"  {t['path']}: {_show_path(shown, r.path)}")
            if r.value is not None:
                lines.append(f"  {t['value']}: {_show(shown, r.value)}")
            lines.append(f"  {t['rule']}: {self._rule(r)}")
            lines.append(f"  {t['message']}: {r.message_zh if lang == 'zh' else r.message_en}")
            if r.source_record is not None:
                lines.append(f"  {t['record']}: {r.source_record}")
        return "\n".join(lines) + "\n"

    def _rule(self, r: ValidationResult) -> str:
        rule = _show(self._shown, r.source_shape) if r.source_shape is not None else "?"
        if r.constraint is not None:
            rule += f" ({_show(self._shown, r.constraint)})"
        return rule

    def to_summary(self, lang: str = "en", examples: int = 2) -> str:
        """The report grouped by rule: per rule its severity, count, message and ``examples`` of its
        results (focus node, value, source record) — what a terminal shows of thousands of results."""
        if lang not in _TEXT_LABELS:
            raise ValueError(f"lang must be one of {', '.join(_TEXT_LABELS)}, got {lang!r}")
        t = _TEXT_LABELS[lang]
        shown = self._shown
        groups: dict[tuple[str, str], list[ValidationResult]] = {}
        for r in self.results:
            groups.setdefault((r.severity, self._rule(r)), []).append(r)
        lines = [
            t["title"],
            f"{t['conforms']}: {t['yes'] if self.conforms else t['no']} "
            f"({t['counts'].format(v=len(self.violations), w=len(self.warnings))})",
        ]
        order = sorted(groups.items(), key=lambda kv: (_SEVERITY_ORDER[kv[0][0]], -len(kv[1]), kv[0][1]))
        for (severity, rule), results in order:
            first = results[0]
            lines += ["", f"[{t[severity]}] {rule} × {len(results):,}"]
            lines.append(f"  {t['message']}: {first.message_zh if lang == 'zh' else first.message_en}")
            for r in results[:examples]:
                focus = _show(shown, r.owner if r.owner is not None else r.focus_node)
                extra = f", {t['value']}: {_show(shown, r.value)}" if r.value is not None else ""
                extra += f", {t['record']}: {r.source_record}" if r.source_record is not None else ""
                lines.append(f"  {t['example']}: {focus}{extra}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """A JSON-serializable summary with both languages' messages."""
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [
                {
                    "severity": r.severity,
                    "focusNode": _json_term(r.focus_node),
                    "owner": _json_term(r.owner),
                    "path": _show_path(self._shown, r.path, full=True) if r.path is not None else None,
                    "value": _json_term(r.value),
                    "sourceShape": _json_term(r.source_shape),
                    "constraint": _json_term(r.constraint),
                    "message": {"en": r.message_en, "zh": r.message_zh},
                    "sourceRecord": r.source_record,
                }
                for r in self.results
            ],
        }

    def to_turtle(self) -> str:
        """The SHACL validation report graph in Turtle."""
        return self.graph.serialize(format="turtle")


def _show(graph: Graph, term: Node) -> str:
    if isinstance(term, URIRef):
        try:
            namespace, _name = split_uri(term)
        except ValueError:
            return f"<{term}>"
        if graph.store.prefix(URIRef(namespace)) is None:
            # what normalizeUri answers, without adding the namespace to its trie (one insertion
            # scans every namespace seen before: quadratic over a report on thousands of factors)
            return f"<{term}>"
        try:
            return graph.namespace_manager.normalizeUri(term)
        except ValueError:
            return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3(graph.namespace_manager)
    return f"_:{term}"


def _show_path(graph: Graph, path: Node, full: bool = False) -> str:
    """A SHACL property path in SPARQL property path syntax."""

    def show(term: Node) -> str:
        if isinstance(term, URIRef):
            return f"<{term}>" if full else _show(graph, term)
        if (term, RDF.first, None) in graph:
            return "/".join(show(t) for t in Collection(graph, term))
        for predicate, fmt in (
            (SH.alternativePath, "({})"),
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = graph.value(term, predicate)
            if inner is None:
                continue
            if predicate == SH.alternativePath:
                return fmt.format("|".join(show(t) for t in Collection(graph, inner)))
            return fmt.format(show(inner))
        return f"_:{term}"

    return show(path)


def _json_term(term: Node | None) -> Any:
    if term is None:
        return None
    if isinstance(term, Literal):
        out: dict[str, str] = {"@value": str(term)}
        if term.language:
            out["@language"] = term.language
        elif term.datatype:
            out["@type"] = str(term.datatype)
        return out
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)
