"""Harvesting an ECFO-vocabulary dataset from a real Virtuoso 7, and every way an endpoint can fail."""
# ruff: noqa: F811  (the stub_endpoint fixture imported from http_stub is a parameter here)

from __future__ import annotations

import socket
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from http_stub import stub_endpoint  # noqa: F401  (fixture)
from rdflib import Dataset, Graph, Literal, URIRef

from registry.config import Settings
from registry.ecfo.profile import render_ecfo
from registry.federation.harvest import HarvestError, HarvestRefused, harvest
from registry.mapping.sets import store_set
from registry.mapping.sssom import read_sssom
from registry.rdf.namespaces import DCT, ECFO, EF, PROV, RDF, XSD

from conftest import BASE, DATA, free_port

ECFO_FILE = DATA / "mapping" / "ecfo-factors.ttl"
PARTNER = "https://example.org/ecfkg-test/i/"
IPCC_LICENSE = f"{BASE}license/ipcc"


def graph_of(store, iri: str) -> Graph:
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def dataset_graphs(store, dataset_id: str) -> list[str]:
    return sorted(g for g in store.graphs() if g.startswith(f"{BASE}dataset/{dataset_id}/"))


def load_into_virtuoso(server, graph: Graph, tmp_path: Path, name: str) -> None:
    from store_fixtures import empty_virtuoso_store

    empty_virtuoso_store(server).close()
    ds = Dataset()
    target = ds.graph(URIRef(f"https://example.org/ecfkg-test/graph/{name}"))
    for t in graph:
        target.add(t)
    path = tmp_path / f"{name}.nq"
    path.write_bytes(ds.serialize(format="nquads", encoding="utf-8"))
    server.bulk_load(path)
    server.open_to_anyone(str(target.identifier))


@pytest.fixture
def partner(virtuoso_server, tmp_path: Path) -> str:
    """Virtuoso loaded with the ECFO test dataset; its anonymous SPARQL endpoint."""
    load_into_virtuoso(virtuoso_server, Graph().parse(ECFO_FILE, format="turtle"), tmp_path, "ecfo-factors")
    return virtuoso_server.sparql_url


@pytest.fixture
def mapped_store(store):
    """The seeded store plus the partner's source mappings (natural gas → our natural-gas combustion)."""
    text = (DATA / "mapping" / "partner-sources.sssom.tsv").read_text(encoding="utf-8")
    store_set(store, read_sssom(text, set_id="partner-sources"), BASE)
    return store


