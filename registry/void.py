"""Descriptions for machines (Flask-free): the VoID description and the DCAT 3 catalog.

Both are computed from the public graphs only (see :mod:`registry.publishing.access`) and are cached by the
caller per access snapshot. The VoID counts (registry-wide, and per dataset version with class and
property partitions) are the statistics kept at each release (:mod:`registry.query.statistics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from registry.describe import new_graph
from registry.query import statistics
from registry.rdf.namespaces import DCAT, EF, EF_ONTOLOGY, SD
from registry.store import QueryDataset, Store

TITLE = {
    "en": "efreg: open registry of greenhouse-gas emission factors",
    "zh": "efreg：开放的温室气体排放因子登记库",
}
#: Vocabularies the data uses (namespace IRIs, as void:vocabulary expects).
VOCABULARIES = (
    "https://w3id.org/efreg/ontology#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/dcat#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://qudt.org/schema/qudt/",
    "http://www.w3.org/ns/prov#",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/2006/time#",
    "http://schema.org/",
)
IANA = "https://www.iana.org/assignments/media-types/"

DATASET_RECORDS = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?g ?p ?o WHERE { GRAPH ?g { ?g a dcat:Dataset ; ?p ?o } }"""
EXAMPLES = """PREFIX ef: <https://w3id.org/efreg/ontology#>
SELECT ?g (MIN(STR(?f)) AS ?first) WHERE { GRAPH ?g { ?f a ef:EmissionFactor } } GROUP BY ?g ORDER BY ?g"""


@dataclass(frozen=True)
class Urls:
    """Where things are served, from the base URI."""

    base: str

    @property
    def void(self) -> URIRef:
        return URIRef(self.base + "void")

    @property
    def registry(self) -> URIRef:
        return URIRef(self.base + "void#registry")

    @property
    def catalog(self) -> URIRef:
        return URIRef(self.base + "catalog")

    @property
    def sparql(self) -> URIRef:
        return URIRef(self.base + "sparql")

    @property
    def all_dump(self) -> URIRef:
        return URIRef(self.base + "dumps/all.nq.gz")

    def dataset_dump(self, dataset: str) -> URIRef:
        return URIRef(self.base + "dumps/" + dataset[len(self.base) :] + ".nq.gz")


HOLDINGS = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT
  (SUM(IF(?kind = 1, 1, 0)) AS ?factors)
  (SUM(IF(?kind = 2, 1, 0)) AS ?datasets)
  (SUM(IF(?kind = 3, 1, 0)) AS ?publishers)
WHERE {
  { ?s a ef:EmissionFactor BIND(1 AS ?kind) }
  UNION { ?s a dcat:Dataset ; dcat:version ?v BIND(2 AS ?kind) }
  UNION { ?s a foaf:Organization BIND(3 AS ?kind) }
}"""


def holdings(store: Store, graphs: Sequence[str]) -> dict[str, int]:
    """How many factors, dataset versions and publishers ``graphs`` hold (the home page's counts)."""
    rows = store.select(HOLDINGS, QueryDataset(default_graphs=tuple(graphs), named_graphs=()))
    row = rows[0] if rows else {}
    return {k: int(row[k]) if k in row else 0 for k in ("factors", "datasets", "publishers")}


def dataset_graphs(graphs: Sequence[str], base: str) -> list[str]:
    """The dataset version graphs among ``graphs`` (the catalog graph is not a dataset)."""
    return [g for g in graphs if g.startswith(base + "dataset/")]


def _named(graphs: Sequence[str]) -> QueryDataset:
    return QueryDataset(default_graphs=tuple(graphs), named_graphs=tuple(graphs))


def example_factors(store: Store, graphs: Sequence[str], count: int = 3) -> list[URIRef]:
    """Real factors to show: the first of each dataset in turn, then more of the first ones."""
    firsts = [URIRef(str(row["first"])) for row in store.select(EXAMPLES, _named(graphs)) if "first" in row]
    if len(firsts) >= count:
        return firsts[:count]
    extra = store.select(
        "PREFIX ef: <https://w3id.org/efreg/ontology#>\nSELECT ?f WHERE { GRAPH ?g "
        f"{{ ?f a ef:EmissionFactor }} }} ORDER BY ?f LIMIT {count * 2}",
        _named(graphs),
    )
    for row in extra:
        if URIRef(str(row["f"])) not in firsts and len(firsts) < count:
            firsts.append(URIRef(str(row["f"])))
    return firsts


def void_graph(store: Store, graphs: Sequence[str], base: str) -> Graph:
    """The VoID description of everything public."""
    urls = Urls(base)
    g = new_graph()
    g.bind("void", VOID)
    doc, ds = urls.void, urls.registry
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, FOAF.primaryTopic, ds))
    g.add((ds, RDF.type, VOID.Dataset))
    for lang, title in TITLE.items():
        g.add(
            (
                doc,
                DCTERMS.title,
                Literal("VoID description of " + title if lang == "en" else title + " VoID 描述", lang=lang),
            )
        )
        g.add((ds, DCTERMS.title, Literal(title, lang=lang)))
    g.add((ds, FOAF.homepage, URIRef(base)))
    g.add((ds, VOID.sparqlEndpoint, urls.sparql))
    g.add((ds, VOID.uriSpace, Literal(base)))
    g.add((ds, VOID.dataDump, urls.all_dump))
    g.add((ds, VOID.rootResource, urls.catalog))
    for vocabulary in VOCABULARIES:
        g.add((ds, VOID.vocabulary, URIRef(vocabulary)))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/RDF_XML")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Triples")))
    for example in example_factors(store, graphs):
        g.add((ds, VOID.exampleResource, example))

    stats = statistics.of_graphs(store, graphs)
    add_statistics(g, ds, statistics.summarize(stats.values()), registry=True)
    for graph in dataset_graphs(graphs, base):
        subset = URIRef(graph)
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        add_statistics(g, subset, stats[graph])
        g.add((subset, VOID.dataDump, urls.dataset_dump(graph)))
        g.add((subset, VOID.sparqlEndpoint, urls.sparql))
    return g


