"""Queries whose readings by two SPARQL parsers differ (relative BASE chains, unusual prefixes,
escapes, constant GRAPH names, FROM a hidden graph, DESCRIBE, property paths), over real HTTP: none
reaches a graph the caller may not read, and a refusal is a 4xx, never a 500. Access no longer
depends on how a query is read: a caller who may read only what is public queries the public read
model (a store that holds nothing else), every other caller an exact dataset the engine enforces."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_access import DS, FACTOR, GRAPH, SECRET, VALUES, _module, commercial, sparql  # noqa: F401

from registry.publishing import access, public_view
from registry.publishing import workflow as publishing
from registry.publishing.tokens import authenticate, create_token, ensure_publisher
from registry.store import PublicDataset, QueryDataset
from registry.store.virtuoso_access import Levels, level_name

from conftest import BASE, free_port, serving

DRAFT_DS = "delta-draft"
DRAFT_SECRET = "86420.1357"  #: a value that appears nowhere but in another publisher's draft
DRAFT = BASE + f"dataset/{DRAFT_DS}/1"
ONTOLOGY = "https://w3id.org/efreg/ontology#"

#: name -> query text; each would reach a commercial value or a draft if the dataset were decided
#: from a reading other than the engine's.
ATTACKS = {
    "relative BASE (issue 13)": "BASE <https://w3id.org/efreg/a/> BASE <../> "
    "SELECT ?v WHERE { ?c <ontology#value> ?v }",
    "relative BASE chain": "BASE <https://w3id.org/x/y/z/> BASE <../../efreg/q/> BASE <../> "
    "PREFIX e: <ontology#> SELECT ?v WHERE { ?c e:value ?v }",
    "empty prefix": f"PREFIX : <{ONTOLOGY}> SELECT ?v WHERE {{ ?c :value ?v }}",
    "prefix declared twice": f"PREFIX ef: <http://example.org/> PREFIX ef: <{ONTOLOGY}> "
    "SELECT ?v WHERE { ?c ef:value ?v }",
    "escaped IRI": "SELECT ?v WHERE { ?c <https://w3id.org/efreg/ontology\\u0023value> ?v }",
    "escaped prefix name": f"PREFIX ef: <{ONTOLOGY}> SELECT ?v WHERE {{ ?c ef:v\\u0061lue ?v }}",
    "GRAPH values constant": f"SELECT * WHERE {{ GRAPH <{VALUES}> {{ ?s ?p ?o }} }}",
    "GRAPH draft constant": f"SELECT * WHERE {{ GRAPH <{DRAFT}> {{ ?s ?p ?o }} }}",
    "GRAPH relative to BASE": f"BASE <{GRAPH}/> SELECT * WHERE {{ GRAPH <values> {{ ?s ?p ?o }} }}",
    "FROM relative to BASE": f"BASE <{GRAPH}/> SELECT ?o FROM <values> WHERE {{ ?s ?p ?o }}",
    "FROM NAMED relative": f"BASE <{GRAPH}/> SELECT ?o FROM NAMED <values> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "FROM draft": f"SELECT ?o FROM <{DRAFT}> WHERE {{ ?s ?p ?o }}",
    "DESCRIBE relative": f"BASE <{BASE}factor/> DESCRIBE <{DS}-0/1>",
    "DESCRIBE of a value node": f"PREFIX ef: <{ONTOLOGY}> DESCRIBE ?n WHERE {{ <{FACTOR}> ef:component ?n }}",
    "zero-length path": f"PREFIX ef: <{ONTOLOGY}> SELECT ?v WHERE {{ ?f (ef:component|ef:x)*/ef:value ?v }}",
    "negated property set": "SELECT ?v WHERE { ?n !(<urn:x:nothing>) ?v }",
    "sequence through a variable": "SELECT ?v WHERE { ?f ?p ?n . ?n ?q ?v }",
    "subquery": f"PREFIX ef: <{ONTOLOGY}> SELECT ?v WHERE {{ {{ SELECT ?v WHERE {{ ?n ef:value ?v }} }} }}",
    "EXISTS over a graph": f"SELECT ?o WHERE {{ ?s ?p ?o FILTER EXISTS {{ GRAPH <{VALUES}> {{ ?x ?y ?o }} }} }}",
    "VALUES graph name": f"SELECT ?o WHERE {{ VALUES ?g {{ <{VALUES}> <{DRAFT}> }} GRAPH ?g {{ ?s ?p ?o }} }}",
}


@pytest.fixture
def readers(store, settings, tmp_path, commercial):  # noqa: F811 - the fixture of test_access
    """``commercial`` plus another publisher's draft (holding DRAFT_SECRET) and an admin token."""
    ensure_publisher(store, BASE, "delta")
    delta = authenticate(store, create_token(store, "delta", "publisher"))
    path = tmp_path / "draft.ttl"
    path.write_text(
        _module.factors(DRAFT_DS, 1, "delta", range(2)).replace('"50000"^^', f'"{DRAFT_SECRET}"^^'),
        encoding="utf-8",
    )
    assert publishing.upload(store, settings, delta, DRAFT_DS, [path]).stored
    admin = create_token(store, "efreg", "admin")
    public_view.sync(store)  # tokens are made outside the release step: the model in use again
    assert getattr(store, "public_model", None) is None or store.view_current()  # Virtuoso: none
    return {**commercial, "admin": {"Authorization": f"Bearer {admin}"}}