def test_harvest_from_virtuoso_conforms_and_keeps_provenance(
    mapped_store, partner: str, settings: Settings
) -> None:
    allowed = replace(settings, service_allowlist=(partner,))
    report = harvest(
        mapped_store,
        partner,
        dataset_id="partner-ecfo",
        publisher="partner-kg",
        settings=allowed,
        publisher_name="Test partner KG",
        license=IPCC_LICENSE,
        gwp_set="AR5-GWP100",
        page_size=2,
    )  # 7 records, 4 pages
    assert report.read == 7 and report.factors == 3 and report.stored and report.version == 1
    unconverted = dict(report.unconverted)
    assert set(unconverted) == {PARTNER + "CF_90", PARTNER + "CF_91"}
    assert (
        "location <http://www.wikidata.org/entity/Q145> matches no geography"
        in unconverted[PARTNER + "CF_90"]
    )
    assert "source unit <http://qudt.org/vocab/unit/BTU_IT>" in unconverted[PARTNER + "CF_91"]

    ds_iri = f"{BASE}dataset/partner-ecfo/1"
    g = graph_of(mapped_store, ds_iri)
    ds = URIRef(ds_iri)
    assert (ds, PROV.wasDerivedFrom, URIRef(partner)) in g
    assert g.value(ds, PROV.generatedAtTime).toPython().isoformat().startswith(report.harvested_at[:16])
    assert (ds, DCT.publisher, URIRef(f"{BASE}publisher/partner-kg")) in g

    # CF_1..3 (one activity, place, period) became one factor with three components, on our concepts
    gas_factor = URIRef(f"{BASE}factor/partner-ecfo-CF_1/1")
    assert (gas_factor, RDF.type, EF.EmissionFactor) in g
    assert g.value(gas_factor, EF.activity) == URIRef(f"{BASE}category/activity/natural-gas-combustion")
    assert g.value(gas_factor, EF.geography) == URIRef(f"{BASE}geo/GLO")
    assert str(g.value(gas_factor, EF.referenceYear)) == "2006"
    assert g.value(gas_factor, EF.boundary) == EF.Combustion
    assert g.value(gas_factor, EF.calorificBasis) == EF.NetCalorificValue
    values = {
        str(g.value(c, EF.gas)).rsplit("/", 1)[-1]: g.value(c, EF.value).toPython()
        for c in g.objects(gas_factor, EF.component)
    }
    assert values == {"CO2": Decimal("56100"), "CH4": Decimal("1"), "N2O": Decimal("0.1")}
    assert set(g.objects(gas_factor, PROV.wasDerivedFrom)) == {URIRef(PARTNER + f"CF_{n}") for n in (1, 2, 3)}
    # CF_4: China 2022 grid average 0.5366 kg CO2/kWh, scope 2
    grid = URIRef(f"{BASE}factor/partner-ecfo-CF_4/1")
    assert g.value(grid, EF.geography) == URIRef(f"{BASE}geo/CN")
    assert g.value(grid, EF.ghgScope) == EF.Scope2
    [component] = list(g.objects(grid, EF.component))
    assert g.value(component, EF.value).toPython() == Decimal("0.5366")
    assert g.value(component, EF.unit) == URIRef(f"{BASE}unit/KiloGM-PER-KiloW-HR")

    # the stored dataset passes the shapes on its own
    from registry.validation.reference import validate

    check = Dataset()
    for t in g:
        check.graph(ds).add(t)
    assert validate(check, base_iri=BASE).conforms

    # harvesting again: nothing changed, no new version
    again = harvest(
        mapped_store,
        partner,
        dataset_id="partner-ecfo",
        publisher="partner-kg",
        settings=allowed,
        publisher_name="Test partner KG",
        license=IPCC_LICENSE,
        gwp_set="AR5-GWP100",
    )
    assert again.unchanged and not again.stored and again.version == 1
    assert dataset_graphs(mapped_store, "partner-ecfo") == [ds_iri]


def test_a_change_at_the_partner_makes_a_new_version(
    mapped_store, virtuoso_server, tmp_path: Path, settings: Settings
) -> None:
    g = Graph().parse(ECFO_FILE, format="turtle")
    load_into_virtuoso(virtuoso_server, g, tmp_path, "v1")
    url = virtuoso_server.sparql_url
    first = harvest(
        mapped_store,
        url,
        dataset_id="p",
        publisher="partner-kg",
        settings=settings,
        explicit=True,
        license=IPCC_LICENSE,
    )
    g.set((URIRef(PARTNER + "CF_4"), RDF.value, Literal("0.5367", datatype=XSD.decimal)))
    load_into_virtuoso(virtuoso_server, g, tmp_path, "v2")
    second = harvest(
        mapped_store,
        url,
        dataset_id="p",
        publisher="partner-kg",
        settings=settings,
        explicit=True,
        license=IPCC_LICENSE,
    )
    assert (first.version, second.version, second.stored) == (1, 2, True)
    new = graph_of(mapped_store, second.dataset_iri)
    assert (URIRef(second.dataset_iri), PROV.wasRevisionOf, URIRef(first.dataset_iri)) in new
    [component] = list(new.objects(URIRef(f"{BASE}factor/p-CF_4/2"), EF.component))
    assert str(new.value(component, EF.value)) == "0.5367"


