"""One gate: every path that writes data (``efreg load``, an upload over the HTTP API, a harvest, a
mapping set, the seeds) goes through :func:`registry.ingest.gate.admit`, so the same input gets the
same verdict and is stored as the same quads whichever way it came.

Each test sends data down one path, then the same data down ``efreg load`` (into another store with
the same seeds), and compares the verdicts and the stored graphs (blank nodes up to isomorphism;
the SHACL report the gate keeps with a dataset is part of the comparison)."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from registry.cli import main
from registry.config import Settings
from registry.ingest import IngestError, import_paths
from registry.ingest.gate import admit
from registry.ingest.quads import ImportData
from registry.ingest.seeds import load_seeds
from registry.mapping.sets import store_set
from registry.mapping.sssom import read_sssom
from registry.paths import seed_files
from registry.publishing import access
from registry.publishing.tokens import create_token, ensure_publisher
from registry.rdf.namespaces import RDF, SH
from registry.store import Store, open_store
from registry.store.meta import ensure_base_uri

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_factors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_factors)

DS = "acme-fuels"
#: What an upload states about the data anyway (its publisher, known to the registry, and the
#: access level), stated in the input so that ``efreg load`` reads the same triples.
UPLOAD_FORM = """
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<publisher/acme> a foaf:Organization , prov:Agent .
"""


def graph(store: Store, iri: str) -> Graph:
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def seeded(url: str = "memory:") -> Store:
    store = open_store(url)
    ensure_base_uri(store, BASE)
    load_seeds(store, BASE)
    return store


def loaded(store: Store, text: str, tmp_path: Path, name: str = "again.trig", **kw):
    """``text`` (TriG) through the load path into ``store``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    kw.setdefault("dataset_id", None)
    return import_paths(store, [path], format=None, base_uri=BASE, publisher=None, settings=Settings(), **kw)


def trig(store: Store, *graphs: str) -> str:
    buf = io.BytesIO()
    store.dump(buf, "trig", graphs=list(graphs))
    return buf.getvalue().decode("utf-8")


def results(report_json: dict) -> list[str]:
    """A verdict's results, comparable across runs (blank-node values named alike)."""
    out = []
    for r in report_json["results"]:
        r = dict(r, value="_:b" if str(r.get("value") or "").startswith("_:") else r.get("value"))
        out.append(json.dumps(r, sort_keys=True, ensure_ascii=False))
    return sorted(out)


def report_nodes(g: Graph) -> int:
    return len(set(g.subjects(RDF.type, SH.ValidationReport)))


def factor_table(ids: range, broken: bool = False) -> str:
    text = _factors.factors(DS, 1, "acme", ids).replace(
        "dct:issued", "ef:accessLevel ef:Open ;\n    dct:issued"
    )
    text = text.replace(
        "dct:publisher <publisher/acme> .", "dct:publisher <publisher/acme> ; ef:accessLevel ef:Open ."
    )
    if broken:
        text = text.replace("ef:activity <category/activity/natural-gas-combustion> ;", "", 1)
    return text + UPLOAD_FORM


