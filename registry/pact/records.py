"""Footprints kept in the registry: derived at release, as RDF in their own registry graph.

:func:`sync` (run after every release: ``efreg load``, an approval, a withdrawal) derives a footprint
for every published open factor version made from an ILCD process data set, validates it against
the SHACL shapes (``shapes/pact.ttl``: PACT's required fields are violations) and rewrites
:data:`~registry.pact.model.PACT_GRAPH` in one update: the footprints (RDF at
``{base}pact/footprint/{id}`` plus their PACT JSON under a private predicate) and the refusals
(the field that cannot be derived and why). A footprint keeps its ``created`` time across syncs.
Of the footprints of one factor, the one of its latest version is ``Active`` and names the others
in ``precedingPfIds``; the others are ``Deprecated``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef

from registry import __version__
from registry.pact.derive import derive, now, read_facts
from registry.pact.model import CARBON_FIELDS, FOOTPRINT_FIELDS, PACT_GRAPH, Refusal
from registry.publishing import access, public_view
from registry.rdf.namespaces import DCAT, DCT, EF, PROV, RDF, RDFS, XSD
from registry.store import QueryDataset, Store
from registry.validation.fast import get_validator

_NS = "urn:efreg:pact#"  # private terms of the footprint graph (not part of the public ontology)
JSON_PROP = URIRef(_NS + "json")
REFUSAL = URIRef(_NS + "Refusal")
_ONLY = QueryDataset(default_graphs=(PACT_GRAPH,), named_graphs=(PACT_GRAPH,))
RDF_JSON = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")


def footprint_iri(base: str, pf_id: str) -> str:
    return f"{base}pact/footprint/{pf_id}"


@dataclass
class SyncReport:
    footprints: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[str, list[Refusal]] = field(default_factory=dict)  #: factor version → refusals

    def lines(self) -> list[str]:
        out = [f"PACT: {len(self.footprints)} footprint(s) derived, {len(self.refused)} refused"]
        for factor, refusals in sorted(self.refused.items()):
            out.extend(f"  no PACT footprint for {factor}: {r}" for r in refusals)
        return out

    def to_json(self) -> dict[str, Any]:
        """``{"footprints": n, "refused": {factor version: [{"field", "reason"}]}}`` (``efreg pact
        derive --json``, ``POST /api/admin/pact/derive``)."""
        refused = {
            f: [{"field": r.field, "reason": r.reason} for r in rs] for f, rs in sorted(self.refused.items())
        }
        return {"footprints": len(self.footprints), "refused": refused}


def _literal(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=XSD[datatype])


def to_graph(base: str, fp: dict[str, Any], factor: str, version_graph: str) -> Graph:
    """The footprint as RDF (the ef: terms of ``ontology/efreg.ttl``)."""
    g = Graph()
    s = URIRef(footprint_iri(base, fp["id"]))
    pcf = URIRef(str(s) + "#pcf")
    g.add((s, RDF.type, EF.ProductFootprint))
    g.add((s, RDF.type, PROV.Entity))
    g.add((s, EF.pfId, Literal(fp["id"])))
    g.add((s, EF.pfStatus, Literal(fp["status"])))
    g.add((s, DCT.created, _literal(fp["created"], "dateTime")))
    g.add((s, RDFS.comment, Literal(fp["comment"], lang="en")))
    name = fp["productNameCompany"]
    g.add((s, RDFS.label, Literal(f"Product carbon footprint: {name}", lang="en")))
    g.add((s, RDFS.label, Literal(f"产品碳足迹：{name}", lang="zh")))
    g.add((s, PROV.wasDerivedFrom, URIRef(version_graph)))
    g.add((s, PROV.wasDerivedFrom, URIRef(factor)))
    for pid in fp.get("precedingPfIds", []):
        g.add((s, EF.precedingFootprint, URIRef(footprint_iri(base, pid))))
    g.add((s, EF.pcf, pcf))
    g.add((pcf, RDF.type, EF.CarbonFootprint))
    for node, table, data in ((s, FOOTPRINT_FIELDS, fp), (pcf, CARBON_FIELDS, fp["pcf"])):
        for key, (prop, datatype, _required) in table.items():
            values = data.get(key)
            for value in values if isinstance(values, list) else ([] if values is None else [values]):
                g.add((node, EF[prop], _literal(value, datatype)))
    for i, src in enumerate(fp["pcf"].get("secondaryEmissionFactorSources", [])):
        node = URIRef(f"{pcf}-source-{i + 1}")
        g.add((pcf, EF.secondaryEmissionFactorSource, node))
        g.add((node, RDFS.label, Literal(src["name"])))
        g.add((node, DCAT.version, Literal(src["version"])))
    return g


def _existing(store: Store) -> dict[str, str]:
    """id → created of the footprints kept now."""
    rows = store.select(
        f"SELECT ?id ?created WHERE {{ GRAPH <{PACT_GRAPH}> {{ ?s <{EF}pfId> ?id ; <{DCT}created> ?created }} }}",
        _ONLY,
    )
    return {str(r["id"]): str(r["created"]) for r in rows}


def candidate_graphs(store: Store) -> tuple[str, ...]:
    """The published open dataset version graphs (footprints are derived from open data only)."""
    snap = access.snapshot(store)
    return tuple(sorted(g for g, v in snap.versions.items() if v.public and v.access != "Commercial"))


def sync(store: Store, base: str) -> SyncReport:
    """Derive, validate and keep the footprints of every candidate version (see the module doc)."""
    created = _existing(store)
    stamp = now()
    release = {"name": f"efreg {__version__} registry at {base}", "version": ""}
    report = SyncReport()
    derived: list[tuple[dict[str, Any], Any]] = []
    for facts in read_facts(store, candidate_graphs(store)):
        release["version"] = facts.graph.rsplit("/", 2)[-2] + "/" + facts.graph.rsplit("/", 1)[-1]
        out = derive(facts, created=stamp, release=dict(release))
        if isinstance(out, list):
            report.refused[facts.factor] = out
            continue
        out["created"] = created.get(out["id"], out["created"])
        derived.append((out, facts))
    # one validation of every derived footprint (shapes/pact.ttl); a violation refuses its footprint
    candidates = Graph()
    for out, facts in derived:
        candidates += to_graph(base, out, facts.factor, facts.graph)
    violations: dict[str, list[Refusal]] = defaultdict(list)
    for r in get_validator("fast")(candidates, base_iri=base).violations:
        field = str(r.path).rsplit("#", 1)[-1] if r.path is not None else "?"
        violations[str(r.focus_node).split("#", 1)[0]].append(Refusal(field, r.message_en))
    kept = []
    for out, facts in derived:
        found = violations.get(footprint_iri(base, out["id"]))
        if found:
            report.refused[facts.factor] = found
        else:
            kept.append((out, facts))
    by_thing: dict[str, list[tuple[dict[str, Any], Any]]] = defaultdict(list)
    for out, facts in kept:
        by_thing[facts.thing].append((out, facts))
    g = Graph()
    for group in by_thing.values():
        group.sort(key=lambda pair: pair[1].number)
        for i, (out, facts) in enumerate(group):
            out["status"] = "Active" if i == len(group) - 1 else "Deprecated"
            preceding = [o["id"] for o, _f in group[:i]]
            if preceding:
                out["precedingPfIds"] = preceding
            g += to_graph(base, out, facts.factor, facts.graph)
            g.add(
                (
                    URIRef(footprint_iri(base, out["id"])),
                    JSON_PROP,
                    Literal(json.dumps(out), datatype=RDF_JSON),
                )
            )
            report.footprints.append(out)
    for n, (factor, refusals) in enumerate(sorted(report.refused.items())):
        for m, r in enumerate(refusals):
            node = URIRef(f"urn:efreg:pact:refusal:{n}-{m}")
            g.add((node, RDF.type, REFUSAL))
            g.add((node, PROV.wasDerivedFrom, URIRef(factor)))
            g.add((node, URIRef(_NS + "field"), Literal(r.field)))
            g.add((node, RDFS.comment, Literal(r.reason, lang="en")))
    body = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
    insert = (
        f" ; INSERT DATA {{ GRAPH <{PACT_GRAPH}> {{ {body} }} }}" if body.strip() else ""
    )  # Virtuoso refuses an empty one
    store.update(f"DROP SILENT GRAPH <{PACT_GRAPH}>{insert}")
    public_view.sync(store)  # the model holds none of this graph, but follows the store's writes
    return report


def footprints(store: Store) -> list[dict[str, Any]]:
    """Every footprint kept, as PACT JSON, oldest first (then by id)."""
    rows = store.select(f"SELECT ?j WHERE {{ GRAPH <{PACT_GRAPH}> {{ ?s <{JSON_PROP}> ?j }} }}", _ONLY)
    out = [json.loads(str(r["j"])) for r in rows]
    return sorted(out, key=lambda fp: (fp["created"], fp["id"]))


def refusals(store: Store) -> list[tuple[str, str, str]]:
    """(factor version, field, reason) of every refusal kept."""
    rows = store.select(
        f"""SELECT ?f ?field ?why WHERE {{ GRAPH <{PACT_GRAPH}> {{ ?r a <{REFUSAL}> ;
        <{PROV.wasDerivedFrom}> ?f ; <{_NS}field> ?field ; <{RDFS.comment}> ?why }} }} ORDER BY ?f ?field""",
        _ONLY,
    )
    return [(str(r["f"]), str(r["field"]), str(r["why"])) for r in rows]


def document(store: Store, base: str, pf_id: str) -> Graph | None:
    """The footprint's RDF (its node, its pcf node and sources), or ``None``."""
    iri = footprint_iri(base, pf_id)
    g = store.construct(
        f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PACT_GRAPH}> {{ ?s ?p ?o
        FILTER(?s = <{iri}> || STRSTARTS(STR(?s), "{iri}#")) FILTER(?p != <{JSON_PROP}>) }} }}""",
        _ONLY,
    )
    return g if len(g) else None


def linked(store: Store, iris: list[str]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The footprints derived from any of ``iris`` (a dataset version, a factor version) as
    (IRI, product name, status), and the refusals about them as (field, reason): for their pages."""
    if not iris:
        return [], []
    values = " ".join(f"<{i}>" for i in iris)
    rows = store.select(
        f"""SELECT DISTINCT ?s ?name ?status WHERE {{ VALUES ?from {{ {values} }} GRAPH <{PACT_GRAPH}> {{
        ?s a <{EF.ProductFootprint}> ; <{PROV.wasDerivedFrom}> ?from ; <{EF.productNameCompany}> ?name ;
        <{EF.pfStatus}> ?status }} }} ORDER BY ?s""",
        _ONLY,
    )
    refused = store.select(
        f"""SELECT DISTINCT ?field ?why WHERE {{ VALUES ?from {{ {values} }} GRAPH <{PACT_GRAPH}> {{
        ?r a <{REFUSAL}> ; <{PROV.wasDerivedFrom}> ?from ; <{_NS}field> ?field ; <{RDFS.comment}> ?why }} }}
        ORDER BY ?field""",
        _ONLY,
    )
    return (
        [(str(r["s"]), str(r["name"]), str(r["status"])) for r in rows],
        [(str(r["field"]), str(r["why"])) for r in refused],
    )