def test_our_factors_round_trip_through_ecfo(
    store, virtuoso_server, tmp_path: Path, settings: Settings
) -> None:
    """Our seed factors rendered in ECFO terms, served by Virtuoso, harvested back: same numbers."""
    factors = [
        str(r["f"])
        for r in store.select(
            f"SELECT ?f WHERE {{ GRAPH <{BASE}dataset/cn-mee-electricity-2021-2022/1> {{ ?f a <{EF.EmissionFactor}> }} }}"
        )
    ]
    ecfo = render_ecfo(store, factors)
    assert len(set(ecfo.subjects(RDF.type, ECFO.EmissionConversionFactor))) == len(factors)
    load_into_virtuoso(virtuoso_server, ecfo, tmp_path, "round-trip")
    report = harvest(
        store,
        virtuoso_server.sparql_url,
        dataset_id="cn-again",
        publisher="mee",
        settings=settings,
        explicit=True,
    )
    assert report.unconverted == [] and report.factors == len(factors) and report.stored
    original = {
        str(r["geo"]) + str(r["y"]) + str(r["act"]): str(r["v"])
        for r in store.select(f"""
        SELECT ?geo ?y ?act ?v WHERE {{ GRAPH ?g {{ ?f <{EF.geography}> ?geo ; <{EF.referenceYear}> ?y ;
        <{EF.activity}> ?act ; <{EF.component}>/<{EF.value}> ?v }}
        FILTER(?g IN (<{BASE}dataset/cn-mee-electricity-2021-2022/1>, <{report.dataset_iri}>)) }}""")
    }
    harvested = graph_of(store, report.dataset_iri)
    back = {
        str(harvested.value(f, EF.geography))
        + str(harvested.value(f, EF.referenceYear))
        + str(harvested.value(f, EF.activity)): str(
            harvested.value(harvested.value(f, EF.component), EF.value)
        )
        for f in harvested.subjects(RDF.type, EF.EmissionFactor)
    }
    assert back and all(original[k] == v for k, v in back.items())


# --- failures: real local HTTP servers that misbehave --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "location", "message"),
    [
        (
            200,
            b"<html><body>Welcome!</body></html>",
            None,
            "did not answer SPARQL results JSON (it began '<html>",
        ),
        (200, b'{"head": {}, "boolean": true}', None, "not a SPARQL SELECT result"),
        (
            200,
            b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "urn:a"}}]}}',
            None,
            "rows without ?cf",
        ),
        (503, b"overloaded", None, "answered HTTP 503"),
        (302, b"", "http://elsewhere.example/sparql", "answered HTTP 302"),
    ],
)
def test_an_endpoint_that_misbehaves_is_a_clear_error_and_stores_nothing(
    store, settings: Settings, stub_endpoint, status: int, body: bytes, location: str | None, message: str
) -> None:
    url, handler = stub_endpoint
    handler.status, handler.body, handler.location = status, body, location
    with pytest.raises(HarvestError) as err:
        harvest(store, url, dataset_id="bad", publisher="x", settings=settings, explicit=True)
    assert message in str(err.value)
    assert dataset_graphs(store, "bad") == []


def test_an_endpoint_that_is_down(store, settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(HarvestError, match="cannot be reached"):
        harvest(store, url, dataset_id="bad", publisher="x", settings=settings, explicit=True)
    assert dataset_graphs(store, "bad") == []


def test_an_endpoint_that_is_too_slow(store, settings: Settings) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections (the kernel does) and never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        with pytest.raises(HarvestError, match="did not answer within 1 s"):
            harvest(
                store,
                url,
                dataset_id="bad",
                publisher="x",
                settings=replace(settings, service_timeout=1.0),
                explicit=True,
            )
    finally:
        listener.close()
    assert dataset_graphs(store, "bad") == []


def test_an_endpoint_not_on_the_allow_list_is_never_contacted(
    store, settings: Settings, stub_endpoint
) -> None:
    url, handler = stub_endpoint
    with pytest.raises(HarvestRefused, match="not on the allow-list"):
        harvest(store, url, dataset_id="bad", publisher="x", settings=settings)
    assert handler.hits == []
    with pytest.raises(HarvestRefused, match="http"):
        harvest(
            store, "file:///etc/passwd", dataset_id="bad", publisher="x", settings=settings, explicit=True
        )


def test_records_without_license_or_gwp_are_reported(mapped_store, partner: str, settings: Settings) -> None:
    with pytest.raises(HarvestError, match="none of the 7 conversion factor"):
        harvest(mapped_store, partner, dataset_id="nolic", publisher="x", settings=settings, explicit=True)
    assert dataset_graphs(mapped_store, "nolic") == []
