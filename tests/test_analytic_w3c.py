"""The two-stage evaluation keeps answers: on every query evaluation test of the W3C SPARQL 1.0 and
1.1 suites whose query :mod:`registry.query.analytic` translates, the answer of DuckDB's rows
finished by Oxigraph equals Oxigraph's answer to the query as written, on the same data (the test's
default graph held as one more named graph: the replica mirrors named graphs, and both sides read
the union of them)."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from test_planner_w3c import CASES, FORMATS, Case, answers, same

from registry.query import analytic
from registry.store.analytic import AnalyticError, AnalyticReplica

DEFAULT = ox.NamedNode("urn:x-test:default")


def load(case: Case) -> ox.Store:
    store = ox.Store()
    for path in case.data:
        store.load(path=str(path), format=FORMATS[path.suffix], base_iri=path.as_uri(), to_graph=DEFAULT)
    for path in case.graphs:
        graph = ox.NamedNode(path.as_uri())
        store.load(path=str(path), format=FORMATS[path.suffix], base_iri=path.as_uri(), to_graph=graph)
    return store


def run(store: ox.Store, text: str) -> tuple[str, object]:
    try:
        return "ok", answers(store.query(text, use_default_graph_as_union=True))
    except (SyntaxError, OSError, ValueError, RuntimeError) as exc:
        return "error", type(exc).__name__


@pytest.fixture(scope="module")
def outcomes() -> dict[str, str]:
    """Per test whose query is translated: ``same``, ``differs``, or why Oxigraph ran it alone."""
    out: dict[str, str] = {}
    for case in CASES:
        text = case.query.read_text(encoding="utf-8")
        plan = analytic.prepare(analytic.normalized(text), force=True)
        if plan is None:
            continue
        store = load(case)
        replica = AnalyticReplica(None, lambda store=store: store, background=False)
        replica.follow(None, 1, "", "test")
        try:
            two = analytic.stage_two(plan, replica, 30)
        except AnalyticError:
            out[case.name] = "sql refused"
            continue
        finally:
            replica.close()
        if two is None:
            out[case.name] = "rows do not fit"
            continue
        written, staged = run(store, text), run(store, two)
        agree = written[0] == staged[0] and (written[0] == "error" or same(text, written[1], staged[1]))
        out[case.name] = "same" if agree else f"differs: {written} / {staged}\n{two}"
    return out


def test_translated_queries_answer_as_written(outcomes) -> None:
    wrong = {name: how for name, how in outcomes.items() if how.startswith("differs")}
    assert not wrong, f"two-stage answers differ: {wrong}"


def test_the_subset_covers_part_of_the_suites(outcomes) -> None:
    kinds = Counter(outcomes.values())
    assert kinds["same"] >= 150, kinds
