"""The gate's own write path (``ImportData`` → pyoxigraph quads, one transaction) stores what the
rdflib round trip stored (rdflib ``Dataset`` + report graph → N-Quads → ``Store.load``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from registry.config import Settings
from registry.ingest import IngestError, import_paths, read_paths
from registry.ingest.quads import ImportData
from registry.rdf.namespaces import EF, RDF, SH
from registry.store import open_store
from registry.validation.fast import validate_fast

DATA = Path(__file__).resolve().parent / "data" / "ingest"
BASE = "http://localhost:8080/"
ELEC_XML = DATA / "tiangong" / "processes" / "aef876a0-dd1f-4e00-97c5-3e59a0cfb6ac.xml"


def _graphs(store, names: list[str]) -> Dataset:
    ds = Dataset()
    for name in names:
        ds.graph(URIRef(name)).parse(
            data=store.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            ).serialize(format="nt"),
            format="nt",
        )
    return ds


def _old_gate(paths: list[Path], **kw) -> tuple[object, list[str]]:
    """The gate as it was: rdflib Dataset, report graph added to every graph, N-Quads into the store."""
    store = open_store("memory:")
    result = read_paths(paths, base_uri=BASE, publisher=None, settings=Settings(), **kw)
    ds = result.dataset
    report = validate_fast(ds, base_iri=BASE)
    assert report.conforms
    if report.warnings:
        nodes = list(report.graph.subjects(RDF.type, SH.ValidationReport))
        for g in result.dataset_iris:
            target = ds.graph(URIRef(g))
            target.addN((s, p, o, target) for s, p, o in report.graph)
            for node in nodes:
                target.add((URIRef(g), EF.validationReport, node))
    store.load(ds.serialize(format="nquads", encoding="utf-8"), "nquads")
    return store, result.dataset_iris


@pytest.mark.parametrize(
    ("paths", "kw"),
    [
        ([ELEC_XML], {"format": None, "dataset_id": None}),
        ([DATA / "oefdb" / "oefdb-slice.csv"], {"format": None, "dataset_id": "slice"}),
    ],
)
def test_the_gate_stores_what_the_rdflib_round_trip_stored(paths: list[Path], kw: dict) -> None:
    old, names = _old_gate(paths, **kw)
    new = open_store("memory:")
    generation = new.generation
    out = import_paths(new, paths, base_uri=BASE, publisher=None, settings=Settings(), **kw)
    assert out.stored and out.result.dataset_iris == names and new.generation > generation
    assert out.report.warnings  # the report (with blank nodes shared with the data) is stored too
    for name in names:
        before, after = _graphs(old, [name]).graph(URIRef(name)), _graphs(new, [name]).graph(URIRef(name))
        assert len(before) == len(after) and isomorphic(before, after), name


def test_rdf_input_keeps_rdflib_terms_and_blank_nodes(tmp_path: Path) -> None:
    path = tmp_path / "x.trig"
    path.write_text(f"""@prefix ex: <http://example.org/> .
ex:a ex:p "01"^^<http://www.w3.org/2001/XMLSchema#integer>, "x", "y"@en, _:b .
_:b ex:q ex:c .
<{BASE}dataset/other/1> {{ ex:d ex:p _:b2 . _:b2 ex:q 1 . ex:d ex:p "z" . }}
""")
    result = read_paths(
        [path], format=None, base_uri=BASE, dataset_id="mine", publisher=None, settings=Settings()
    )
    assert result.read == 8 and result.dataset_iris == [f"{BASE}dataset/mine/1", f"{BASE}dataset/other/1"]
    g = result.dataset.graph(URIRef(f"{BASE}dataset/mine/1"))
    ex = "http://example.org/"
    assert (URIRef(ex + "a"), URIRef(ex + "p"), Literal("x")) in g  # xsd:string → plain literal
    assert (URIRef(ex + "a"), URIRef(ex + "p"), Literal("y", lang="en")) in g
    (b,) = [o for o in g.objects(URIRef(ex + "a"), URIRef(ex + "p")) if isinstance(o, BNode)]
    assert (b, URIRef(ex + "q"), URIRef(ex + "c")) in g
    quads = result.data.to_pyoxigraph()
    assert len(quads) == 8
    assert (
        len(
            {
                q.object
                for q in quads
                if q.predicate.value == ex + "p" and type(q.object).__name__ == "BlankNode"
            }
            | {q.subject for q in quads if q.predicate.value == ex + "q"}
        )
        == 2
    )  # one ox node per rdflib one


def test_blank_node_graph_and_missing_dataset_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.nq"
    path.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> _:g .\n")
    with pytest.raises(IngestError, match="blank node"):
        read_paths([path], format=None, base_uri=BASE, dataset_id=None, publisher=None, settings=Settings())
    path.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n")
    with pytest.raises(IngestError, match="no named graph"):
        read_paths([path], format=None, base_uri=BASE, dataset_id=None, publisher=None, settings=Settings())


def test_import_data_graph_operations() -> None:
    data = ImportData()
    g = data.graph(BASE + "g")
    a, p, q = URIRef("http://example.org/a"), URIRef("http://example.org/p"), URIRef("http://example.org/q")
    g.add((a, p, Literal("1")))
    g.add((a, p, Literal("1")))
    g.add((a, q, Literal("2")))
    assert (
        len(g) == 2 and (a, p, Literal("1")) in g and (a, p, None) in g and (a, URIRef(BASE), None) not in g
    )
    assert list(g.objects(a, q)) == [Literal("2")] and list(g.subjects(q, Literal("2"))) == [a]
    g.remove((a, p, None))
    assert list(g) == [(a, q, Literal("2"))] and list(g.objects(a, p)) == []
    g.add((a, p, Literal("3")))
    assert list(g.objects(a, p)) == [Literal("3")]
    data.attach([(a, p, Literal("r"))], [BASE + "g", BASE + "h"])
    assert {str(q.graph_name.value) for q in data.to_pyoxigraph()} == {BASE + "g", BASE + "h"}
    assert len(list(data.to_dataset().quads((None, None, None, None)))) == 4


def test_an_iri_pyoxigraph_refuses_is_an_ingest_error(tmp_path: Path) -> None:
    from registry.ingest.gate import _store

    data = ImportData()
    data.graph(BASE + "g").add((URIRef("http://example.org/a b"), RDF.type, EF.EmissionFactor))
    with pytest.raises(IngestError, match="not a valid RDF term"):
        _store(open_store("memory:"), data)


def test_triple_graph_removes_one_subjects_triples_one_by_one():
    """Removing a subject's triples one at a time (as the values split does for a report with
    thousands of results) leaves every look-up by subject, pattern and triple right."""
    from registry.ingest.quads import TripleGraph

    g = TripleGraph(URIRef("urn:g"))
    report, other = URIRef("urn:report"), URIRef("urn:other")
    results = [(report, SH.result, URIRef(f"urn:r{i}")) for i in range(2000)]
    for t in results:
        g.add(t)
    g.add((other, RDF.type, SH.ValidationReport))
    assert len(list(g.triples((report, None, None)))) == 2000  # builds the subject index
    for t in results[:1500]:
        g.remove(t)
    assert list(g.triples((report, None, None))) == results[1500:]
    assert results[0] not in g and results[1999] in g
    assert list(g.triples(results[1999])) == [results[1999]] and list(g.triples(results[0])) == []
    g.remove((report, SH.result, None))
    assert len(g) == 1 and list(g.subjects(RDF.type, SH.ValidationReport)) == [other]
    g.add(results[3])
    assert list(g.objects(report, SH.result)) == [results[3][2]]
