"""Tombstones: what the registry still says about a withdrawn version (410 Gone rather than 404).

A versioned IRI is promised never to change, so once a dataset version is withdrawn its factors and
the version itself keep answering — with when and by whom it was withdrawn, why (the withdrawal's
comment) and what replaces it (the newest version of the same thing that is still public), never
with the withdrawn data. Only the catalog's public record of the withdrawal and the public graphs
are read for the answer; the withdrawn graph is asked only which IRIs it held.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from registry.publishing import access, catalog
from registry.rdf.namespaces import EF
from registry.store import QueryDataset, Store

#: Which withdrawn version holds ``iri``: as a subject (a factor version, the version graph itself),
#: or as the thing its versions are versions of (``factor/{id}`` whose every version was withdrawn).
HOLDER_QUERY = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?g ?thing WHERE { GRAPH ?g {
  { <{iri}> ?p ?o OPTIONAL { <{iri}> dct:isVersionOf ?thing } }
  UNION { ?v dct:isVersionOf <{iri}> BIND(<{iri}> AS ?thing) }
} } LIMIT 1"""
#: The newest public version of a thing (versions are numbered by ``dcat:version``).
CURRENT_QUERY = """PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?v ?n WHERE { ?v dct:isVersionOf <{thing}> ; dcat:version ?n }"""


@dataclass(frozen=True)
class Tombstone:
    iri: str  #: what was asked for
    version: str  #: the dataset version graph that was withdrawn
    withdrawn_at: str | None  #: xsd:dateTime of the withdrawal
    reason: str | None  #: the withdrawal's comment
    by: str | None  #: the agent who withdrew it
    activity: str | None  #: the withdrawal (a prov:Activity in the catalog)
    replaced_by: str | None  #: the newest public version of the same thing, if any
    thing: str | None  #: what ``iri`` is a version of

    def graph(self) -> Graph:
        """The tombstone in RDF (PROV-O: invalidated by the withdrawal; Dublin Core: replaced by)."""
        g = Graph()
        iri, version = URIRef(self.iri), URIRef(self.version)
        g.add((iri, RDF.type, PROV.Entity))
        g.add((version, EF.reviewStatus, EF.Withdrawn))
        if iri != version:
            g.add((iri, DCTERMS.isPartOf, version))
        if self.thing and self.thing != self.iri:
            g.add((iri, DCTERMS.isVersionOf, URIRef(self.thing)))
        if self.withdrawn_at:
            g.add((iri, PROV.invalidatedAtTime, Literal(self.withdrawn_at, datatype=XSD.dateTime)))
        if self.replaced_by:
            g.add((iri, DCTERMS.isReplacedBy, URIRef(self.replaced_by)))
        if self.activity:
            activity = URIRef(self.activity)
            g.add((iri, PROV.wasInvalidatedBy, activity))
            g.add((activity, RDF.type, PROV.Activity))
            g.add((activity, PROV.used, version))
            if self.withdrawn_at:
                g.add((activity, PROV.endedAtTime, Literal(self.withdrawn_at, datatype=XSD.dateTime)))
            if self.by:
                g.add((activity, PROV.wasAssociatedWith, URIRef(self.by)))
            if self.reason:
                g.add((activity, RDFS.comment, Literal(self.reason)))
        elif self.reason:
            g.add((iri, RDFS.comment, Literal(self.reason)))
        return g


def withdrawn_graphs(store: Store) -> tuple[str, ...]:
    versions = access.snapshot(store).versions.values()
    return tuple(
        g for v in versions if v.status == "Withdrawn" and v.in_store for g in (v.graph, v.values) if g
    )


def is_withdrawn_version(store: Store, iri: str) -> bool:
    """Whether ``iri`` is a withdrawn dataset version (the public catalog keeps its record)."""
    v = access.snapshot(store).versions.get(iri)
    return v is not None and v.status == "Withdrawn"


def find(store: Store, base: str, iri: str) -> Tombstone | None:
    """The tombstone of ``iri`` when a withdrawn version held it and no public graph describes it
    (``None`` otherwise: the caller answers 404, or the document)."""
    withdrawn = withdrawn_graphs(store)
    if not withdrawn or "<" in iri or ">" in iri:
        return None
    rows = store.select(
        HOLDER_QUERY.replace("{iri}", iri), QueryDataset(default_graphs=(), named_graphs=withdrawn)
    )
    if not rows:
        return None
    version = str(rows[0]["g"]).removesuffix("/values")
    thing = str(rows[0]["thing"]) if rows[0].get("thing") is not None else None
    if thing is None and iri == version:
        thing = access.snapshot(store).versions[version].dataset
    withdrawal = next(
        (
            a
            for a in reversed(catalog.history(store, version, (base + "catalog",)))
            if a["status"] == "withdrawn"
        ),
        None,
    )
    return Tombstone(
        iri=iri,
        version=version,
        withdrawn_at=withdrawal["at"] if withdrawal else None,
        reason=withdrawal["comment"] if withdrawal else None,
        by=withdrawal["agent"] if withdrawal else None,
        activity=withdrawal["activity"] if withdrawal else None,
        replaced_by=_current(store, thing) if thing else None,
        thing=thing,
    )


LABELS_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?s ?label WHERE { VALUES ?s { {iris} } ?s rdfs:label|foaf:name ?label }"""


def labels(store: Store, iris: list[str]) -> Graph:
    """The public labels of ``iris`` (the replacement, the agent), for a page about a tombstone."""
    g = Graph()
    iris = [i for i in iris if i and "<" not in i and ">" not in i]
    if iris:
        query = LABELS_QUERY.replace("{iris}", " ".join(f"<{i}>" for i in iris))
        for row in access.ReadView(store).select(query):
            g.add((URIRef(str(row["s"])), RDFS.label, row["label"]))
    return g


def _current(store: Store, thing: str) -> str | None:
    """The newest version of ``thing`` in the public graphs."""
    rows = access.ReadView(store).select(CURRENT_QUERY.replace("{thing}", thing))
    numbered = []
    for row in rows:
        try:
            numbered.append((int(str(row["n"])), str(row["v"])))
        except ValueError:
            continue
    return max(numbered)[1] if numbered else None
