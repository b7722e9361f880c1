"""VoID, the DCAT catalog, the ontology and shapes, dumps, search, lists and the bilingual pages."""

from __future__ import annotations

import gzip
import json
from html.parser import HTMLParser

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, VOID

from registry.publishing import access
from registry.publishing.catalog import refresh_versions
from registry.rdf.namespaces import DCAT, EF

from conftest import BASE, DATA, ROOT


@pytest.fixture
def store(store):
    store.load(DATA / "web" / "revision.trig", "trig", base_iri=BASE)
    refresh_versions(store, BASE)
    return store


class Ids(HTMLParser):
    """The element ids and link targets of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def turtle(client, path: str) -> Graph:
    response = client.get(path)
    assert response.status_code == 200, path
    return Graph().parse(data=response.data, format="turtle")


def test_access_public_graphs(store):
    public = access.public_graphs(store)
    assert BASE + "catalog" in public
    assert BASE + "dataset/ipcc2006-v2-ch2-t2.2/2" in public
    assert BASE + "dataset/draft-test/1" not in public
    assert access.readable_graphs(store) == public


def test_void(client, store):
    assert client.get("/.well-known/void").headers["Location"] == "/void"
    assert client.get("/void", headers={"Accept": "text/turtle"}).headers["Location"] == "/void.ttl"
    graph = turtle(client, "/void.ttl")
    ds = URIRef(BASE + "void#registry")
    assert (ds, RDF.type, VOID.Dataset) in graph
    assert graph.value(ds, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert str(graph.value(ds, VOID.uriSpace)) == BASE
    assert graph.value(ds, VOID.dataDump) == URIRef(BASE + "dumps/all.nq.gz")
    examples = set(graph.objects(ds, VOID.exampleResource))
    assert len(examples) >= 3
    for example in examples:  # real factors that dereference
        assert client.get("/" + example[len(BASE) :] + ".ttl").status_code == 200
    public = access.public_graphs(store)
    counts = store.graphs()
    assert int(graph.value(ds, VOID.triples)) == sum(counts[g] for g in public)
    classes = {
        graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
        for p in graph.objects(ds, VOID.classPartition)
    }
    factors = {
        str(row["f"])
        for row in store.select(
            "SELECT DISTINCT ?f WHERE { GRAPH ?g { ?f a <https://w3id.org/efreg/ontology#EmissionFactor> } }"
        )
    }
    assert BASE + "factor/draft-secret/1" in factors  # in the store, but not public
    assert classes[EF.EmissionFactor] == len(factors) - 1
    properties = {graph.value(p, VOID.property) for p in graph.objects(ds, VOID.propertyPartition)}
    assert EF.component in properties
    assert URIRef("https://w3id.org/efreg/ontology#") in set(graph.objects(ds, VOID.vocabulary))
    subsets = set(graph.objects(ds, VOID.subset))
    assert URIRef(BASE + "dataset/draft-test/1") not in subsets
    assert URIRef(BASE + "dataset/ipcc-gwp100/1") in subsets


def test_catalog_lists_every_published_dataset_with_distributions(client, store):
    graph = turtle(client, "/catalog.ttl")
    catalog = URIRef(BASE + "catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    datasets = set(graph.objects(catalog, DCAT.dataset))
    expected = {URIRef(g) for g in access.public_graphs(store) if "/dataset/" in g}
    assert datasets == expected and URIRef(BASE + "dataset/draft-test/1") not in datasets
    for dataset in datasets:
        assert graph.value(dataset, DCTERMS.title) is not None
        downloads = [graph.value(d, DCAT.downloadURL) for d in graph.objects(dataset, DCAT.distribution)]
        dump = next(d for d in downloads if d is not None)
        assert client.get("/" + dump[len(BASE) :]).status_code == 200
    assert (
        client.get("/catalog", headers={"Accept": "application/ld+json"}).headers["Location"]
        == "/catalog.jsonld"
    )


def test_dumps_are_streamed_gzipped_nquads_with_etag(client, store):
    response = client.get("/dumps/all.nq.gz")
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert response.is_streamed
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(response.data), format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert graphs == set(access.public_graphs(store))
    assert sum(len(g) for g in dataset.graphs()) == sum(store.graphs()[g] for g in graphs)
    etag = response.headers["ETag"]
    assert client.get("/dumps/all.nq.gz", headers={"If-None-Match": etag}).status_code == 304
    one = client.get("/dumps/dataset/ipcc-gwp100/1.nq.gz")
    part = Dataset()
    part.parse(data=gzip.decompress(one.data), format="nquads")
    assert {str(g.identifier) for g in part.graphs() if len(g)} == {BASE + "dataset/ipcc-gwp100/1"}
    assert one.headers["ETag"] != etag
    assert client.get("/dumps/dataset/draft-test/1.nq.gz").status_code == 404
    assert client.get("/dumps/dataset/..%2F..%2Fx.nq.gz").status_code == 404
    assert "/dumps/dataset/ipcc-gwp100/1.nq.gz" in Ids(client.get("/dumps/").get_data(as_text=True)).hrefs


def test_ontology_documents_and_terms(client):
    assert client.get("/ontology", headers={"Accept": "text/turtle"}).headers["Location"] == "/ontology.ttl"
    source = Graph().parse(ROOT / "ontology" / "efreg.ttl")
    for suffix, fmt in ((".ttl", "turtle"), (".rdf", "xml"), (".nt", "nt")):
        served = Graph().parse(data=client.get("/ontology" + suffix).data, format=fmt)
        assert len(served) == len(source)
    html = client.get("/ontology.html").get_data(as_text=True)
    ids = Ids(html).ids
    terms = {
        str(s)[len(str(EF)) :]
        for s in source.subjects(RDF.type, None)
        if isinstance(s, URIRef)
        and str(s).startswith(str(EF))
        and set(source.objects(s, RDF.type)) & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    }
    assert terms and terms <= ids
    response = client.get("/ontology/EmissionFactor", headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["Location"] == "/ontology.html#EmissionFactor"
    assert client.get("/ontology/NoSuchTerm").status_code == 404
    assert client.get("/ontology.exe").status_code == 404


def test_shapes_documents(client):
    source = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        source.parse(path)
    served = Graph().parse(data=client.get("/shapes.ttl").data, format="turtle")
    assert len(served) == len(source)
    assert (
        client.get("/shapes", headers={"Accept": "application/rdf+xml"}).headers["Location"] == "/shapes.rdf"
    )


def test_search_labels_in_both_languages_with_facets(client):
    english = client.get("/search?q=natural+gas").get_data(as_text=True)
    chinese = client.get("/search?q=天然气").get_data(as_text=True)
    for page in (english, chinese):
        hrefs = Ids(page).hrefs
        assert "/factor/ipcc2006-t2.2-natural-gas/1" in hrefs
        assert "/factor/ipcc2006-t2.2-natural-gas/2" in hrefs
        assert "/factor/draft-secret/1" not in hrefs
    ids = Ids(english).ids
    assert {"facet-publisher", "facet-geo", "facet-gas", "facet-category"} <= ids
    # a facet narrows: China's provinces are under geo/CN, the IPCC factors are global
    china = Ids(client.get("/search?geo=CN").get_data(as_text=True)).hrefs
    assert any(h.startswith("/factor/cn-mee-") for h in china)
    assert not any(h.startswith("/factor/ipcc2006") for h in china)
    n2o = Ids(client.get("/search?gas=N2O").get_data(as_text=True)).hrefs
    assert any(h.startswith("/factor/ipcc2006") for h in n2o) and not any(
        h.startswith("/factor/cn-") for h in n2o
    )
    for nonsense in (
        "/search?page=abc",
        "/search?page=-5",
        "/search?q=" + "x" * 5000,
        "/search?geo=..%2F..",
        "/search?q=%22%27%3E%3C%7B%7D%5C",
    ):
        assert client.get(nonsense).status_code == 200


def test_search_pagination(client):
    first = Ids(client.get("/search").get_data(as_text=True)).hrefs
    second = Ids(client.get("/search?page=2").get_data(as_text=True)).hrefs
    factors = lambda hrefs: {h for h in hrefs if h.startswith("/factor/") and h != "/factor/"}  # noqa: E731
    assert len(factors(first)) == 20 and factors(second) and not factors(first) & factors(second)


def test_lists(client):
    hrefs = Ids(client.get("/gas/").get_data(as_text=True)).hrefs
    assert "/gas/CO2" in hrefs and "/gas/N2O" in hrefs
    assert "/dataset/draft-test/1" not in Ids(client.get("/dataset/").get_data(as_text=True)).hrefs


def test_language_from_header_switch_and_cookie(client):
    path = "/factor/ipcc2006-t2.2-natural-gas/2.html"
    english = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Gas breakdown" in english
    chinese = client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh">' in chinese and "按气体分列" in chinese
    switched = client.get(path + "?lang=zh", headers={"Accept-Language": "en"})
    assert "按气体分列" in switched.get_data(as_text=True)
    assert "lang=zh" in switched.headers["Set-Cookie"]
    # the cookie now keeps Chinese on pages without ?lang
    assert '<html lang="zh">' in client.get("/gas/CO2.html", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_factor_page_shows_everything(client):
    html = client.get("/factor/ipcc2006-t2.2-natural-gas/2.html?lang=en").get_data(as_text=True)
    ids = Ids(html)
    assert {
        "value",
        "gases",
        "where",
        "provenance",
        "quality",
        "versions",
        "mappings",
        "cite",
        "data",
        "sparql",
    } <= ids.ids
    assert "kilogram per terajoule" in html and "56,200" in html
    assert "Table 2.2" in html
    assert "/factor/ipcc2006-t2.2-natural-gas/1" in ids.hrefs
    assert "/geo/GLO" in ids.hrefs and "/publisher/ipcc" in ids.hrefs
    for suffix in (".ttl", ".jsonld", ".rdf", ".nt"):
        assert "/factor/ipcc2006-t2.2-natural-gas/2" + suffix in ids.hrefs
    assert any(h.startswith("/sparql?query=") for h in ids.hrefs)


def test_context_document(client):
    response = client.get("/context.jsonld")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    context = json.loads(response.data)["@context"]
    assert context["ef"] == str(EF) and context["value"]["@type"].endswith("#decimal")
    assert (
        client.get("/context.jsonld", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    )


def test_home_page_has_search_and_counts(client):
    html = client.get("/", headers={"Accept": "text/html", "Accept-Language": "zh"}).get_data(as_text=True)
    ids = Ids(html)
    assert {"home-search", "count-factors", "lang-switch"} <= ids.ids
    assert "排放因子" in html
