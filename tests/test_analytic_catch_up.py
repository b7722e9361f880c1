"""The analytic replica follows releases incrementally: after graphs are added, replaced and withdrawn
(triples shared between graphs included) its union table ``t`` holds exactly the triples of the
model's union default graph as the engine counts them (Oxigraph 0.5: once per graph holding one),
and aggregates evaluated in two stages equal Oxigraph's answers over that union; a small change appends
to ``t`` instead of rebuilding it, and a large one sorts it again."""

from __future__ import annotations

import io
import random
from collections import Counter

import pyoxigraph as ox
from test_analytic_generated import answers
from test_planner_generated import BASE

from benchmarks.generate import Sizes, generate
from benchmarks.queries import MIX, PREFIXES, QUESTIONS
from registry.query import analytic
from registry.store import analytic as replica_module
from registry.store.analytic import AnalyticReplica

EX = "http://example.org/"


def union_triples(store: ox.Store) -> Counter[str]:
    """The triples of the union default graph, each as often as the engine's union yields it."""
    found = Counter(str(q.triple) for q in store if not isinstance(q.graph_name, ox.DefaultGraph))
    return found if replica_module.PER_GRAPH else Counter(set(found))


def replica_triples(replica: AnalyticReplica) -> Counter[str]:
    rows = replica.con.execute(
        "SELECT ts.key || ' ' || tp.key || ' ' || tv.key FROM t JOIN terms ts ON ts.id = t.s "
        "JOIN terms tp ON tp.id = t.p JOIN terms tv ON tv.id = t.o"
    ).fetchall()
    return Counter(r[0] for r in rows)


def unsorted(replica: AnalyticReplica) -> int:
    return replica.con.execute("SELECT coalesce(sum(n), 0) FROM unsorted").fetchone()[0]  # type: ignore[index]


