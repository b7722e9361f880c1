"""The crosswalk API, SSSOM downloads and factors in the ECFO profile, over the Flask test client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Graph, URIRef

from registry.mapping.sets import store_set
from registry.mapping.sssom import read_sssom
from registry.rdf.namespaces import ECFO, RDF, TIME, XSD

from conftest import BASE, DATA

NATURAL_GAS = f"{BASE}factor/ipcc2006-t2.2-natural-gas/1"


def test_crosswalk_from_an_isic_code_finds_the_ipcc_seed_factors(client) -> None:
    r = client.get(
        "/api/crosswalk",
        query_string={"scheme": "isic4", "code": "3510"},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["concept"] == f"{BASE}category/isic4/3510"
    factors = {m["factor"] for m in body["factors"]}
    assert NATURAL_GAS in factors and len(factors) == 19  # every IPCC 2006 Table 2.2 factor (category 1.A.1)
    match = next(m for m in body["factors"] if m["factor"] == NATURAL_GAS)
    assert (
        match["concept"] == f"{BASE}category/ipcc2006/1.A.1.a"
        and match["category"] == f"{BASE}category/ipcc2006/1.A.1"
    )
    assert match["hierarchy"] == "broader" and match["relation"] == "close"
    [step] = match["path"]
    assert step["mapping"] == f"{BASE}mapping/mappings-ipcc2006-isic4/1" and step["followed"] == "inverse"
    assert step["confidence"] == "0.8"
    co2 = next(v for v in match["values"] if v["of"] == f"{BASE}gas/CO2")
    assert co2["value"] == "56100"


def test_crosswalk_follows_narrow_matches_but_not_related_ones_by_default(client) -> None:
    refining = client.get("/api/crosswalk", query_string={"concept": f"{BASE}category/isic4/1920"}).get_json()
    assert refining["count"] == 19 and {m["relation"] for m in refining["factors"]} == {"broader"}
    steam = client.get("/api/crosswalk", query_string={"concept": f"{BASE}category/isic4/3530"}).get_json()
    assert steam["count"] == 0  # reached only through a relatedMatch
    steam = client.get(
        "/api/crosswalk", query_string={"concept": f"{BASE}category/isic4/3530", "related": "1"}
    ).get_json()
    assert steam["count"] == 19 and steam["factors"][0]["relation"] == "related"


def test_crosswalk_applies_conversion_factors(client, store) -> None:
    text = (DATA / "mapping" / "partner-sources.sssom.tsv").read_text(encoding="utf-8")
    store_set(store, read_sssom(text, set_id="partner-sources"), BASE)
    body = client.get(
        "/api/crosswalk", query_string={"concept": "https://example.org/ecfkg-test/i/Natural_gas_GJ"}
    ).get_json()
    match = next(m for m in body["factors"] if m["factor"] == NATURAL_GAS)
    assert match["conversion_factor"] == "0.001" and match["per"] == "http://qudt.org/vocab/unit/GigaJ"
    co2 = next(v for v in match["values"] if v["of"] == f"{BASE}gas/CO2")
    assert Decimal(co2["converted_value"]) == Decimal("56.1")  # 56100 kg/TJ = 56.1 kg/GJ


def test_crosswalk_errors_and_html(client) -> None:
    assert client.get("/api/crosswalk").status_code == 400
    assert client.get("/api/crosswalk", query_string={"scheme": "isic4", "code": "9999"}).status_code == 404
    html = client.get(
        "/api/crosswalk", query_string={"scheme": "isic4", "code": "3510"}, headers={"Accept": "text/html"}
    )
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert f'href="{NATURAL_GAS}"'.encode() in html.data


def test_mapping_sets_list_and_sssom_download(client) -> None:
    sets = {s["id"]: s for s in client.get("/api/mappings").get_json()}
    assert sets["mappings-geo"]["mappings"] == "16"
    r = client.get("/api/mappings/mappings-geo.sssom.tsv")
    assert r.status_code == 200 and r.mimetype == "text/tab-separated-values"
    again = read_sssom(r.get_data(as_text=True), set_id="mappings-geo")
    assert (URIRef(f"{BASE}geo/CN"), URIRef("http://www.wikidata.org/entity/Q148")) in {
        (m.subject, m.object) for m in again.mappings
    }
    assert client.get("/api/mappings/no-such-set.sssom.tsv").status_code == 404


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (
            "/factor/ipcc2006-t2.2-natural-gas/1",
            {"Accept-Profile": "<https://w3id.org/ecfo/1.0.0>", "Accept": "text/turtle"},
        ),
        ("/factor/ipcc2006-t2.2-natural-gas/1.ttl?_profile=ecfo", {}),
        ("/factor/ipcc2006-t2.2-natural-gas?_profile=ecfo", {"Accept": "text/turtle"}),
    ],
)
def test_a_factor_in_ecfo_terms(client, path: str, headers: dict[str, str]) -> None:
    r = client.get(path, headers=headers)
    assert r.status_code == 200, r.data
    assert r.headers["Content-Profile"] == "<https://w3id.org/ecfo/1.0.0>"
    assert "Accept-Profile" in r.headers["Vary"]
    g = Graph().parse(data=r.data, format="turtle")
    cfs = set(g.subjects(RDF.type, ECFO.EmissionConversionFactor))
    assert len(cfs) == 3 + 3  # CO2, CH4, N2O and CO2e under AR4, AR5, AR6
    co2 = URIRef(NATURAL_GAS + "#CO2")
    assert (
        g.value(co2, RDF.value).toPython() == Decimal("56100")
        and g.value(co2, RDF.value).datatype == XSD.decimal
    )
    assert g.value(co2, ECFO.hasEmissionTarget) == URIRef(f"{BASE}gas/CO2")
    assert g.value(co2, ECFO.hasSourceUnit) == URIRef("http://qudt.org/vocab/unit/TeraJ")
    assert g.value(co2, ECFO.hasTargetUnit) == URIRef("http://qudt.org/vocab/unit/KiloGM")
    # GLO is mapped to Wikidata's "world" (mappings-geo), the kind of location ECFO's data uses
    assert g.value(co2, ECFO.hasApplicableLocation) == URIRef("http://www.wikidata.org/entity/Q16502")
    assert g.value(co2, ECFO.hasScope) == ECFO.Scope1
    period = g.value(co2, ECFO.hasApplicablePeriod)
    assert str(g.value(g.value(period, TIME.hasBeginning), TIME.inXSDDate)) == "2006-01-01"


def test_unknown_profile_and_default_profile(client) -> None:
    assert client.get("/factor/ipcc2006-t2.2-natural-gas/1?_profile=nonsense").status_code == 406
    plain = client.get(
        "/factor/ipcc2006-t2.2-natural-gas/1.ttl",
        headers={"Accept-Profile": "<https://example.org/other-profile>"},
    )
    assert "Content-Profile" not in plain.headers
