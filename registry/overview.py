"""What the home page shows besides counts (Flask-free): the recent dataset releases and the
publishers, each with its number of factors, read from the public graphs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import URIRef

from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.search import PREFIXES, labels
from registry.store import QueryDataset, Store

RELEASES = (
    PREFIXES
    + """SELECT ?g ?pub ?issued (COUNT(DISTINCT ?f) AS ?n) WHERE {
  GRAPH ?g { ?g a dcat:Dataset ; dct:isVersionOf ?thing . OPTIONAL { ?g dct:publisher ?pub }
             OPTIONAL { ?g dct:issued ?issued } OPTIONAL { ?f a ef:EmissionFactor } }
} GROUP BY ?g ?pub ?issued"""
)
#: When a version was published through the workflow (its approval), from the workflow's records.
APPROVED = (
    PREFIXES
    + """PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g (MAX(?at) AS ?when) WHERE {
  ?a prov:used ?g ; dct:type ef:Published ; prov:endedAtTime ?at } GROUP BY ?g"""
)
PUBLISHERS = (
    PREFIXES
    + """SELECT ?pub (COUNT(DISTINCT ?f) AS ?n) (COUNT(DISTINCT ?g) AS ?d) WHERE {
  GRAPH ?g { ?g a dcat:Dataset ; dct:publisher ?pub . OPTIONAL { ?f a ef:EmissionFactor } }
} GROUP BY ?pub"""
)


@dataclass
class Release:
    iri: URIRef
    factors: int
    issued: str
    publisher: URIRef | None
    labels: dict[str, str] = field(default_factory=dict)
    publisher_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Publisher:
    iri: URIRef
    factors: int
    datasets: int
    labels: dict[str, str] = field(default_factory=dict)


def overview(
    store: Store, graphs: Sequence[str], base: str, recent: int = 8
) -> tuple[list[Release], list[Publisher]]:
    """The ``recent`` latest dataset releases holding factors (newest first by the day of their
    approval, or their ``dct:issued`` when loaded without review; equal days: the larger first) and every publisher of a dataset (most factors first), from the dataset graphs among
    ``graphs``."""
    datasets = tuple(g for g in graphs if g.startswith(base + "dataset/"))
    if not datasets:
        return [], []
    scope = QueryDataset(default_graphs=(), named_graphs=datasets)
    releases: dict[URIRef, Release] = {}
    for r in store.select(RELEASES, scope):
        g = r["g"]
        if g not in releases or (r.get("pub") is not None and releases[g].publisher is None):
            releases[g] = Release(g, int(r["n"]), str(r.get("issued", "")), r.get("pub"))  # type: ignore[arg-type]
    system = QueryDataset(default_graphs=(SYSTEM_GRAPH,), named_graphs=())
    for r in store.select(APPROVED, system):
        if r.get("g") in releases and "when" in r:
            releases[r["g"]].issued = max(releases[r["g"]].issued, str(r["when"])[:10])  # type: ignore[index]
    shown = sorted(
        (x for x in releases.values() if x.factors),
        key=lambda x: (x.issued, x.factors, str(x.iri)),
        reverse=True,
    )[:recent]
    pubs = [
        Publisher(r["pub"], int(r["n"]), int(r["d"]))  # type: ignore[arg-type]
        for r in store.select(PUBLISHERS, scope)
        if isinstance(r.get("pub"), URIRef)
    ]
    pubs.sort(key=lambda p: (-p.factors, -p.datasets, str(p.iri)))
    names = labels(store, graphs, sorted({*(x.iri for x in shown), *(p.iri for p in pubs)}))
    for x in shown:
        x.labels = names.get(x.iri, {})
    for x in shown:
        x.publisher_labels = names.get(x.publisher, {}) if x.publisher is not None else {}
    for p in pubs:
        p.labels = names.get(p.iri, {})
    return shown, pubs
