"""Two stages for slices and sequence paths, and the cost rule that decides between the engines: a
query with a LIMIT and no work over the whole result is translated (its SQL stops after LIMIT +
OFFSET solutions), sequence and inverse paths of IRIs are written as the joins SPARQL defines, and
:func:`analytic.pays` sends a scan-heavy pattern to DuckDB and a selective one or a short slice of
a large result to Oxigraph."""

from __future__ import annotations

from collections import Counter

from test_analytic_catch_up import generated
from test_analytic_generated import answers
from test_planner_generated import BASE

from benchmarks.queries import PREFIXES
from registry.query import analytic
from registry.query.statistics import GraphStats, PropertyStats

EF = "https://w3id.org/efreg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def test_slices_and_paths_answer_as_oxigraph() -> None:
    store, replica = generated(600, 5, "m")
    geo = f"{BASE}geo/CN-BJ"
    queries = {
        # a slice: any 7 solutions after 3 (no ORDER BY: which ones is not defined)
        "slice": PREFIXES + "SELECT ?f ?v WHERE { ?f ef:component ?c . ?c ef:value ?v } LIMIT 7 OFFSET 3",
        # sequence and inverse paths, as a slice larger than the answer: every solution
        "paths": PREFIXES
        + f"SELECT ?f ?g WHERE {{ {{ BIND(<{geo}> AS ?g) }} UNION {{ <{geo}> skos:broader/skos:broader ?g }}"
        f" UNION {{ ?g ^skos:broader <{geo}> }} ?f ef:geography ?g }} LIMIT 100000",
        "inverse-sequence": PREFIXES
        + "SELECT ?g ?gas (COUNT(*) AS ?n) WHERE { ?g ^ef:geography/ef:component/ef:gas ?gas } GROUP BY ?g ?gas",
    }
    for name, text in queries.items():
        plan = analytic.plan_for(text)
        assert plan is not None, name
        two = analytic.stage_two(plan, replica, 20)
        assert two is not None and "VALUES" in two, name
        staged, written = answers(store, two), answers(store, text)
        if name == "slice":
            assert plan.limit == 10 and "LIMIT 10" in plan.sql
            assert sum(staged.values()) == sum(written.values()) == 7
            everything = answers(store, text.replace("LIMIT 7 OFFSET 3", ""))
            assert not staged - everything  # each a solution of the pattern
        else:
            assert staged == written and sum(written.values()) > 0, name
    replica.close()


def test_other_paths_are_not_translated() -> None:
    # p* between two variables (every node at length zero), a closure of a sequence, and the rest
    for path in (
        "ef:component*",
        "(ef:component/ef:gas)+",
        "ef:component?",
        "ef:component|ef:gas",
        "!ef:gas",
    ):
        text = PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ ?f {path} ?c }}"
        assert analytic.plan_for(text) is None, path


def test_closures_are_translated_from_a_constant_end() -> None:
    for pattern in ("?f ef:component+ ?c", f"?f ef:component* <{BASE}c>", f"<{BASE}f> ^ef:component* ?c"):
        plan = analytic.plan_for(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        assert plan is not None and "WITH RECURSIVE" in plan.sql, pattern


def test_the_cost_rule_weighs_rows_touched_against_rows_scanned() -> None:
    stats = GraphStats(
        triples=3_000_000,
        subjects=500_000,
        objects=500_000,
        classes={EF + "EmissionFactor": 100_000},
        properties={
            EF + "geography": PropertyStats(100_000, 100_000, 33),
            EF + "component": PropertyStats(160_000, 100_000, 160_000),
            EF + "value": PropertyStats(190_000, 190_000, 130_000),
            SKOS + "broader": PropertyStats(300, 300, 40),
        },
    )
    whole = PREFIXES + "SELECT ?g (COUNT(*) AS ?n) WHERE { ?f ef:geography ?g ; ef:component ?c } GROUP BY ?g"
    one = PREFIXES + f"SELECT DISTINCT ?g WHERE {{ <{BASE}f1> ef:geography ?g }}"
    short = PREFIXES + "SELECT ?f ?c WHERE { ?f ef:geography ?g ; ef:component ?c } LIMIT 5"
    everything = short.replace("LIMIT 5", "LIMIT 1000000")
    plans = {
        name: analytic.plan_for(text)
        for name, text in locals().items()
        if name in ("whole", "one", "short", "everything")
    }
    assert all(plans.values())
    assert analytic.pays(plans["whole"], stats)  # 260k rows touched one by one, or two column scans
    assert not analytic.pays(plans["one"], stats)  # one look-up
    assert not analytic.pays(plans["short"], stats)  # Oxigraph stops after 5 solutions
    assert analytic.pays(plans["everything"], stats)


def test_a_refused_template_is_not_parsed_again(monkeypatch) -> None:  # noqa: ANN001
    text = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE {{ ?f ef:component? <{}> }}"
    assert analytic.plan_for(text.format(BASE + "a")) is None
    calls = Counter[str]()
    original = analytic.prepare

    def counted(t: str, force: bool = False) -> object:
        calls[t] += 1
        return original(t, force)

    monkeypatch.setattr(analytic, "prepare", counted)
    assert analytic.plan_for(text.format(BASE + "b")) is None
    assert not calls  # known refused by its template: neither parsed nor looked up