def add_statistics(g: Graph, ds: URIRef, stats: statistics.GraphStats, registry: bool = False) -> None:
    """The VoID counts of ``stats`` on ``ds``, with its class and property partitions. Registry-wide
    distinct objects are not additive over graphs (:mod:`registry.query.statistics`): given per
    subset only."""

    def number(n: int) -> Literal:
        return Literal(n, datatype=XSD.integer)

    g.add((ds, VOID.triples, number(stats.triples)))
    g.add((ds, VOID.entities, number(stats.entities)))
    g.add((ds, VOID.distinctSubjects, number(stats.subjects)))
    if not registry:
        g.add((ds, VOID.distinctObjects, number(stats.objects)))
    g.add((ds, VOID.classes, number(len(stats.classes))))
    g.add((ds, VOID.properties, number(len(stats.properties))))
    for cls, n in sorted(stats.classes.items()):
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, number(n)))
    for prop, p in sorted(stats.properties.items()):
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, number(p.triples)))
        g.add((part, VOID.distinctSubjects, number(p.subjects)))
        if not registry:
            g.add((part, VOID.distinctObjects, number(p.objects)))


#: Dataset record properties copied into the catalog.
CATALOG_PROPERTIES = frozenset(
    {
        RDF.type,
        RDFS.label,
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.identifier,
        DCAT.version,
        DCTERMS.isVersionOf,
        DCTERMS.publisher,
        DCTERMS.contributor,
        DCTERMS.license,
        DCTERMS.issued,
        DCTERMS.modified,
        DCTERMS.source,
        EF.accessLevel,
        EF.reviewStatus,
        EF.datasetType,
        DCAT.keyword,
        DCAT.theme,
        DCTERMS.spatial,
        DCTERMS.temporal,
    }
)


def catalog_graph(store: Store, graphs: Sequence[str], base: str) -> Graph:
    """The DCAT 3 catalog: every published dataset version with its distributions."""
    urls = Urls(base)
    g = new_graph()
    cat, service = urls.catalog, urls.sparql
    g.add((cat, RDF.type, DCAT.Catalog))
    for lang, title in TITLE.items():
        g.add((cat, DCTERMS.title, Literal(title, lang=lang)))
        g.add((cat, RDFS.label, Literal(title, lang=lang)))
    g.add((cat, FOAF.homepage, URIRef(base)))
    g.add((cat, DCTERMS.conformsTo, URIRef(EF_ONTOLOGY)))
    g.add((cat, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, RDF.type, SD.Service))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((service, RDFS.label, Literal("SPARQL 1.1 endpoint", lang="en")))
    g.add((service, RDFS.label, Literal("SPARQL 1.1 查询端点", lang="zh")))
    datasets = dataset_graphs(graphs, base)
    wanted = set(datasets)
    for row in store.select(DATASET_RECORDS, _named(datasets)):
        if str(row["g"]) in wanted and row["p"] in CATALOG_PROPERTIES and not isinstance(row["o"], BNode):
            g.add((URIRef(str(row["g"])), row["p"], row["o"]))
    for graph in datasets:
        dataset = URIRef(graph)
        g.add((cat, DCAT.dataset, dataset))
        g.add((service, DCAT.servesDataset, dataset))
        dump = URIRef(graph + "#nquads")
        g.add((dataset, DCAT.distribution, dump))
        g.add((dump, RDF.type, DCAT.Distribution))
        g.add((dump, DCTERMS.title, Literal("Gzipped N-Quads dump", lang="en")))
        g.add((dump, DCTERMS.title, Literal("gzip 压缩的 N-Quads 数据转储", lang="zh")))
        g.add((dump, DCAT.downloadURL, urls.dataset_dump(graph)))
        g.add((dump, DCAT.accessURL, urls.dataset_dump(graph)))
        g.add((dump, DCAT.mediaType, URIRef(IANA + "application/n-quads")))
        g.add((dump, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
        license_ = g.value(dataset, DCTERMS.license)
        if license_ is not None:
            g.add((dump, DCTERMS.license, license_))
        sparql = URIRef(graph + "#sparql")
        g.add((dataset, DCAT.distribution, sparql))
        g.add((sparql, RDF.type, DCAT.Distribution))
        g.add((sparql, DCTERMS.title, Literal("SPARQL endpoint (named graph)", lang="en")))
        g.add((sparql, DCTERMS.title, Literal("SPARQL 查询端点（命名图）", lang="zh")))
        g.add((sparql, DCAT.accessURL, service))
        g.add((sparql, DCAT.accessService, service))
    return g
