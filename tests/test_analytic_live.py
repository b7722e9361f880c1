"""The analytic replica on a live server: a public caller's aggregate is answered from DuckDB's rows
finished by Oxigraph and equals Oxigraph's own answer; callers who may read more than the public
graphs never reach the replica; a release is followed; a replica behind the model is not used."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from test_access import SECRET, _module, commercial, sparql  # noqa: F401
from test_access_readings import readers  # noqa: F401 - the fixture

from registry.query import analytic

EF = "PREFIX ef: <https://w3id.org/efreg/ontology#>\n"
VALUES_BY_COUNT = EF + "SELECT ?v (COUNT(*) AS ?n) WHERE { ?c ef:value ?v } GROUP BY ?v ORDER BY ?v"
PER_GAS = EF + (
    "SELECT ?gas (COUNT(DISTINCT ?f) AS ?factors) (MAX(?v) AS ?top) WHERE "
    "{ ?f ef:component ?c . ?c ef:gas ?gas ; ef:value ?v } GROUP BY ?gas ORDER BY ?gas"
)


@pytest.fixture
def staged(monkeypatch) -> list[str]:
    """The texts the endpoint evaluated in two stages (their fixed cost counted as nothing: on this
    small registry the cost rule, :func:`analytic.pays`, would leave every query to Oxigraph)."""
    monkeypatch.setattr(analytic, "TWO_STAGE_MS", 0.0)
    seen: list[str] = []
    original = analytic.stage_two

    def spy(plan, replica, timeout):  # noqa: ANN001, ANN202
        text = original(plan, replica, timeout)
        if text is not None:
            seen.append(text)
        return text

    monkeypatch.setattr(analytic, "stage_two", spy)
    return seen


def _oxigraph(store, text: str) -> list[dict]:  # noqa: ANN001
    """The answer of Oxigraph alone over the public read model, as SPARQL JSON bindings."""
    import json

    result = store.view.query(text, use_default_graph_as_union=True)
    return json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))["results"]["bindings"]


def test_public_aggregates_come_from_the_replica_and_equal_oxigraph(live_server, store, readers, staged):  # noqa: F811
    assert store.analytic is not None and store.analytic.wait(60)
    assert store.analytic.current(store.generation)
    for text in (VALUES_BY_COUNT, PER_GAS):
        for accept in ("application/sparql-results+json", "text/csv"):
            answer = sparql(live_server, text, {}, accept)
            assert answer.status_code == 200, answer.text[:300]
            assert SECRET not in answer.text
        staged.clear()
        answer = sparql(live_server, text + f"\n# {len(text)}")  # a text not answered before
        assert answer.status_code == 200 and len(staged) == 1, staged
        assert "VALUES" in staged[0]
        bindings = answer.json()["results"]["bindings"]
        assert bindings and bindings == _oxigraph(store, text)


def test_callers_who_read_more_never_use_the_replica(live_server, store, readers, staged):  # noqa: F811
    assert store.analytic.wait(60)
    for who in ("beta", "acme", "admin"):
        answer = sparql(live_server, VALUES_BY_COUNT + f"\n# {who}", readers[who])
        assert answer.status_code == 200
        if who in ("beta", "acme"):  # granted / owner: the commercial value is counted
            assert SECRET in answer.text
    assert staged == []


def test_a_replica_behind_the_model_is_not_used_and_a_release_is_followed(
    live_server,
    store,
    readers,  # noqa: F811
    staged,
):
    import requests

    assert store.analytic.wait(60)
    store.analytic.generation = None  # as while it catches up
    answer = sparql(live_server, VALUES_BY_COUNT + "\n# behind")
    assert answer.status_code == 200 and staged == []
    # a change of a public graph (an admin's update): the model syncs, the replica follows
    graph = sorted(g.value for g in store.view.named_graphs())[0]
    update = (
        f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:c> <https://w3id.org/efreg/ontology#value> 4242.5 }} }}"
    )
    done = requests.post(
        live_server + "sparql", data={"update": update}, headers=readers["admin"], timeout=30
    )
    assert done.status_code in (200, 204), done.text[:300]
    assert store.analytic.wait(60) and store.analytic.current(store.generation)
    answer = sparql(live_server, VALUES_BY_COUNT + "\n# current again")
    assert answer.status_code == 200 and len(staged) == 1 and "4242.5" in answer.text
    assert answer.json()["results"]["bindings"] == _oxigraph(store, VALUES_BY_COUNT)


def test_a_first_stage_out_of_its_share_of_the_time_runs_on_oxigraph(live_server, store, monkeypatch):
    """DuckDB's join order can go wrong on one store and not another: a first stage that runs out
    of its share of the time limit is not a 503, the query runs on Oxigraph with the time left."""
    from registry.store.analytic import AnalyticTimeout

    assert store.analytic.wait(60)
    monkeypatch.setattr(analytic, "TWO_STAGE_MS", 0.0)
    budgets: list[float] = []

    def out_of_time(plan, replica, timeout):  # noqa: ANN001, ANN202
        budgets.append(timeout)
        raise AnalyticTimeout(f"interrupted after {timeout:g} s")

    monkeypatch.setattr(analytic, "stage_two", out_of_time)
    answer = sparql(live_server, PER_GAS + "\n# out of its share")
    assert answer.status_code == 200, answer.text[:300]
    assert budgets and budgets[0] < 30.0  # a share of the time limit, not all of it
    assert answer.json()["results"]["bindings"] == _oxigraph(store, PER_GAS)


TWICE = "urn:x:in-two-graphs"


def test_a_triple_in_two_public_graphs_counts_the_same_on_every_path(live_server, store, readers, staged):  # noqa: F811
    """A triple two public graphs hold: COUNT, SUM and a SELECT without DISTINCT give the same answer
    whether the analytic stage or Oxigraph evaluates them (and for a caller with an exact dataset):
    the engine's union default graph yields it once per graph (Oxigraph 0.5), the replica's ``t``
    holds it as often (:data:`registry.store.analytic.PER_GRAPH`)."""
    import requests

    from registry.store.analytic import PER_GRAPH

    assert store.analytic.wait(60)
    graphs = sorted(g.value for g in store.view.named_graphs())[:2]
    triple = f"<{TWICE}> <https://w3id.org/efreg/ontology#value> 7.25"
    update = "INSERT DATA { " + " ".join(f"GRAPH <{g}> {{ {triple} }}" for g in graphs) + " }"
    done = requests.post(
        live_server + "sparql", data={"update": update}, headers=readers["admin"], timeout=30
    )
    assert done.status_code in (200, 204), done.text[:300]
    assert store.analytic.wait(60) and store.analytic.current(store.generation)
    texts = {
        "count": EF
        + "SELECT ?c (COUNT(*) AS ?n) (SUM(?v) AS ?s) WHERE { ?c ef:value ?v } GROUP BY ?c ORDER BY ?c",
        "whole": EF + "SELECT (COUNT(*) AS ?n) (SUM(?v) AS ?s) (COUNT(?c) AS ?k) WHERE { ?c ef:value ?v }",
        "rows": EF + "SELECT ?c ?v WHERE { ?c ef:value ?v } ORDER BY ?c ?v",
    }
    copies = 2 if PER_GRAPH else 1
    try:
        staged.clear()
        two_stage = {k: sparql(live_server, t + "\n# two stages") for k, t in texts.items()}
        assert len(staged) == len(texts), "every text went through the analytic stage"
        store.analytic.generation = None  # as while it catches up: Oxigraph alone
        alone = {k: sparql(live_server, t + "\n# Oxigraph") for k, t in texts.items()}
        assert len(staged) == len(texts)
        for name in texts:
            assert two_stage[name].status_code == alone[name].status_code == 200, name
            bindings = two_stage[name].json()["results"]["bindings"]
            assert bindings == alone[name].json()["results"]["bindings"] == _oxigraph(store, texts[name]), (
                name
            )
        row = next(r for r in two_stage["count"].json()["results"]["bindings"] if r["c"]["value"] == TWICE)
        assert (row["n"]["value"], row["s"]["value"]) == (str(copies), str(7.25 * copies).rstrip("0"))
        rows = two_stage["rows"].json()["results"]["bindings"]
        assert sum(r["c"]["value"] == TWICE for r in rows) == copies
        # a caller with an exact dataset (explicit default graphs): the same multiplicity
        admin = sparql(live_server, texts["count"] + "\n# admin", readers["admin"])
        row = next(r for r in admin.json()["results"]["bindings"] if r["c"]["value"] == TWICE)
        assert row["n"]["value"] == str(copies)
    finally:
        update = "DELETE DATA { " + " ".join(f"GRAPH <{g}> {{ {triple} }}" for g in graphs) + " }"
        requests.post(live_server + "sparql", data={"update": update}, headers=readers["admin"], timeout=30)
        assert store.analytic.wait(60)
