"""The SHACL report kept with a dataset version (the gate writes the results about a version's own
nodes into its graph, linked from the version by ``ef:validationReport``): what the dataset page
shows — the report summarised by rule, each rule's count, message and two examples — and the whole
report, for a download (``GET /api/datasets/{id}/versions/{n}/report``: JSON or Turtle).

A version of the Open Emission Factors DB keeps about 12,000 warnings: the summary is two SPARQL
aggregates over the version graph, never the whole report in a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, URIRef

from registry.rdf.namespaces import EF
from registry.store import QueryDataset, Store

SH = "http://www.w3.org/ns/shacl#"
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Rule:
    """One rule's results in a kept report: its severity, shape and constraint, how many results it
    has, its message (by language) and up to two focus nodes as examples."""

    severity: str
    shape: str | None
    constraint: str | None
    count: int
    message: dict[str, str] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The shape's local name (``Factor-label-zh``), what a reader recognises."""
        return (self.shape or "?").rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "sourceShape": self.shape,
            "constraint": self.constraint,
            "count": self.count,
            "message": self.message,
            "examples": self.examples,
        }


def _only(graph: str) -> QueryDataset:
    return QueryDataset(default_graphs=(graph,), named_graphs=(graph,))


def _results(graph: str) -> str:
    return f"<{graph}> <{EF.validationReport}> ?rep . ?rep <{SH}result> ?r . ?r <{SH}resultSeverity> ?sev ."


def rules(store: Store, graph: str, examples: int = 2) -> list[Rule]:
    """The kept report of the version ``graph`` by rule: violations first, then the largest rules."""
    counted = store.select(
        f"""SELECT ?sev ?shape ?comp (COUNT(?r) AS ?n) WHERE {{ {_results(graph)}
        OPTIONAL {{ ?r <{SH}sourceShape> ?shape }} OPTIONAL {{ ?r <{SH}sourceConstraintComponent> ?comp }} }}
        GROUP BY ?sev ?shape ?comp""",
        _only(graph),
    )
    out = []
    for row in counted:
        shape, comp = row.get("shape"), row.get("comp")
        where = _results(graph)
        where += f" ?r <{SH}sourceShape> {shape.n3()} ." if shape is not None else ""
        where += f" ?r <{SH}sourceConstraintComponent> {comp.n3()} ." if comp is not None else ""
        where += f" FILTER(?sev = {row['sev'].n3()})"
        found = store.select(
            f"SELECT DISTINCT ?focus WHERE {{ {where} ?r <{SH}focusNode> ?focus }} "
            f"ORDER BY STR(?focus) LIMIT {examples}",
            _only(graph),
        )
        message: dict[str, str] = {}  # (the results are blank nodes: the rule's first messages)
        for m in store.select(
            f"SELECT ?m WHERE {{ {where} ?r <{SH}resultMessage> ?m }} LIMIT 8", _only(graph)
        ):
            message.setdefault(getattr(m["m"], "language", None) or "en", str(m["m"]))
        out.append(
            Rule(
                severity=str(row["sev"]).rsplit("#", 1)[-1],
                shape=str(shape) if shape is not None else None,
                constraint=str(comp) if comp is not None else None,
                count=int(row["n"]),  # type: ignore[call-overload]
                message=message,
                examples=[str(r["focus"]) for r in found],
            )
        )
    return sorted(out, key=lambda r: (_SEVERITY_ORDER.get(r.severity, 3), -r.count, r.name))


def results(store: Store, graph: str) -> list[dict[str, Any]]:
    """Every result of the kept report, as ``ValidationReport.to_json`` lists them (in the order of
    severity, focus node and shape)."""
    rows = store.select(
        f"""SELECT ?r ?sev ?focus ?path ?value ?shape ?comp ?m WHERE {{ {_results(graph)}
        OPTIONAL {{ ?r <{SH}focusNode> ?focus }} OPTIONAL {{ ?r <{SH}resultPath> ?path }}
        OPTIONAL {{ ?r <{SH}value> ?value }} OPTIONAL {{ ?r <{SH}sourceShape> ?shape }}
        OPTIONAL {{ ?r <{SH}sourceConstraintComponent> ?comp }} OPTIONAL {{ ?r <{SH}resultMessage> ?m }} }}""",
        _only(graph),
    )
    by_result: dict[Any, dict[str, Any]] = {}
    for row in rows:
        entry = by_result.setdefault(
            row["r"],
            {
                "severity": str(row["sev"]).rsplit("#", 1)[-1],
                "focusNode": _term(row.get("focus")),
                "path": _term(row.get("path")),
                "value": _term(row.get("value")),
                "sourceShape": _term(row.get("shape")),
                "constraint": _term(row.get("comp")),
                "message": {},
            },
        )
        if row.get("m") is not None:
            entry["message"][getattr(row["m"], "language", None) or "en"] = str(row["m"])
    return sorted(
        by_result.values(),
        key=lambda e: (
            _SEVERITY_ORDER.get(e["severity"], 3),
            str(e["focusNode"]),
            str(e["sourceShape"]),
            str(e["value"]),
        ),
    )


def report_graph(store: Store, graph: str) -> Graph:
    """The whole kept report as RDF (the report node, its results and the blank nodes they hold)."""
    return store.construct(
        f"""CONSTRUCT {{ <{graph}> <{EF.validationReport}> ?rep . ?rep ?p ?o . ?r ?rp ?ro . ?x ?xp ?xo }}
        WHERE {{ <{graph}> <{EF.validationReport}> ?rep .
          {{ ?rep ?p ?o }} UNION {{ ?rep <{SH}result> ?r . ?r ?rp ?ro }}
          UNION {{ ?rep <{SH}result> ?r2 . ?r2 ?q ?x . FILTER(isBlank(?x)) ?x ?xp ?xo }} }}""",
        _only(graph),
    )


def _term(term: Any) -> str | None:
    if term is None:
        return None
    return str(term) if isinstance(term, URIRef) else term.n3()
