"""Choosing a factor and calculating, over real HTTP against the seeds: published figures (MEE/NBS
2022 grid, IPCC 2006 Table 2.2 natural gas), the fallback rules, the error rules, receipts, batch,
JSON search and the calculator page."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD
from test_access import DS, SECRET, commercial  # noqa: F401 - the fixture, reused

from registry.calculation.receipts import CALC, RECEIPTS_GRAPH
from registry.publishing import access

from conftest import BASE

UNIT = "http://qudt.org/vocab/unit/"
GRID = {
    "activity": "grid-electricity-consumption",
    "geography": "CN",
    "year": "2022",
    "amount": "1000",
    "unit": "kW.h",
}
GAS = {
    "activity": "natural-gas-combustion",
    "geography": "GLO",
    "year": "2006",
    "amount": "1",
    "unit": "TJ",
    "gwp": "AR6",
}


def calc(server: str, headers: dict | None = None, **params: str) -> requests.Response:
    return requests.get(server + "api/calculate", params=params, headers=headers or {}, timeout=30)


def gas_value(answer: dict, gas: str) -> Decimal:
    return next(Decimal(g["value"]) for g in answer["gases"] if g["gas"] == BASE + "gas/" + gas)


def test_china_2022_grid_1000_kwh_is_536_6_kg_co2(live_server):
    r = calc(live_server, **GRID)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["factor"] == BASE + "factor/cn-mee-2022-national-average-cn/1"
    assert a["gases"] == [
        {
            "gas": BASE + "gas/CO2",
            "value": "536.6",
            "unit": UNIT + "KiloGM",
            "factorValue": "0.5366",
            "factorUnit": BASE + "unit/KiloGM-PER-KiloW-HR",
        }
    ]
    assert a["co2e"]["value"] == "536.6" and a["co2e"]["gwp"] == BASE + "gwp/AR6-GWP100"
    assert a["exact"] is True and a["receipt"].startswith(BASE + "calculation/")
    assert [c["outcome"] for c in a["fallback"]["candidates"]][:2] == [
        "chosen",
        "lost: a year further from the one asked for",
    ]


def test_natural_gas_1_tj_ipcc_2006_table_2_2_ar6(live_server):
    a = calc(live_server, **GAS).json()
    assert a["factor"] == BASE + "factor/ipcc2006-t2.2-natural-gas/1"
    assert gas_value(a, "CO2") == Decimal("56100")
    assert a["co2e"]["value"] == "56157.1"  # 56100 + 1 × 29.8 (CH4 fossil) + 0.1 × 273 (N2O)
    assert a["co2e"]["published"] == "56157.1"
    assert a["gases"][1]["range"] == {"low": "54300", "high": "58300", "confidence": "95"}
    assert a["co2e"]["range"] == {"low": "54357.1", "high": "58357.1"}
    ar4 = calc(live_server, **{**GAS, "gwp": "AR4"}).json()
    assert ar4["co2e"]["value"] == "56154.8"  # 56100 + 25 + 29.8


def test_1000_gj_gives_the_same_as_1_tj(live_server):
    tj = calc(live_server, **GAS).json()
    gj = calc(live_server, **{**GAS, "amount": "1000", "unit": "GJ"}).json()
    assert gj["gases"] == tj["gases"] and gj["co2e"]["value"] == tj["co2e"]["value"]
    assert gj["conversions"] == [
        {
            "from": UNIT + "GigaJ",
            "to": UNIT + "TeraJ",
            "multiplier": "0.001",
            "amount": "1",
            "by": "QUDT conversion multipliers",
        }
    ]
    iri = calc(live_server, **{**GAS, "unit": UNIT + "TeraJ"}).json()
    assert iri["gases"] == tj["gases"]


def test_fallback_province_to_grid_region_then_earlier_year(live_server):
    a = calc(live_server, **{**GRID, "geography": "CN-GD", "year": "2023"}).json()
    assert a["factor"] == BASE + "factor/cn-mee-2022-regional-grid-cn-grid-south/1"
    steps = [(p["iri"][len(BASE) :], p["how"]) for p in a["fallback"]["geographies"]]
    assert steps == [
        ("geo/CN-GD", "requested"),
        ("geo/CN-GRID-SOUTH", "covered by"),
        ("geo/CN", "broader"),
        ("geo/GLO", "broader"),
    ]
    chosen = a["fallback"]["candidates"][0]
    assert chosen["yearMatch"] == "earlier" and chosen["geographyHow"] == "covered by"
    assert a["fallback"]["candidates"][1]["outcome"] == "lost: a less specific geography"
    # a later year is taken only when no earlier one exists
    later = calc(live_server, **{**GRID, "year": "2019"}).json()
    assert later["factor"].endswith("cn-mee-2021-national-average-cn/1")
    assert later["fallback"]["candidates"][0]["yearMatch"] == "later"
    # a province with no grid factor of its own falls back to the country, then the world (natural gas)
    world = calc(live_server, **{**GAS, "geography": "CN-BJ", "year": "2022"}).json()
    assert world["factor"].endswith("ipcc2006-t2.2-natural-gas/1")
    assert world["fallback"]["candidates"][0]["geographyHow"] == "broader"


def test_filters_exclude_and_say_why(live_server):
    r = calc(live_server, **{**GRID, "scope": "Scope1"})
    assert r.status_code == 404
    body = r.json()
    assert "no factor" in body["detail"]
    assert body["trail"]["geographies"][0]["iri"] == BASE + "geo/CN"
    assert all("scope is Scope2, not Scope1" == c["excluded"] for c in body["trail"]["candidates"])
    assert calc(live_server, **{**GRID, "scope": "Scope2", "boundary": "Combustion"}).status_code == 200


def test_error_rules(live_server):
    wrong = calc(live_server, **{**GRID, "unit": "t"})
    assert wrong.status_code == 422
    assert (
        "kW.h" in wrong.json()["fitting"]
        and "GJ" in wrong.json()["fitting"]
        and "Mass" in wrong.json()["detail"]
    )
    for name, value, status in (
        ("activity", "no-such-activity", 400),
        ("geography", "XX", 400),
        ("unit", "furlong", 400),
        ("gwp", "AR9", 400),
        ("amount", "ten", 400),
        ("amount", "1e99", 400),
        ("amount", "-5", 400),
        ("amount", "NaN", 400),
        ("year", "20x2", 400),
    ):
        r = calc(live_server, **{**GRID, name: value})
        assert r.status_code == status, (name, value, r.text)
        assert r.headers["Content-Type"] == "application/problem+json"
        assert value in r.json()["detail"] or name in r.json()["detail"], r.json()
    none = calc(live_server, **{**GRID, "activity": "fossil-fuel-electricity-generation", "geography": "US"})
    assert none.status_code in (400, 404)


def test_no_candidate_is_a_404_with_the_trail(live_server):
    r = calc(live_server, **{**GRID, "geography": "GLO"})
    assert r.status_code == 404
    trail = r.json()["trail"]
    assert [p["iri"] for p in trail["geographies"]] == [BASE + "geo/GLO"]
    assert trail["activities"][0]["iri"] == BASE + "category/activity/grid-electricity-consumption"


def test_receipt_is_kept_replayable_and_in_every_format(live_server, store):
    a = calc(live_server, **GRID).json()
    again = calc(live_server, **GRID).json()
    assert again["receipt"] == a["receipt"] and again["time"] == a["time"]
    rid = a["receipt"].rsplit("/", 1)[-1]
    url = live_server + "calculation/" + rid
    as_json = requests.get(url, headers={"Accept": "application/json"}, timeout=30).json()
    assert as_json["gases"] == a["gases"] and as_json["replay"] == {"replayed": True, "same": True}
    assert as_json["status"]["current"] is True and as_json["status"]["superseded"] is False
    turtle = requests.get(url + ".ttl", timeout=30)
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=turtle.text, format="turtle")
    s = URIRef(a["receipt"])
    assert (s, RDF.type, PROV.Activity) in g
    assert (s, PROV.used, URIRef(a["factor"])) in g
    assert (s, CALC.amount, Literal("1000", datatype=XSD.decimal)) in g
    result = g.value(s, PROV.generated)
    values = {
        str(g.value(n, URIRef("https://w3id.org/efreg/ontology#value"))) for n in g.objects(result, CALC.gas)
    }
    assert values == {"536.6"}
    jsonld = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=30)
    local_context = jsonld.text.replace(BASE + "context.jsonld", live_server + "context.jsonld")
    assert len(Graph().parse(data=local_context, format="json-ld")) == len(g)
    html = requests.get(url, headers={"Accept": "text/html"}, timeout=30)
    assert html.status_code == 200 and "536.6" in html.text and 'id="replay"' in html.text
    # kept in a registry graph of its own, never in a public data graph
    assert RECEIPTS_GRAPH in store.graph_names() and RECEIPTS_GRAPH not in access.public_graphs(store)
    assert requests.get(live_server + "calculation/" + "0" * 32, timeout=30).status_code == 404
    assert requests.get(live_server + "calculation/nonsense.json", timeout=30).status_code == 404


def test_receipt_says_when_the_factor_was_superseded(live_server, store):
    a = calc(live_server, **GRID).json()
    successor = BASE + "factor/cn-mee-2022-national-average-cn/2"
    thing = BASE + "factor/cn-mee-2022-national-average-cn"
    store.update(
        f"""PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