def _status_ok(name: str, response) -> None:
    assert response.status_code != 500, (name, response.text[:300])
    assert response.status_code in (200, 400, 403), (name, response.status_code, response.text[:300])


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_no_reading_reaches_a_graph_the_caller_may_not_read(live_server, readers, name):
    query = ATTACKS[name]
    accept = "text/turtle" if "DESCRIBE" in name else "application/sparql-results+json"
    # public readers (the public read model), then callers who read more (exact datasets)
    for who in (None, "gamma", "reviewer", "acme", "beta"):
        headers = readers[who] if who else {}
        answer = sparql(live_server, query, headers, accept)
        _status_ok(name, answer)
        assert DRAFT_SECRET not in answer.text, (name, who)
        if who in (None, "gamma", "reviewer"):
            assert SECRET not in answer.text, (name, who)


def test_service_to_the_endpoint_itself_reads_only_what_is_public(readers, store, settings, backend, request):
    """SERVICE to the registry's own endpoint, and (on Virtuoso) to the store's own anonymous
    endpoint, both allow-listed: efreg calls them as an anonymous client, so whoever asks gets no
    commercial value and no draft through them (Virtuoso: its anonymous user reads no such graph)."""
    from registry.web import create_app

    port = free_port()
    endpoints = [f"http://127.0.0.1:{port}/sparql"]
    if backend == "virtuoso":
        endpoints.append(request.getfixturevalue("virtuoso_server").sparql_url)
    app = create_app(replace(settings, service_allowlist=tuple(endpoints)), store=store)
    with serving(app, port) as root:
        for endpoint in endpoints:
            for query in (
                f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ GRAPH <{VALUES}> {{ ?s ?p ?o }} }} }}",
                f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ GRAPH <{DRAFT}> {{ ?s ?p ?o }} }} }}",
                f"SELECT ?v WHERE {{ SERVICE <{endpoint}> {{ ?n <{ONTOLOGY}value> ?v }} }}",
            ):
                for who in (None, "gamma", "beta"):
                    answer = sparql(root, query, readers[who] if who else {})
                    _status_ok(endpoint, answer)
                    assert SECRET not in answer.text and DRAFT_SECRET not in answer.text, (endpoint, who)
        # the endpoint was really called: a public value comes back through it
        public = sparql(root, f"SELECT ?v WHERE {{ SERVICE <{endpoints[0]}> {{ ?n <{ONTOLOGY}value> ?v }} }}")
        assert public.status_code == 200 and public.json()["results"]["bindings"], public.text[:300]


def test_the_relative_base_query_reads_ef_value_for_those_who_may(live_server, readers):
    """Not refused wholesale: the engine's reading (ef:value) answers within what each caller reads."""
    query = ATTACKS["relative BASE (issue 13)"]
    anonymous = sparql(live_server, query)
    assert anonymous.status_code == 200 and anonymous.json()["results"]["bindings"]  # seed values
    assert SECRET not in anonymous.text
    assert SECRET in sparql(live_server, query, readers["beta"]).text  # granted
    assert DRAFT_SECRET not in sparql(live_server, query, readers["beta"]).text


def test_refusals_are_4xx(live_server, readers):
    for name in ("FROM draft",):
        assert sparql(live_server, ATTACKS[name]).status_code == 403
    fro = sparql(live_server, f"SELECT ?o FROM <{VALUES}> WHERE {{ ?s ?p ?o }}", readers["gamma"])
    assert fro.status_code == 403 and SECRET not in fro.text
    assert sparql(live_server, "SELECT ?o WHERE { ?s ?p ?o ").status_code == 400
    admin = readers["admin"]
    for name in ("FROM draft", "GRAPH draft constant"):  # an admin reads drafts; the system graph never
        answer = sparql(live_server, ATTACKS[name], admin)
        assert answer.status_code == 200 and DRAFT_SECRET in answer.text
    system = sparql(live_server, "SELECT * WHERE { GRAPH <urn:efreg:system> { ?s ?p ?o } }", admin)
    assert system.status_code == 200 and system.json()["results"]["bindings"] == []


