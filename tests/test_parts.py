"""Parts of a factor (gas components, CO2e values, uncertainty, period) and of a GWP set have IRIs
derived from their owner (registry/rdf/parts.py), over a live server: dereferenced, queried, uploaded
with blank nodes, reloaded, split for commercial data, rendered in ECFO terms."""

from __future__ import annotations

import importlib.util

import pytest
import requests
from rdflib import BNode, Graph, Literal, URIRef

from registry.publishing.tokens import create_token, ensure_publisher
from registry.rdf.namespaces import ECFO, EF, RDF
from registry.rdf.parts import name_parts

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
factors = _module.factors

NATURAL_GAS = f"{BASE}factor/ipcc2006-t2.2-natural-gas/1"


def turtle(url: str) -> Graph:
    r = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return Graph().parse(data=r.text, format="turtle")


def test_a_seed_factor_names_its_parts(live_server: str) -> None:
    g = turtle(f"{live_server}/factor/ipcc2006-t2.2-natural-gas/1.ttl")
    f = URIRef(NATURAL_GAS)
    components = set(g.objects(f, EF.component))
    assert components == {URIRef(f"{NATURAL_GAS}#{gas}") for gas in ("CO2", "CH4-fossil", "N2O")}
    co2 = URIRef(NATURAL_GAS + "#CO2")
    assert g.value(co2, EF.value) == Literal(
        "56100", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    )
    assert g.value(co2, EF.uncertainty) == URIRef(NATURAL_GAS + "#CO2-uncertainty")
    assert set(g.objects(f, EF.co2e)) == {
        URIRef(f"{NATURAL_GAS}#CO2e-{s}-GWP100") for s in ("AR4", "AR5", "AR6")
    }
    assert not any(isinstance(t, BNode) for triple in g for t in triple)
    # the page carries an anchor per part, so <…/1#CO2> opens at its row
    html = requests.get(f"{live_server}/factor/ipcc2006-t2.2-natural-gas/1.html", timeout=30).text
    assert 'id="CO2"' in html and 'id="CO2e-AR6-GWP100"' in html
    gwp = turtle(f"{live_server}/gwp/AR6-GWP100.ttl")
    value = URIRef(f"{BASE}gwp/AR6-GWP100#CH4-fossil")
    assert (URIRef(f"{BASE}gwp/AR6-GWP100"), EF.gwpValue, value) in gwp
    assert str(gwp.value(value, EF.value)) == "29.8"


def test_sparql_answers_hand_out_part_iris(live_server: str) -> None:
    query = f"SELECT ?c WHERE {{ <{NATURAL_GAS}> <{EF.component}> ?c }}"
    r = requests.get(
        f"{live_server}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    bindings = r.json()["results"]["bindings"]
    assert {b["c"]["type"] for b in bindings} == {"uri"}
    assert f"{NATURAL_GAS}#CO2" in {b["c"]["value"] for b in bindings}


def test_the_ecfo_profile_describes_the_same_nodes(live_server: str) -> None:
    r = requests.get(
        f"{live_server}/factor/ipcc2006-t2.2-natural-gas/1.ttl", params={"_profile": "ecfo"}, timeout=30
    )
    g = Graph().parse(data=r.text, format="turtle")
    typed = set(g.subjects(RDF.type, ECFO.EmissionConversionFactor))
    assert URIRef(NATURAL_GAS + "#CO2") in typed and URIRef(NATURAL_GAS + "#CO2e-AR6-GWP100") in typed


@pytest.fixture
def tokens(store):
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    return {
        "acme": {"Authorization": "Bearer " + create_token(store, "acme", "publisher")},
        "reviewer": {"Authorization": "Bearer " + create_token(store, "efreg", "reviewer")},
    }


def publish(live_server: str, tokens, ds: str, version: int, access: str = "open") -> None:
    body = factors(ds, version, "acme", range(2))
    r = requests.post(
        f"{live_server}/api/datasets/{ds}/versions?access={access}",
        data=body.encode("utf-8"),
        headers={**tokens["acme"], "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    for action, who in (("submit", "acme"), ("approve", "reviewer")):
        r = requests.post(
            f"{live_server}/api/datasets/{ds}/versions/{version}/{action}", headers=tokens[who], timeout=60
        )
        assert r.status_code == 200, r.text


def test_uploaded_blank_nodes_get_stable_part_iris(live_server: str, tokens) -> None:
    """Turtle with blank-node components is stored with {factor}#CO2; the same data uploaded again
    (the next version) gets the same fragments under the new version."""
    for version in (1, 2):
        publish(live_server, tokens, "acme-parts", version)
        g = turtle(f"{live_server}/factor/acme-parts-0/{version}.ttl")
        f = URIRef(f"{BASE}factor/acme-parts-0/{version}")
        assert list(g.objects(f, EF.component)) == [URIRef(f"{f}#CO2")]
        assert str(g.value(URIRef(f"{f}#CO2"), EF.value)) == "50000"


def test_commercial_values_move_with_their_parts(live_server: str, tokens) -> None:
    publish(live_server, tokens, "acme-paid", 1, access="commercial")
    f = URIRef(f"{BASE}factor/acme-paid-1/1")
    public = turtle(f"{live_server}/factor/acme-paid-1/1.ttl")
    assert (f, None, None) in public and not list(public.objects(f, EF.component))
    assert (URIRef(f"{f}#CO2"), None, None) not in public  # the part went with its value
    query = f"SELECT ?v WHERE {{ <{f}#CO2> <{EF.value}> ?v }}"
    for headers, expected in (({}, []), (tokens["acme"], ["50001"])):
        r = requests.get(
            f"{live_server}/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json", **headers},
            timeout=30,
        )
        assert [b["v"]["value"] for b in r.json()["results"]["bindings"]] == expected


def test_name_parts_is_deterministic_and_leaves_other_blank_nodes() -> None:
    f = URIRef(BASE + "factor/x/1")
    text = f"""@prefix ef: <{EF}> .
    <{f}> ef:component [ ef:gas <{BASE}gas/CO2> ; ef:value 1 ; ef:uncertainty [ ef:lowerBound 0 ] ] ,
                       [ ef:gas <{BASE}gas/N2O> ; ef:value 2 ] ;
          ef:co2e [ ef:gwpSet <{BASE}gwp/AR6-GWP100> ; ef:value 3 ] ;
          <{BASE}other> [ <{BASE}p> 4 ] ."""
    names = []
    for _ in range(2):
        triples = name_parts(Graph().parse(data=text, format="turtle"))
        names.append(
            sorted(str(t) for triple in triples for t in triple if isinstance(t, URIRef) and "#" in t)
        )
        assert sum(isinstance(o, BNode) for _s, _p, o in triples) == 1  # <other> keeps its blank node
    assert names[0] == names[1]
    assert {f"{f}#CO2", f"{f}#N2O", f"{f}#CO2e-AR6-GWP100", f"{f}#CO2-uncertainty"} <= set(names[0])


def test_describe_gives_a_factor_with_its_parts(live_server: str) -> None:
    r = requests.post(
        f"{live_server}/sparql",
        data={"query": "DESCRIBE <factor/ipcc2006-t2.2-natural-gas/1>"},
        headers={"Accept": "text/turtle"},
        timeout=30,
    )
    g = Graph().parse(data=r.text, format="turtle")
    assert str(g.value(URIRef(NATURAL_GAS + "#CO2"), EF.value)) == "56100"
    assert str(g.value(URIRef(NATURAL_GAS + "#CO2-uncertainty"), EF.lowerBound)) == "54300"
    assert (URIRef(NATURAL_GAS), EF.geography, None) in g
