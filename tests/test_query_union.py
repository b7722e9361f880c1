"""The union shortcut: a query's default graph is evaluated as the union of every graph only when
the graphs the caller may not read cannot change the answer (registry.query.inspect.data_checks,
OxigraphStore.union_dataset). Each case compares against the listed-graphs evaluation."""

from __future__ import annotations

import pytest

from registry.query.dataset import ReadableDataset, restrict
from registry.query.inspect import inspect_query
from registry.store import QueryDataset
from registry.store.oxigraph import OxigraphStore, UnionDataset

E = "http://ex.org/"
PUBLIC = E + "public"
DATA = f"""
<{E}f1> a <{E}Factor> ; <{E}geo> <{E}CN-HE> ; <{E}label> "one" . <{E}CN-HE> <{E}broader> <{E}CN> .
"""
#: what the caller may not read: a draft with the same predicates, a system graph, the default graph
DRAFT = f"""<{E}f2> a <{E}Factor> ; <{E}geo> <{E}CN-HE> ; <{E}label> "secret" . <{E}X> <{E}broader> <{E}CN-HE> ."""
SYSTEM = f"""<urn:efreg:store> <{E}token> "hash" . <{E}hidden-node> <{E}note> "x" ."""


@pytest.fixture
def store() -> OxigraphStore:
    s = OxigraphStore()
    s.load(DATA.encode(), "turtle", graph=PUBLIC)
    s.load(SYSTEM.encode(), "turtle", graph="urn:efreg:system")
    s.load(f'<{E}d> <{E}other> "default" .'.encode(), "ntriples")
    return s


def answer(store: OxigraphStore, query: str, dataset: QueryDataset) -> list[str]:
    return sorted(str(row) for row in store.select(query, dataset))


def run_both(store: OxigraphStore, query: str) -> tuple[QueryDataset, list[str], list[str]]:
    info = inspect_query(query, E)
    dataset = restrict([PUBLIC], info)
    assert isinstance(dataset, ReadableDataset)
    chosen = store.union_dataset(dataset, dataset.checks) if dataset.checks is not None else dataset
    listed = QueryDataset(dataset.default_graphs, dataset.named_graphs)
    return chosen, answer(store, query, chosen), answer(store, query, listed)


QUERIES = {
    "label": f"SELECT ?f ?l WHERE {{ ?f a <{E}Factor> ; <{E}label> ?l }}",
    "count": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?f <{E}geo> ?g }}",
    "path": f"SELECT ?g WHERE {{ <{E}CN-HE> <{E}broader>* ?g }}",
    "path-to": f"SELECT ?g WHERE {{ ?g <{E}broader>* <{E}CN> }}",
    "path-hidden-end": f"SELECT ?g WHERE {{ <{E}hidden-node> <{E}broader>* ?g }}",
    "variable-predicate": f"SELECT ?p ?o WHERE {{ <{E}f1> ?p ?o }}",
    "everything": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "negated": f"SELECT ?s WHERE {{ ?s !<{E}geo> ?o }}",
    "graph": f"SELECT ?g ?s WHERE {{ GRAPH ?g {{ ?s <{E}label> ?l }} }}",
    "exists": f'SELECT ?f WHERE {{ ?f <{E}geo> ?g FILTER NOT EXISTS {{ ?f <{E}label> "secret" }} }}',
}


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("with_draft", [False, True])
def test_same_answer_as_listed_graphs(store: OxigraphStore, name: str, with_draft: bool) -> None:
    if with_draft:
        store.load(DRAFT.encode(), "turtle", graph=E + "draft")
    _, union, listed = run_both(store, QUERIES[name])
    assert union == listed


def test_union_used_when_hidden_graphs_cannot_match(store: OxigraphStore) -> None:
    chosen, _, _ = run_both(store, QUERIES["label"])
    assert isinstance(chosen, UnionDataset)
    chosen, _, _ = run_both(store, QUERIES["path"])
    assert isinstance(chosen, UnionDataset)


def test_listed_graphs_when_a_hidden_graph_could_match(store: OxigraphStore) -> None:
    store.load(DRAFT.encode(), "turtle", graph=E + "draft")
    for name in ("label", "count", "path", "path-to"):
        chosen, _, _ = run_both(store, QUERIES[name])
        assert not isinstance(chosen, UnionDataset), name
    # the store's default graph is not readable either
    chosen, _, _ = run_both(store, f"SELECT ?s WHERE {{ ?s <{E}other> ?l }}")
    assert not isinstance(chosen, UnionDataset)


def test_zero_length_path_ends_are_checked_as_nodes(store: OxigraphStore) -> None:
    chosen, union, listed = run_both(store, QUERIES["path-hidden-end"])
    assert not isinstance(chosen, UnionDataset) and union == listed == []


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ ?a <{E}broader>* ?b }}",
        f"SELECT * WHERE {{ ?a <{E}broader>? ?b }}",
        f"DESCRIBE <{E}f1>",
    ],
)
def test_no_checks_when_unknowable(query: str) -> None:
    assert inspect_query(query, E).checks is None


def test_checks_cover_every_pattern() -> None:
    checks = inspect_query(
        f"""SELECT * WHERE {{ ?a <{E}p> <{E}o> ; a <{E}C> . ?a <{E}q>/<{E}r> ?b
        OPTIONAL {{ ?b <{E}opt> [ <{E}inner> ?c ] }} MINUS {{ ?a <{E}minus> ?d }}
        {{ SELECT ?a WHERE {{ ?a <{E}sub> ?e }} }} FILTER EXISTS {{ ?a <{E}exists> ?f }} }}""",
        E,
    ).checks
    assert checks is not None
    predicates = {p for _, p, _ in checks}
    assert {E + n for n in ("p", "q", "r", "opt", "inner", "minus", "sub", "exists")} <= predicates
    assert (None, E + "p", E + "o") in checks
    assert (None, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", E + "C") in checks


def test_explicit_datasets_are_not_shortcut() -> None:
    info = inspect_query(f"SELECT * FROM <{PUBLIC}> WHERE {{ ?s ?p ?o }}", E)
    assert not isinstance(restrict([PUBLIC], info), ReadableDataset)
    info = inspect_query("SELECT * WHERE { ?s ?p ?o }", E)
    assert not isinstance(restrict([PUBLIC], info, [PUBLIC]), ReadableDataset)