DELETE {{ GRAPH <{BASE}catalog> {{ <{thing}> dcat:hasCurrentVersion ?v }} }}
INSERT {{ GRAPH <{BASE}catalog> {{ <{thing}> dcat:hasCurrentVersion <{successor}> . <{a["factor"]}> dct:isReplacedBy <{successor}> }} }}
WHERE {{ OPTIONAL {{ GRAPH <{BASE}catalog> {{ <{thing}> dcat:hasCurrentVersion ?v }} }} }}"""
    )
    receipt = requests.get(a["receipt"].replace(BASE, live_server) + ".json", timeout=30).json()
    assert receipt["status"]["superseded"] is True and receipt["status"]["successor"] == successor
    assert receipt["replay"]["same"] is True and receipt["gases"] == a["gases"]


def test_batch_json_and_csv_with_per_row_errors(live_server):
    rows = [GRID, {**GRID, "unit": "t"}, "nonsense", GAS]
    r = requests.post(live_server + "api/calculate", json=rows, timeout=30)
    assert r.status_code == 200
    out = r.json()
    assert [x["status"] for x in out] == [200, 422, 400, 200]
    assert out[0]["co2e"]["value"] == "536.6" and out[3]["co2e"]["value"] == "56157.1"
    assert "fitting" in out[1]
    csv_in = "activity,geography,year,amount,unit,gwp\nnatural-gas-combustion,GLO,2006,1000,GJ,AR6\ngrid-electricity-consumption,CN,2022,x,kW.h,AR6\n"
    r = requests.post(
        live_server + "api/calculate",
        data=csv_in.encode(),
        headers={"Content-Type": "text/csv", "Accept": "text/csv"},
        timeout=30,
    )
    assert r.headers["Content-Type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert (
        lines[0].startswith("row,status,activity")
        and ",56157.1," in lines[1]
        and lines[2].startswith("2,400,")
    )
    upload = requests.post(
        live_server + "api/calculate", files={"file": ("rows.csv", csv_in)}, timeout=30
    ).json()
    assert upload[0]["co2e"]["value"] == "56157.1" and upload[1]["status"] == 400
    assert (
        requests.post(
            live_server + "api/calculate", data="{", headers={"Content-Type": "application/json"}, timeout=30
        ).status_code
        == 400
    )


def test_json_search(live_server):
    r = requests.get(
        live_server + "api/factors",
        params={"geography": "CN", "year": "2022", "activity": "grid-electricity-consumption"},
        timeout=30,
    )
    assert r.status_code == 200
    body = r.json()
    found = [f["iri"] for f in body["factors"]]
    assert BASE + "factor/cn-mee-2022-national-average-cn/1" in found  # China and the places within it
    assert all("2022" in iri for iri in found) and body["total"] > len(found) - 1
    zh = requests.get(live_server + "api/factors", params={"q": "天然气"}, timeout=30).json()
    assert BASE + "factor/ipcc2006-t2.2-natural-gas/1" in [f["iri"] for f in zh["factors"]]
    assert zh["facets"]["publisher"][0]["value"] == "ipcc"
    paged = requests.get(live_server + "api/factors", params={"size": "2", "page": "2"}, timeout=30).json()
    assert paged["page"] == 2 and len(paged["factors"]) == 2 and paged["total"] > 4
    assert requests.get(live_server + "api/factors", params={"year": "x"}, timeout=30).status_code == 400


def test_calculator_page_in_both_languages(live_server):
    en = requests.get(live_server + "calculate", params={**GRID, "lang": "en"}, timeout=30)
    assert en.status_code == 200 and 'id="co2e"' in en.text and "536.6" in en.text and "Receipt" in en.text
    zh = requests.get(live_server + "calculate", params={**GRID, "lang": "zh"}, timeout=30)
    assert "计算器" in zh.text and "536.6" in zh.text
    bad = requests.get(live_server + "calculate", params={**GRID, "unit": "t"}, timeout=30)
    assert bad.status_code == 200 and 'id="error"' in bad.text and "kW.h" in bad.text
    empty = requests.get(live_server + "calculate", timeout=30)
    assert 'name="activity"' in empty.text and "grid-electricity-consumption" in empty.text


@pytest.mark.parametrize("amount", ["1000", "1000.000", "1E3"])
def test_amount_lexical_forms(live_server, amount):
    a = calc(live_server, **{**GRID, "amount": amount}).json()
    assert a["co2e"]["value"] == "536.6" and a["inputs"]["amount"] == amount


def test_api_answers_are_json_strings_not_floats(live_server):
    text = calc(live_server, **GAS).text
    for value in json.loads(text)["gases"]:
        assert isinstance(value["value"], str)


def test_efreg_calculate(tmp_path):
    from click.testing import CliRunner

    from registry.cli import main

    env = {"EFREG_STORE": "oxigraph://" + (tmp_path / "store").as_posix(), "EFREG_BASE_URI": BASE}
    args = [
        "calculate",
        "--activity",
        "natural-gas-combustion",
        "--geography",
        "CN",
        "--amount",
        "1000",
        "--unit",
        "GJ",
    ]
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (
        "CO2e     56157.1 http://qudt.org/vocab/unit/KiloGM" in result.output
        and "receipt  " + BASE in result.output
    )
    as_json = CliRunner().invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
    assert json.loads(as_json.output)["gases"][1]["value"] == "56100"
    wrong = CliRunner().invoke(main, [*args[:-1], "t"], env=env, catch_exceptions=False)
    assert wrong.exit_code == 2 and "units that fit" in wrong.output
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "activity,geography,year,amount,unit\ngrid-electricity-consumption,CN,2022,1000,kW.h\n",
        encoding="utf-8",
    )
    batch = CliRunner().invoke(main, ["calculate", "--csv", str(rows)], env=env, catch_exceptions=False)
    assert batch.exit_code == 0 and ",536.6," in batch.output


def test_a_partners_concept_through_the_mapping_sets_with_its_unit_change(live_server, store):
    from registry.mapping.sets import store_set
    from registry.mapping.sssom import read_sssom

    from conftest import DATA

    text = (DATA / "mapping" / "partner-sources.sssom.tsv").read_text(encoding="utf-8")
    store_set(store, read_sssom(text, set_id="partner-sources"), BASE)
    partner = "https://example.org/ecfkg-test/i/Natural_gas_GJ"
    a = calc(live_server, activity=partner, geography="GLO", amount="1000", unit="GJ").json()
    assert a["factor"] == BASE + "factor/ipcc2006-t2.2-natural-gas/1"
    assert gas_value(a, "CO2") == Decimal("56100")  # 1000 GJ x 0.001 (the mapping's factor) = 1 TJ
    assert [c["by"] for c in a["conversions"]] == ["the mapping's conversion factor"]
    [activity] = [c for c in a["fallback"]["activities"] if c["iri"].endswith("natural-gas-combustion")]
    assert activity["how"] == "close mapping"
    assert activity["mapping"]["steps"][0]["confidence"] == "0.9"
    assert activity["mapping"]["steps"][0]["predicate"] == "http://www.w3.org/2004/02/skos/core#closeMatch"
    # the same amount in TJ converts to the partner's unit first
    tj = calc(live_server, activity=partner, geography="GLO", amount="1", unit="TJ").json()
    assert tj["gases"] == a["gases"]
    assert (
        calc(
            live_server, activity="https://example.org/unknown", geography="GLO", amount="1", unit="TJ"
        ).status_code
        == 400
    )


def test_commercial_factors_only_for_granted_callers(live_server, commercial):  # noqa: F811
    """A commercial natural-gas factor (reference year 1000) is better for year 1000; an anonymous or
    ungranted caller gets the open IPCC factor and a note saying why; a granted one gets it."""
    params = {**GAS, "year": "1000"}
    for who in (None, "gamma"):
        r = calc(live_server, commercial.get(who), **params)
        assert r.status_code == 200, r.text
        a = r.json()
        assert a["factor"] == BASE + "factor/ipcc2006-t2.2-natural-gas/1" and SECRET not in json.dumps(a)
        assert any(DS in note and "not readable" in note for note in a["notes"])
        excluded = [c for c in a["fallback"]["candidates"] if "excluded" in c]
        assert excluded and all(c["excluded"].startswith("commercial") for c in excluded)
    granted = calc(live_server, commercial["beta"], **params).json()
    assert granted["factor"] == BASE + f"factor/{DS}-0/1" and "notes" not in granted
    assert gas_value(granted, "CO2") == Decimal(SECRET)
    receipt = granted["receipt"].replace(BASE, live_server) + ".json"
    assert requests.get(receipt, headers=commercial["beta"], timeout=30).status_code == 200
    for headers in ({}, commercial["gamma"]):
        assert requests.get(receipt, headers=headers, timeout=30).status_code == 404


def test_receipt_says_superseded_then_withdrawn_through_the_workflow(live_server, store, settings, tmp_path):
    """A published open dataset: calculate; its version 2 is published (the receipt names the
    successor and still replays the same numbers); version 1 is withdrawn (the receipt says so)."""
    from test_access import _module

    from registry.publishing import workflow as publishing
    from registry.publishing.tokens import authenticate, create_token, ensure_publisher

    ensure_publisher(store, BASE, "acme")
    acme = authenticate(store, create_token(store, "acme", "publisher"))
    reviewer = authenticate(store, create_token(store, "efreg", "reviewer"))
    admin = authenticate(store, create_token(store, "efreg", "admin"))
    for version, bump in ((1, frozenset()), (2, frozenset({0}))):
        path = tmp_path / f"v{version}.ttl"
        path.write_text(_module.factors("acme-open", version, "acme", range(1), bump), encoding="utf-8")
        assert publishing.upload(store, settings, acme, "acme-open", [path]).stored
        publishing.act(store, BASE, acme, "acme-open", str(version), "submit")
        publishing.act(store, BASE, reviewer, "acme-open", str(version), "approve")
        if version == 1:
            a = calc(live_server, **{**GAS, "year": "1000"}).json()
            assert a["factor"] == BASE + "factor/acme-open-0/1" and gas_value(a, "CO2") == Decimal("50000")
    url = a["receipt"].replace(BASE, live_server) + ".json"
    receipt = requests.get(url, timeout=30).json()
    assert (
        receipt["status"]["superseded"] is True
        and receipt["status"]["successor"] == BASE + "factor/acme-open-0/2"
    )
    assert receipt["replay"] == {"replayed": True, "same": True}
    now = calc(live_server, **{**GAS, "year": "1000"}).json()
    assert now["factor"] == BASE + "factor/acme-open-0/2" and gas_value(now, "CO2") == Decimal("51000")
    publishing.act(store, BASE, admin, "acme-open", "1", "withdraw")
    receipt = requests.get(url, timeout=30).json()
    assert receipt["status"]["withdrawn"] is True and receipt["gases"] == a["gases"]
    html = requests.get(url[: -len(".json")] + ".html", timeout=30).text
    assert "acme-open-0/2" in html
    assert receipt["replay"]["replayed"] is False and "withdrawn" in receipt["replay"]["reason"]


def test_exact_arithmetic_across_units(live_server):
    """3.6 MJ is exactly 1 kWh (fractions, not floats); 1 MJ has no finite decimal in kWh and says so."""
    a = calc(live_server, **{**GRID, "amount": "3.6", "unit": "MJ"}).json()
    assert a["gases"][0]["value"] == "0.5366" and a["exact"] is True
    b = calc(live_server, **{**GRID, "amount": "1", "unit": "MJ"}).json()
    assert b["exact"] is False and b["gases"][0]["value"].startswith("0.149055555555555")
    big = calc(live_server, **{**GRID, "amount": "123456789012.123456789"}).json()
    assert big["gases"][0]["value"] == "66246912983.9054469129774"  # exact: 123456789012.123456789 x 0.5366


def test_tie_break_rules_after_geography_activity_and_year():
    from registry.calculation.selection import Candidate, Concept, Place, Request, why_lost

    request = Request("a", "g", 2022, publisher="p2")
    place, concept = Place("g", 0, "requested"), Concept("a", 0, "requested")

    def cand(iri: str, dqr=None, issued=None, publisher=None) -> Candidate:
        return Candidate(iri, concept, place, 2022, None, publisher, dqr, issued, None, "Open", True)

    rated, unrated = cand("z", dqr=1.5), cand("a")
    assert rated.key(request) < unrated.key(request)
    assert why_lost(unrated.key(request), rated.key(request)) == "a worse data-quality rating"
    newer, older = cand("z", issued="2025-01-02"), cand("a", issued="2024-12-31")
    assert newer.key(request) < older.key(request)
    preferred, other = cand("z", publisher="p2"), cand("a", publisher="p1")
    assert preferred.key(request) < other.key(request)
    assert why_lost(other.key(request), preferred.key(request)) == "not the publisher asked for"
    assert why_lost(cand("b").key(request), cand("a").key(request)) == "the IRI tie-break"


def test_a_broad_category_says_the_choice_is_a_tie_and_codes_are_case_blind(live_server):
    a = calc(live_server, **{**GAS, "activity": "category/ipcc2006/1.A.1", "geography": "glo"}).json()
    assert a["inputs"]["geography"] == BASE + "geo/GLO"
    assert any("tie on every rule but the IRI" in note for note in a["notes"])
    assert "notes" not in calc(live_server, **GAS).json()


def test_receipt_content_types_have_one_charset(live_server):
    receipt = calc(live_server, **GRID).json()["receipt"].replace(BASE, live_server)
    for suffix, media_type in (
        (".ttl", "text/turtle"),
        (".html", "text/html"),
        (".json", "application/json"),
    ):
        content_type = requests.get(receipt + suffix, timeout=30).headers["Content-Type"]
        assert content_type.startswith(media_type) and content_type.count("charset") == 1, content_type
