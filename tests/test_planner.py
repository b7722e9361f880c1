"""The join planner: what it rewrites, what it leaves as written, the order it picks, and its switch
in the SPARQL endpoint."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox

from registry.config import Settings
from registry.query import planner, statistics, worker
from registry.query.endpoint import Endpoint
from registry.query.statistics import GraphStats, PropertyStats
from registry.rdf.sparql_lexer import resolve_iri

EF = "https://w3id.org/efreg/ontology#"
PREFIX = f"PREFIX ef: <{EF}>\n"
#: A registry of 100k factors in numbers: three gases, 34 regions, three GWP sets.
STATS = GraphStats(
    2_600_000,
    400_000,
    400_000,
    600_000,
    {EF + "EmissionFactor": 100_000},
    {
        EF + "geography": PropertyStats(100_000, 100_000, 34),
        EF + "component": PropertyStats(300_000, 100_000, 300_000),
        EF + "gas": PropertyStats(300_009, 300_009, 3),
        EF + "value": PropertyStats(300_009, 300_009, 50_000),
        EF + "gwpValue": PropertyStats(9, 3, 9),
    },
)
CO2E = (
    PREFIX
    + """SELECT ?f (SUM(?v * ?gwp) AS ?co2e) WHERE {
  ?f ef:geography <urn:geo:BJ> ; ef:component ?c . ?c ef:gas ?gas ; ef:value ?v .
  <urn:gwp:AR6> ef:gwpValue ?g . ?g ef:gas ?gas ; ef:value ?gwp .
} GROUP BY ?f"""
)


def test_the_co2e_join_starts_from_the_small_side_and_is_kept_in_order():
    planned = planner.plan(CO2E, STATS)
    # two chains that share only ?gas: each evaluated once (sub-selects), then hash-joined
    assert planned != CO2E and planned.count("LATERAL") == 5 and planned.count("SELECT * WHERE") == 2
    body = planned[planned.index("WHERE") :]
    # the GWP set's three values first (not every component of each gas), then the region's factors
    assert body.index("<urn:gwp:AR6> ef:gwpValue ?g") < body.index("?f ef:geography <urn:geo:BJ>")
    assert body.index("?f ef:geography <urn:geo:BJ>") < body.index("?c ef:gas ?gas")
    assert planner.plan(CO2E, None) == CO2E  # no statistics: as written


def test_an_order_oxigraph_would_pick_itself_is_left_as_written():
    text = PREFIX + "SELECT * WHERE { ?f ef:geography <urn:geo:BJ> . ?f ef:component ?c }"
    tokens = planner.tokenize(text)
    run = tokens[[t.text for t in tokens].index("{") + 1 : -1]
    assert planner.engine_order(planner.parse_run(run))[0][0][2].text == "<urn:geo:BJ>"
    assert planner.plan(text, STATS) == text
    assert "LATERAL" in planner.plan(text, STATS, force=True)


def test_what_the_planner_cannot_prove_safe_runs_as_written():
    for body in (
        "?f ef:component [ ef:gas ?gas ] . ?f ef:geography ?geo",  # blank node in the block
        "?f ef:component _:c . _:c ef:gas ?gas",
        "?f ef:component/ef:gas ?gas . ?f ef:geography ?g",  # a path in the block
        "GRAPH ?x { ?f ef:component ?c . ?c ef:gas ?gas . ?f ef:geography ?g }",
        "SERVICE <http://example.org/sparql> { ?f ef:component ?c . ?c ef:gas ?gas }",
        "FILTER EXISTS { ?f ef:component ?c . ?c ef:gas ?gas } ?f ef:geography ?g",
        "?f ef:geography ?g ",
    ):
        text = PREFIX + "SELECT * WHERE { " + body + " }"
        assert planner.plan(text, STATS, force=True) == text, body
    construct = PREFIX + "CONSTRUCT WHERE { ?f ef:component ?c . ?c ef:gas ?gas }"
    assert planner.plan(construct, STATS, force=True) == construct
    template = (
        PREFIX
        + "CONSTRUCT { ?f ef:component ?c . ?c ef:gas ?gas } WHERE { ?f ef:component ?c . ?c ef:gas ?gas }"
    )
    planned = planner.plan(template, STATS, force=True)
    assert planned.startswith(PREFIX + "CONSTRUCT { ?f ef:component ?c . ?c ef:gas ?gas } WHERE")
    assert "LATERAL" in planned


def test_runs_inside_optional_union_and_subselects_are_planned_and_strings_are_not_read():
    text = (
        PREFIX
        + """SELECT * WHERE {
  { ?f ef:component ?c . ?c ef:gas ?gas } UNION { SELECT ?f WHERE { ?f ef:geography ?g . ?g ef:gas "a { ?x } ." } }
  OPTIONAL { ?f ef:value ?v . ?v ef:gas ?w } # a comment { with braces
  FILTER(?f != <urn:x> && ?c<?d)
}"""
    )
    planned = planner.plan(text, STATS, force=True)
    assert (
        planned.count("LATERAL") == 3
        and '"a { ?x } ."' in planned
        and "FILTER(?f != <urn:x> && ?c<?d)" in planned
    )


def test_planned_and_written_answer_the_same_in_oxigraph():
    store = ox.Store()
    store.update(
        PREFIX
        + """INSERT DATA {
  <urn:f1> ef:geography <urn:geo:BJ> ; ef:component <urn:c1>, <urn:c2> .
  <urn:c1> ef:gas <urn:CO2> ; ef:value 2 . <urn:c2> ef:gas <urn:CH4> ; ef:value 3 .
  <urn:gwp:AR6> ef:gwpValue <urn:g1>, <urn:g2> .
  <urn:g1> ef:gas <urn:CO2> ; ef:value 1 . <urn:g2> ef:gas <urn:CH4> ; ef:value 28 . }"""
    )
    written = [str(r["co2e"]) for r in store.query(CO2E)]
    assert (
        written
        == [str(r["co2e"]) for r in store.query(planner.plan(CO2E, STATS))]
        == [ox.Literal("86", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")).__str__()]
    )


def test_the_endpoint_plans_unless_switched_off(store, monkeypatch):
    # the Oxigraph path alone: with the analytic replica on, whether its first stage answers depends
    # on whether the shared store's replica is caught up within the stage's share of the time limit
    settings = Settings(
        store="memory:",
        base_uri="http://localhost:8080/",
        load_seeds=False,
        answer_cache_bytes=0,
        analytic_replica=False,
    )
    query = (
        PREFIX
        + "SELECT (COUNT(*) AS ?n) WHERE { ?f ef:component ?c . ?c ef:gas ?gas . ?g ef:gas ?gas . ?f a ef:EmissionFactor }"
    )
    sent: list[str] = []
    real = worker.run
    monkeypatch.setattr(
        worker, "run", lambda store, text, *args: sent.append(text) or real(store, text, *args)
    )
    answers = []
    for on in (True, False):
        endpoint = Endpoint(store, dataclasses.replace(settings, join_planner=on))
        prepared = endpoint.prepare_query(query, None)
        answers.append(endpoint.run_query(prepared, "text/csv").body)
    assert sent[0] == planner.plan(prepared.text, statistics.for_planning(store)) and sent[1] == prepared.text
    assert answers[0] == answers[1] and int(answers[0].split()[1]) > 0
    assert Settings.load({"EFREG_JOIN_PLANNER": "false"}).join_planner is False


def test_a_base_changes_no_estimate():
    """The endpoint puts a BASE before every query; ``#`` namespaces must resolve the same after it
    (``urljoin`` drops an empty fragment: ef:gas became …/ontologygas, estimated at 0 rows, and the
    planner started from it)."""
    assert planner.plan(
        "BASE <http://localhost:8080/> " + CO2E, STATS
    ) == "BASE <http://localhost:8080/> " + (planner.plan(CO2E, STATS))
    text = PREFIX + "SELECT * WHERE { ?f ef:geography <urn:geo:BJ> . ?f ef:component ?c }"
    assert (
        planner.plan("BASE <http://localhost:8080/>\n" + text, STATS)
        == "BASE <http://localhost:8080/>\n" + text
    )
    assert resolve_iri("http://localhost:8080/", "http://www.w3.org/ns/prov#") == "http://www.w3.org/ns/prov#"
    assert resolve_iri("http://localhost:8080/a/", "../b#") == "http://localhost:8080/b#"
    assert resolve_iri("http://localhost:8080/a/", "c") == "http://localhost:8080/a/c"
