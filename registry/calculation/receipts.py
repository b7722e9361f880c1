"""Receipts: every calculation is kept as a small PROV document at ``{base}calculation/{id}``.

The id is a hash of the inputs (IRIs resolved, the amount's lexical form as sent), the factor version
used and the software release, so the same calculation always has the same receipt; the first one is
kept (its time is when it was first made). Receipts live in a graph of their own,
:data:`RECEIPTS_GRAPH`, never in a data graph: a ``urn:efreg:`` graph, which no caller reads through
SPARQL or the dumps. They are written and read through the Store interface.

A receipt holds the inputs, the factor version, the GWP set, each unit conversion, the fallback
trail, the release, the time (PROV-O), the numbers (``calc:gas``, ``calc:co2e``) and the whole
answer as ``rdf:JSON`` (what the JSON form returns). Reading it again replays the calculation with the
same factor version (immutable) and says whether the numbers agree, and whether that version has since
been superseded (naming its successor) or withdrawn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from registry import __version__
from registry.calculation import CalculationError, ReceiptNotFound
from registry.calculation.calculate import Inputs, compute
from registry.calculation.selection import PREFIXES, Reader
from registry.publishing import access
from registry.publishing.tokens import Caller
from registry.rdf import parts
from registry.rdf.namespaces import EF
from registry.store import QueryDataset, Store

RECEIPTS_GRAPH = "urn:efreg:receipts"
CALC = Namespace("https://w3id.org/efreg/calculation#")
_lock = threading.Lock()
_ONLY_RECEIPTS = QueryDataset(default_graphs=(RECEIPTS_GRAPH,), named_graphs=(RECEIPTS_GRAPH,))
ANY_PATH = "(<urn:efreg:none>|!<urn:efreg:none>)*"


def receipt_id(inputs: Inputs, factor: str) -> str:
    key = {"inputs": inputs.as_json(), "factor": factor, "release": __version__}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]


def receipt_iri(base: str, rid: str) -> str:
    return f"{base}calculation/{rid}"


def valid_id(rid: str) -> bool:
    return len(rid) == 32 and all(c in "0123456789abcdef" for c in rid)


def _decimal(text: str) -> Literal:
    return Literal(text, datatype=XSD.decimal)


def document(iri: str, answer: dict[str, Any]) -> Graph:
    """The receipt as RDF (PROV-O and the ``calc:`` terms of docs/calculation.md)."""
    g = Graph()
    g.bind("prov", PROV)
    g.bind("calc", CALC)
    g.bind("ef", EF)
    s, result = URIRef(iri), URIRef(iri + "#result")
    inputs = answer["inputs"]
    g.add((s, RDF.type, PROV.Activity))
    g.add((s, RDF.type, CALC.Calculation))
    g.add((s, RDFS.label, Literal(f"Calculation {iri.rsplit('/', 1)[-1]}", lang="en")))
    g.add((s, RDFS.label, Literal(f"计算 {iri.rsplit('/', 1)[-1]}", lang="zh")))
    g.add((s, PROV.startedAtTime, Literal(answer["time"], datatype=XSD.dateTime)))
    g.add((s, PROV.endedAtTime, Literal(answer["time"], datatype=XSD.dateTime)))
    g.add((s, CALC.release, Literal(answer["release"])))
    for used in (answer["factor"], inputs["gwp"], answer.get("dataset")):
        if used:
            g.add((s, PROV.used, URIRef(used)))
    g.add((s, CALC.factor, URIRef(answer["factor"])))
    g.add((s, CALC.activity, URIRef(inputs["activity"])))
    g.add((s, CALC.geography, URIRef(inputs["geography"])))
    if "year" in inputs:
        g.add((s, CALC.year, Literal(str(inputs["year"]), datatype=XSD.gYear)))
    g.add((s, CALC.amount, _decimal(inputs["amount"])))
    g.add((s, CALC.unit, URIRef(inputs["unit"])))
    g.add((s, CALC.gwpSet, URIRef(inputs["gwp"])))
    for n, step in enumerate(answer["conversions"], 1):
        node = parts.part(s, "conversion", str(n))
        g.add((s, CALC.conversion, node))
        g.add((node, CALC.order, Literal(n)))
        g.add((node, CALC["from"], URIRef(step["from"])))
        g.add((node, CALC.to, URIRef(step["to"])))
        g.add((node, CALC.multiplier, _decimal(step["multiplier"])))
    for n, cand in enumerate(answer["fallback"]["candidates"], 1):
        node = parts.part(s, "candidate", str(n))
        g.add((s, CALC.candidate, node))
        g.add((node, CALC.order, Literal(n)))
        g.add((node, CALC.factor, URIRef(cand["factor"])))
        g.add((node, CALC.outcome, Literal(cand.get("outcome") or "excluded: " + cand.get("excluded", ""))))
    g.add((s, PROV.generated, result))
    g.add((result, RDF.type, PROV.Entity))
    g.add((result, PROV.wasGeneratedBy, s))
    for gas in answer["gases"]:
        node = parts.part(s, "result", parts.local(gas["gas"]))
        g.add((result, CALC.gas, node))
        g.add((node, EF.gas, URIRef(gas["gas"])))
        g.add((node, EF.value, _decimal(gas["value"])))
        g.add((node, EF.unit, URIRef(gas["unit"])))
    node = parts.part(s, "result", "CO2e")
    g.add((result, CALC.co2e, node))
    g.add((node, EF.gwpSet, URIRef(answer["co2e"]["gwp"])))
    g.add((node, EF.value, _decimal(answer["co2e"]["value"])))
    g.add((node, EF.unit, URIRef(answer["co2e"]["unit"])))
    g.add(
        (s, CALC.answer, Literal(json.dumps(answer, sort_keys=True, ensure_ascii=False), datatype=RDF.JSON))
    )
    return g


def keep(store: Store, base: str, inputs: Inputs, answer: dict[str, Any]) -> dict[str, Any]:
    """Store the receipt of ``answer`` unless it exists; the answer with ``receipt``, ``time`` and
    ``release`` (those of the receipt first kept)."""
    rid = receipt_id(inputs, answer["factor"])
    iri = receipt_iri(base, rid)
    with _lock:
        kept = _stored_answer(store, iri)
        if kept is not None:
            return {**answer, "receipt": iri, "time": kept["time"], "release": kept["release"]}
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        answer = {**answer, "receipt": iri, "time": now, "release": __version__}
        data = document(iri, answer).serialize(format="nt", encoding="utf-8")
        store.load(data, "ntriples", graph=RECEIPTS_GRAPH)
    return answer


def _stored_answer(store: Store, iri: str) -> dict[str, Any] | None:
    rows = store.select(f"SELECT ?a WHERE {{ <{iri}> <{CALC.answer}> ?a }} LIMIT 1", _ONLY_RECEIPTS)
    return json.loads(str(rows[0]["a"])) if rows else None


@dataclass
class Receipt:
    iri: str
    answer: dict[str, Any]
    graph: Graph
    status: dict[str, Any] = field(default_factory=dict)
    replay: dict[str, Any] = field(default_factory=dict)


def status(store: Store, answer: dict[str, Any]) -> dict[str, Any]:
    """Whether the factor version is still current: superseded (by which version) or withdrawn."""
    factor, dataset, thing = answer["factor"], answer.get("dataset"), answer.get("factorThing")
    public = access.ReadView(store)  # the catalog: public whatever became of the version graph
    current_of = f"OPTIONAL {{ <{thing}> dcat:hasCurrentVersion ?cur }}" if thing else ""
    rows = public.select(
        PREFIXES
        + f"SELECT ?next ?cur WHERE {{ OPTIONAL {{ <{factor}> dct:isReplacedBy ?next }} {current_of} }} LIMIT 1"
    )
    row = rows[0] if rows else {}
    current = str(row["cur"]) if "cur" in row else None
    successor = str(row["next"]) if "next" in row else (current if current and current != factor else None)
    version = access.snapshot(store).versions.get(dataset or "")
    withdrawn = version is not None and version.status == "Withdrawn"
    out: dict[str, Any] = {
        "factor": factor,
        "current": successor is None and not withdrawn,
        "superseded": successor is not None,
        "withdrawn": withdrawn,
    }
    if successor:
        out["successor"] = successor
    if current and current != factor:
        out["currentVersion"] = current
    return out


def _mapping(answer: dict[str, Any]) -> dict[str, Any] | None:
    chosen = next((c for c in answer["fallback"]["candidates"] if c.get("outcome") == "chosen"), None)
    for concept in answer["fallback"]["activities"]:
        if chosen and concept["iri"] == chosen["activity"]:
            return concept.get("mapping")
    return None


def replay(reader: Reader, base: str, answer: dict[str, Any]) -> dict[str, Any]:
    """The calculation run again with the same factor version: do the numbers agree?"""
    fields = {k: answer["inputs"].get(k) for k in Inputs.__dataclass_fields__}
    inputs = Inputs(**fields)  # type: ignore[arg-type]
    try:
        again = compute(reader, inputs, answer["factor"], base, _mapping(answer))
    except CalculationError as exc:
        return {"replayed": False, "reason": str(exc)}
    same = again["gases"] == answer["gases"] and again["co2e"]["value"] == answer["co2e"]["value"]
    out: dict[str, Any] = {"replayed": True, "same": same}
    if not same:
        out["now"] = {"gases": again["gases"], "co2e": again["co2e"]}
    return out


def read(store: Store, base: str, rid: str, caller: Caller | None = None) -> Receipt:
    """The receipt ``rid`` with the factor's status and a replay, for ``caller``: a receipt whose
    factor values the caller may not read (a commercial factor not granted) is not found."""
    iri = receipt_iri(base, rid)
    answer = _stored_answer(store, iri) if valid_id(rid) else None
    if answer is None:
        raise ReceiptNotFound(f"there is no receipt {rid}", receipt=iri)
    version = access.snapshot(store).versions.get(answer.get("dataset") or "")
    if (
        version is not None
        and version.access == "Commercial"
        and not access.may_read_values(store, caller, version)
    ):
        raise ReceiptNotFound(f"there is no receipt {rid}", receipt=iri)
    graph = store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ <{iri}> {ANY_PATH} ?s . ?s ?p ?o }}", _ONLY_RECEIPTS
    )
    for prefix, ns in (("prov", PROV), ("calc", CALC), ("ef", EF)):
        graph.bind(prefix, ns)
    receipt = Receipt(iri, answer, graph, status(store, answer))
    if receipt.status["withdrawn"]:
        receipt.replay = {
            "replayed": False,
            "reason": "the factor version was withdrawn: its values are no longer published; "
            "the numbers shown are those kept in the receipt",
        }
    else:
        receipt.replay = replay(access.ReadView(store, caller), base, answer)
    return receipt