@pytest.mark.parametrize("broken", [False, True], ids=["conforming", "violating"])
def test_load_and_the_upload_api_give_the_same_verdict_and_quads(live_server, store, tmp_path, broken):
    table = factor_table(range(3), broken)
    path = tmp_path / "table.ttl"
    path.write_text(table, encoding="utf-8")
    version = f"{BASE}dataset/{DS}/1"

    # the upload API (a real HTTP request to the app on `store`)
    ensure_publisher(store, BASE, "acme", "ACME")
    token = create_token(store, "acme", "publisher")
    r = requests.post(
        f"{live_server}api/datasets/{DS}/versions",
        data=table.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert r.status_code == (422 if broken else 201), r.text
    uploaded = r.json()

    # efreg load (the command, on an on-disk store with the same seeds)
    url = f"oxigraph://{tmp_path / 'loaded'}"
    seeded(url).close()
    report_path = tmp_path / "report.json"
    out = CliRunner().invoke(
        main,
        [
            "load",
            str(path),
            "--dataset",
            DS,
            "--report",
            str(report_path),
            "--store",
            url,
            "--base-uri",
            BASE,
        ],
    )
    assert out.exit_code == (1 if broken else 0), out.output
    by_load = json.loads(report_path.read_text(encoding="utf-8"))

    assert by_load["conforms"] is uploaded["report"]["conforms"] is (not broken)
    assert results(by_load) == results(uploaded["report"]) and by_load["results"]
    other = open_store(url)
    try:
        if broken:  # nothing stored on either path
            assert version not in store.graph_names() and version not in other.graph_names()
            return
        stored_by_load, stored_by_upload = graph(other, version), graph(store, version)
    finally:
        other.close()
    assert report_nodes(stored_by_upload) == 1 and len(stored_by_upload) > 60  # warnings kept
    assert isomorphic(stored_by_load, stored_by_upload)
    # the upload's own addition is its workflow record, written with the graph
    v = access.snapshot(store).versions[version]
    assert v.recorded and v.status == "Draft" and v.publisher == f"{BASE}publisher/acme"


def test_a_commercial_upload_splits_what_the_gate_stored(store, settings, tmp_path):
    """The same data as a commercial upload: the version graph and its values graph together hold
    exactly what ``efreg load`` stores (the SHACL report goes with the values)."""
    from registry.publishing import workflow
    from registry.publishing.tokens import authenticate

    ensure_publisher(store, BASE, "acme", "ACME")
    acme = authenticate(store, create_token(store, "acme", "publisher"))
    path = tmp_path / "table.ttl"
    path.write_text(factor_table(range(2)).replace("ef:Open", "ef:Commercial"), encoding="utf-8")
    outcome = workflow.upload(store, settings, acme, DS, [path], access_level="Commercial")
    assert outcome.stored and outcome.report.warnings
    version = outcome.graph
    description, values = graph(store, version), graph(store, version + "/values")
    assert report_nodes(description) == 0 and report_nodes(values) == 1

    other = seeded()
    out = loaded(other, path.read_text(encoding="utf-8"), tmp_path, "table.ttl", dataset_id=DS)
    assert out.stored and results(out.report.to_json()) == results(outcome.report.to_json())
    assert isomorphic(graph(other, version), description + values)


@pytest.fixture
def partner(virtuoso_server, tmp_path: Path) -> str:
    """Virtuoso holding the ECFO test dataset: the partner a harvest reads."""
    from store_fixtures import empty_virtuoso_store

    empty_virtuoso_store(virtuoso_server).close()
    ds = Dataset()
    target = ds.graph(URIRef("https://example.org/ecfkg-test/graph/one-gate"))
    for t in Graph().parse(DATA / "mapping" / "ecfo-factors.ttl", format="turtle"):
        target.add(t)
    path = tmp_path / "ecfo.nq"
    path.write_bytes(ds.serialize(format="nquads", encoding="utf-8"))
    virtuoso_server.bulk_load(path)
    virtuoso_server.open_to_anyone("https://example.org/ecfkg-test/graph/one-gate")
    return virtuoso_server.sparql_url


def test_a_harvest_stores_what_load_stores(store, settings, partner, tmp_path):
    from registry.federation.harvest import harvest

    sources = read_sssom(
        (DATA / "mapping" / "partner-sources.sssom.tsv").read_text(encoding="utf-8"), set_id="ps"
    )
    store_set(store, sources, BASE)
    report = harvest(
        store,
        partner,
        dataset_id="partner-ecfo",
        publisher="partner-kg",
        settings=settings,
        explicit=True,
        publisher_name="Test partner KG",
        license=f"{BASE}license/ipcc",
        gwp_set="AR5-GWP100",
    )
    assert report.stored and report.factors == 3
    harvested = graph(store, report.dataset_iri)
    assert report.warnings and report_nodes(harvested) == 1  # a harvest keeps its warnings now

    other = seeded()
    store_set(other, sources, BASE)
    out = loaded(other, trig(store, report.dataset_iri), tmp_path)
    assert out.stored and out.result.dataset_iris == [report.dataset_iri]
    assert len(out.report.warnings) == report.warnings
    assert isomorphic(graph(other, report.dataset_iri), harvested)


@pytest.mark.parametrize("validator", ["fast", "pyshacl"])
def test_a_mapping_set_stores_what_load_stores(store, tmp_path, validator):
    text = (DATA / "mapping" / "partner-sources.sssom.tsv").read_text(encoding="utf-8")
    outcome = store_set(store, read_sssom(text, set_id="partner"), BASE, validator=validator)
    assert outcome.stored == 2 and outcome.version == 1
    stored = graph(store, outcome.dataset_iri)

    other = seeded()
    out = loaded(other, trig(store, outcome.dataset_iri), tmp_path)
    assert out.stored and out.report.conforms
    assert isomorphic(graph(other, outcome.dataset_iri), stored)
    # a second version is picked by the gate on both paths alike
    again = store_set(store, read_sssom("\n".join(text.splitlines()[:-2]) + "\n", set_id="partner"), BASE)
    assert again.version == 2 and again.dataset_iri == f"{BASE}dataset/partner/2"


def test_the_seeds_are_stored_as_load_stores_them(store, tmp_path):
    other = open_store("memory:")
    ensure_base_uri(other, BASE)
    out = import_paths(
        other,
        seed_files(),
        format="trig",
        base_uri=BASE,
        publisher=None,
        dataset_id=None,
        settings=Settings(),
    )
    assert out.stored and out.report.conforms and out.report.warnings
    seeds = [g for g in store.graph_names() if g.startswith(BASE + "dataset/")]
    assert sorted(seeds) == sorted(out.result.dataset_iris)
    for name in seeds:
        assert isomorphic(graph(store, name), graph(other, name)), name
    # the catalog was refreshed on both
    assert isomorphic(graph(store, BASE + "catalog"), graph(other, BASE + "catalog"))


def test_the_gate_picks_the_version_and_never_overwrites_one(store):
    names: list[str] = []

    def build(next_version):
        iri = f"{BASE}dataset/{DS}/{next_version(DS)}"
        names.append(iri)
        data = ImportData()
        data.graph(iri).add((URIRef(iri), RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))
        return data

    first = admit(store, build, base_uri=BASE, dry_run=True)
    assert not first.stored and first.graphs == [f"{BASE}dataset/{DS}/1"]
    seed = f"{BASE}dataset/ipcc-gwp100/1"
    before = store.graphs()
    with pytest.raises(IngestError, match="immutable"):
        admit(store, lambda _next: _one(seed), base_uri=BASE)
    with pytest.raises(IngestError, match="dataset graphs"):
        admit(store, lambda _next: _one(BASE + "catalog"), base_uri=BASE)
    assert store.graphs() == before
    unchanged = admit(store, lambda _next: None, base_uri=BASE)
    assert unchanged.unchanged and not unchanged.stored and store.graphs() == before


def _one(iri: str) -> ImportData:
    data = ImportData()
    data.graph(iri).add((URIRef(iri), RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))
    return data