def shared_graph(name: str, rng: random.Random) -> list[ox.Quad]:
    """Triples that other graphs hold too (the same subjects, predicates and objects), and some of
    its own."""
    g = ox.NamedNode(name)
    quads = [
        ox.Quad(
            ox.NamedNode(f"{EX}s{rng.randrange(20)}"),
            ox.NamedNode(f"{EX}p{rng.randrange(3)}"),
            ox.Literal(
                str(rng.randrange(5)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            ),
            g,
        )
        for _ in range(40)
    ]
    quads += [
        ox.Quad(ox.NamedNode(f"{name}/own{i}"), ox.NamedNode(f"{EX}p0"), ox.NamedNode(f"{EX}s{i}"), g)
        for i in range(10)
    ]
    return quads


def generated(factors: int, seed: int, marker: str) -> tuple[ox.Store, AnalyticReplica]:
    """A store of generated data and its replica, caught up (marker ``marker``)."""
    data = io.BytesIO()
    generate(data, Sizes(factors=factors), seed=seed, base=BASE)
    store = ox.Store()
    store.load(data.getvalue(), format=ox.RdfFormat.N_QUADS)
    replica = AnalyticReplica(None, lambda: store, background=False)
    replica.follow(None, 1, "", marker)
    return store, replica


def test_the_replica_follows_releases_and_withdrawals_incrementally() -> None:
    store, replica = generated(1500, 3, "m1")
    assert replica_triples(replica) == union_triples(store)
    rng = random.Random(7)
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    versions = [g for g in graphs if "/dataset/bench-" in g]
    marker, generation = "m1", 1
    steps: list[tuple[str, list[str]]] = []
    for step in range(8):
        changed: list[str] = []
        if step % 4 == 0:  # a release: a new graph sharing triples with others
            name = f"{EX}release/{step}"
            store.extend(shared_graph(name, rng))
            changed.append(name)
        elif step % 4 == 1:  # a withdrawal of a dataset version
            gone = versions.pop(rng.randrange(len(versions)))
            store.remove_graph(ox.NamedNode(gone))
            changed.append(gone)
        elif step % 4 == 2:  # a graph replaced (the catalog after a release)
            name = f"{EX}release/{step - 2}"
            store.remove_graph(ox.NamedNode(name))
            store.extend(shared_graph(name, rng))
            changed.append(name)
        else:  # a withdrawal of a graph whose triples others hold too
            name = f"{EX}release/{step - 3}"
            store.remove_graph(ox.NamedNode(name))
            changed.append(name)
        generation += 1
        replica.follow(changed, generation, marker, f"m{generation}")
        marker = f"m{generation}"
        steps.append((marker, changed))
        assert replica_triples(replica) == union_triples(store), f"t differs from the model after {steps[-1]}"
        assert replica.current(generation) and replica.marker == marker
    assert unsorted(replica) > 0  # appended, not rebuilt
    rng = random.Random(11)
    queries = [q.render(rng, Sizes(factors=1500), BASE) for q in (*MIX, *QUESTIONS)]
    queries.append(
        PREFIXES + "SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?o) AS ?d) WHERE { ?s ?p ?o } GROUP BY ?p"
    )
    queries.append(f"SELECT ?o (COUNT(?s) AS ?n) WHERE {{ ?s <{EX}p1> ?o }} GROUP BY ?o")
    # the shared triples above are in several graphs: each counts once per graph on both paths
    assert any(n > 1 for n in union_triples(store).values()) == replica_module.PER_GRAPH
    compared = 0
    for text in queries:
        plan = analytic.prepare(analytic.normalized(text))
        two = None if plan is None else analytic.stage_two(plan, replica, 20)
        if two is None:
            continue
        compared += 1
        assert answers(store, two) == answers(store, text), text
    assert compared >= 6
    replica.close()


def test_a_large_change_sorts_the_union_table_again() -> None:
    store = ox.Store()
    rng = random.Random(1)
    for n in range(10):
        store.extend(shared_graph(f"{EX}g{n}", rng))
    replica = AnalyticReplica(None, lambda: store, background=False)
    replica.follow(None, 1, "", "a")
    store.extend(shared_graph(f"{EX}small", rng))
    replica.follow([f"{EX}small"], 2, "a", "b")
    appended = unsorted(replica)
    assert 0 < appended
    assert replica_triples(replica) == union_triples(store)  # copies added beside those held
    store.remove_graph(ox.NamedNode(f"{EX}g0"))
    replica.follow([f"{EX}g0"], 3, "b", "b2")  # copies fewer: deleted and appended again
    assert replica_triples(replica) == union_triples(store)
    for n in range(10, 20):  # more new triples than a tenth of the table
        store.extend(shared_graph(f"{EX}g{n}", rng))
    replica.follow([f"{EX}g{n}" for n in range(10, 20)], 4, "b2", "c")
    assert unsorted(replica) == 0
    assert replica_triples(replica) == union_triples(store)
    replica.close()


def test_constants_are_looked_up_through_the_dictionary_index() -> None:
    """The dictionary is indexed by key once loaded (a query's constants are found without scanning
    every term: at 1M factors 7M of them), and the index stays right as catch-ups add terms; keys
    are looked up in parts of at most ``LOOKUP``, each key once, absent keys absent."""
    from registry.store import analytic as replica_module

    store, replica = generated(150, 2, "i1")
    indexes = replica.con.execute("SELECT index_name, sql FROM duckdb_indexes() WHERE table_name = 'terms'")
    assert [(n, "(key)" in sql.replace('"', "")) for n, sql in indexes.fetchall()] == [("terms_key", True)]
    name = f"{EX}release/i"
    store.extend(shared_graph(name, random.Random(3)))
    replica.follow([name], 2, "i1", "i2")
    keys = [f"<{name}/own{i}>" for i in range(10)] + [f"<{EX}s{i}>" for i in range(20)]
    keys += [f"<{BASE}factor/bench-00000-f{i:05d}/1>" for i in range(100)]
    keys += [keys[0], f"<{EX}nowhere>"]
    assert replica_module.LOOKUP < len(keys)
    expected = dict(replica.con.execute("SELECT key, id FROM terms").fetchall())
    found = replica.ids(keys, 10)
    assert found == {k: expected[k] for k in keys if k in expected} and len(found) > replica_module.LOOKUP
    assert f"<{name}/own9>" in found and f"<{EX}nowhere>" not in found
    replica.close()


def test_a_replica_made_before_the_index_gets_it_in_the_background(tmp_path) -> None:  # noqa: ANN001
    store, _ = generated(60, 4, "x")
    replica = AnalyticReplica(str(tmp_path), lambda: store, background=False)
    replica.follow(None, 1, "", "m")
    replica.con.execute("DROP INDEX terms_key")
    replica.close()
    again = AnalyticReplica(str(tmp_path), lambda: store)
    assert again.marker == "m" and not again._indexed
    assert again.wait(60)  # the first query's want() makes it, then the replica is ready
    made = again.con.execute(
        "SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'terms_key'"
    ).fetchone()
    assert made == (1,) and again.ids([f"<{BASE}gas/CO2>"], 10)
    again.close()


def test_a_replica_of_another_layout_is_rebuilt(tmp_path) -> None:  # noqa: ANN001
    """A file whose ``t`` was made with another layout (an earlier release's distinct triples) is
    not used as it is: its marker counts as none, so the next change rebuilds it."""
    store = ox.Store()
    rng = random.Random(5)
    for n in range(3):
        store.extend(shared_graph(f"{EX}g{n}", rng))
    replica = AnalyticReplica(str(tmp_path), lambda: store, background=False)
    replica.follow(None, 1, "", "m")
    replica.con.execute("DELETE FROM layout; INSERT INTO layout VALUES ('t-distinct-0')")
    replica.close()
    again = AnalyticReplica(str(tmp_path), lambda: store, background=False)
    assert again.marker == ""
    again.follow([f"{EX}g0"], 2, "m", "n")  # a small change: rebuilt all the same
    assert again.marker == "n" and replica_triples(again) == union_triples(store)
    assert again.con.execute("SELECT name FROM layout").fetchall() == [(replica_module.LAYOUT,)]
    again.close()