def test_a_level_name_is_kept_for_the_same_tuple_only() -> None:
    """The level of the last readable tuple is kept (no hashing per query), never for another set."""
    levels = Levels(lambda query: None, lambda name, secret: None, "dba:dba")  # type: ignore[arg-type,return-value]
    both, one = ("urn:g1", "urn:g2"), ("urn:g1",)
    assert levels._name(both) == level_name(both)
    assert levels._name(one) == level_name(one) != level_name(both)
    assert levels._name(both) == level_name(both) and levels._name(list(one)) == level_name(one)


def test_who_reads_the_public_model(store, readers):
    gamma = authenticate(store, readers["gamma"]["Authorization"].split()[1])
    beta = authenticate(store, readers["beta"]["Authorization"].split()[1])
    assert access.reads_only_public(store, None) and access.reads_only_public(store, gamma)
    assert not access.reads_only_public(store, beta)
    if getattr(store, "levels", None) is not None:  # Virtuoso: access levels instead of a model
        public, granted = access.ReadView(store, gamma), access.ReadView(store, beta)
        assert public._dataset(None).extra == () and VALUES in granted._dataset(None).extra
        assert level_name(public.readable) != level_name(granted.readable)
        assert level_name(reversed(public.readable)) == level_name(public.readable)  # a set
        return
    view = {g.value for g in store.view.named_graphs()}
    assert view == set(access.public_graphs(store))
    assert VALUES not in view and DRAFT not in view and "urn:efreg:system" not in view
    target, args = store._dataset_args(PublicDataset(("x",), ("x",), union=True))
    assert target is store.view and args == {"use_default_graph_as_union": True}


def test_a_graph_once_readable_and_made_again_is_not_read_by_a_level_that_no_longer_lists_it(store):
    """The leak a dataset-less query had on Virtuoso: a level that once read graph X (a release) kept
    its permission after X was dropped (a withdrawal), and X made again as a draft was then readable.
    A caller's query runs against exactly its readable graphs: X is in no answer and no listing."""
    kept, gone = BASE + "test/kept", BASE + "test/gone"
    secret = "97531.8642"
    store.load(f'<{kept}> <{ONTOLOGY}note> "kept" .'.encode(), "ntriples", graph=kept)
    store.load(f'<{gone}> <{ONTOLOGY}note> "public once" .'.encode(), "ntriples", graph=gone)

    def dataset(*graphs: str) -> QueryDataset:
        return QueryDataset(default_graphs=graphs, named_graphs=graphs, readable=graphs)

    every = "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = store.select(every, dataset(kept, gone))
    assert {str(r["g"]) for r in before} == {kept, gone}  # X was readable
    store.drop_graph(gone)
    assert {str(r["g"]) for r in store.select(every, dataset(kept))} == {kept}
    store.load(f'<{gone}> <{ONTOLOGY}value> "{secret}" .'.encode(), "ntriples", graph=gone)  # a draft
    later = dataset(kept)
    for query in (
        every,
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",  # Virtuoso: from its list of all graphs
        "select distinct (?g as ?x) { graph ?g { ?a ?b ?c } } limit 50 offset 0",
        "SELECT ?o WHERE { ?s ?p ?o }",
        f"SELECT ?o WHERE {{ GRAPH <{gone}> {{ ?s ?p ?o }} }}",
        f"SELECT ?o WHERE {{ <{gone}> <{ONTOLOGY}value>* ?o }}",
        f"SELECT ?o WHERE {{ <{gone}> !<urn:x:none> ?o }}",
    ):
        answer = store.select(query, later)
        assert secret not in str(answer) and gone not in {str(r.get("g", r.get("x"))) for r in answer}, query
    assert secret not in store.construct(f"DESCRIBE <{gone}>", later).serialize(format="nt")
    assert secret not in store.construct("CONSTRUCT WHERE { ?s ?p ?o }", later).serialize(format="nt")
    raw = store.query_raw(every, "application/sparql-results+json", later)
    assert secret.encode() not in b"".join(raw.chunks) and store.graphs()[gone] == 1
