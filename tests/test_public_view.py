"""The public read model (registry.publishing.public_view): after every step of the release process it
holds exactly the public graphs, triple for triple; while it lags behind a write the store reads the
listed public graphs instead; it survives a reopen; forked query workers read it."""

from __future__ import annotations

import importlib.util

import pyoxigraph as ox

from registry.config import Settings
from registry.ingest.seeds import load_seeds
from registry.publishing import access, public_view
from registry.publishing import workflow as publishing
from registry.publishing.catalog import refresh_versions
from registry.publishing.tokens import authenticate, create_token, ensure_publisher
from registry.query import worker
from registry.query.endpoint import Endpoint
from registry.store import PublicDataset, open_store
from registry.store.meta import ensure_base_uri

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

EF = "PREFIX ef: <https://w3id.org/efreg/ontology#>\n"


def _graph(store: ox.Store, graph: str) -> set[bytes]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return set((ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b"").splitlines())


def assert_exact(store) -> None:
    """The model is in use and holds the public graphs, each triple for triple, and nothing else."""
    assert store.view_current()
    public = set(access.public_graphs(store))
    view = store.view
    assert {g.value for g in view.named_graphs()} == public
    assert next(iter(view.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None
    for graph in public:
        assert _graph(view, graph) == _graph(store.pyoxigraph, graph), graph


def _tokens(store) -> dict[str, object]:
    for publisher in ("acme", "beta"):
        ensure_publisher(store, BASE, publisher)
    return {
        "acme": authenticate(store, create_token(store, "acme", "publisher")),
        "reviewer": authenticate(store, create_token(store, "efreg", "reviewer")),
    }


def _upload(store, settings, caller, ds: str, version: int, tmp_path, access_level: str = "Commercial"):
    path = tmp_path / f"{ds}-{version}.ttl"
    path.write_text(_module.factors(ds, version, "acme", range(3)), encoding="utf-8")
    outcome = publishing.upload(store, settings, caller, ds, [path], access_level=access_level)
    assert outcome.stored, outcome.report.to_text("en")


def test_every_release_step_keeps_the_model_exact(store, settings, tmp_path):
    assert_exact(store)  # the seeds (load_seeds refreshes the catalog)
    who = _tokens(store)
    public_view.sync(store)
    assert_exact(store)
    _upload(store, settings, who["acme"], "acme-c", 1, tmp_path)
    assert_exact(store)  # a draft: nothing new in the model
    assert store.view is not None
    assert ox.NamedNode(BASE + "dataset/acme-c/1") not in set(store.view.named_graphs())
    for action, caller in (("submit", "acme"), ("approve", "reviewer")):
        publishing.act(store, BASE, who[caller], "acme-c", "1", action)
        assert_exact(store)
    views = {g.value for g in store.view.named_graphs()}
    assert BASE + "dataset/acme-c/1" in views and BASE + "dataset/acme-c/1/values" not in views
    # a second version supersedes the first (dct:isReplacedBy in the catalog), then the first goes
    _upload(store, settings, who["acme"], "acme-c", 2, tmp_path)
    for action, caller in (("submit", "acme"), ("approve", "reviewer")):
        publishing.act(store, BASE, who[caller], "acme-c", "2", action)
    assert_exact(store)
    replaced = EF + f"ASK {{ <{BASE}factor/acme-c-0/1> <http://purl.org/dc/terms/isReplacedBy> ?n }}"
    assert store.view.query(replaced, use_default_graph_as_union=True)
    publishing.act(store, BASE, who["acme"], "acme-c", "1", "withdraw")
    assert_exact(store)
    assert BASE + "dataset/acme-c/1" not in {g.value for g in store.view.named_graphs()}
    publishing.act(store, BASE, who["acme"], "acme-c", "2", "comment", "a note on a published version")
    assert_exact(store)
    publishing.grant(store, BASE, who["acme"], "acme-c", "beta")
    assert_exact(store)


def test_a_write_outside_the_release_step_is_read_exactly_until_the_next_sync(store, settings):
    endpoint = Endpoint(store, settings)
    extra = BASE + "dataset/extra/1"
    store.load(
        f"""<{extra}> a <http://www.w3.org/ns/dcat#Dataset> ;
            <https://w3id.org/efreg/ontology#reviewStatus> <https://w3id.org/efreg/ontology#Published> ;
            <https://w3id.org/efreg/ontology#accessLevel> <https://w3id.org/efreg/ontology#Open> ;
            <urn:x:mark> "marked" .""",
        "turtle",
        graph=extra,
    )
    assert not store.view_current()
    query = 'SELECT ?s WHERE { ?s <urn:x:mark> "marked" }'
    prepared = endpoint.prepare_query(query, None)
    assert isinstance(prepared.dataset, PublicDataset) and prepared.dataset.union
    assert b"dataset/extra/1" in endpoint.run_query(prepared, "text/csv").body  # the listed graphs
    refresh_versions(store, BASE)  # what `efreg load` and the seeds do after a load
    assert_exact(store)
    prepared = endpoint.prepare_query(query + " # again", None)
    assert b"dataset/extra/1" in endpoint.run_query(prepared, "text/csv").body  # the model


def test_an_update_through_the_endpoint_is_carried_over(store, settings):
    endpoint = Endpoint(store, settings)
    admin = authenticate(store, create_token(store, "efreg", "admin"))
    public_view.sync(store)
    graph = next(g for g in access.public_graphs(store) if "/dataset/" in g and not g.endswith("catalog"))
    endpoint.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:s> <urn:x:p> "in place" }} }}', admin)
    assert_exact(store)
    assert store.view.query('ASK { GRAPH ?g { <urn:x:s> <urn:x:p> "in place" } }')
    endpoint.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ <urn:x:s> ?p ?o }} }}", admin)
    assert_exact(store)


def test_the_model_is_read_by_forked_workers_and_survives_a_reopen(tmp_path):
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    store = open_store(url)
    ensure_base_uri(store, BASE)
    load_seeds(store, BASE)
    assert_exact(store)
    assert (tmp_path / "store" / "public").is_dir()
    # a triple only the model holds (written behind the store's back): a worker that answers with
    # it read the model, not the store
    graph = access.public_graphs(store)[-1]
    store.view.add(
        ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("view"), ox.NamedNode(graph))
    )
    public = PublicDataset(access.public_graphs(store), access.public_graphs(store), union=True)
    query = "SELECT ?o WHERE { <urn:x:s> <urn:x:p> ?o }"
    answer = worker.run(store, query, "select", "text/csv", public, 30.0, 100)
    assert b"view" in answer.body
    listed = worker.run(store, query + " ", "select", "text/csv", access_listed(store), 30.0, 100)
    assert b"view" not in listed.body
    store.close()
    # reopened: not in use until checked (what `serve` does at start, through recover)
    again = open_store(url)
    assert not again.view_current()
    report = public_view.sync(again)
    assert report is not None and report.current and not report.added
    assert_exact_but(again, graph)
    again.close()


def access_listed(store):
    from registry.store import QueryDataset

    graphs = access.public_graphs(store)
    return QueryDataset(graphs, graphs)


def assert_exact_but(store, graph: str) -> None:
    """The tampered graph is the one difference (a sync compares graph names and noted changes only)."""
    assert {g.value for g in store.view.named_graphs()} == set(access.public_graphs(store))
    assert _graph(store.view, graph) - _graph(store.pyoxigraph, graph) == {b'<urn:x:s> <urn:x:p> "view" .'}


def test_a_crash_after_a_catalog_change_is_repaired_at_start(tmp_path):
    """The note that goes with every catalog change: a store closed before its sync (as after
    ``kill -9``) is repaired by the sync at start."""
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    store = open_store(url)
    ensure_base_uri(store, BASE)
    load_seeds(store, BASE)
    settings = Settings(store=url, base_uri=BASE)
    who = _tokens(store)
    _upload(store, settings, who["acme"], "acme-o", 1, tmp_path, access_level="Open")
    publishing.act(store, BASE, who["acme"], "acme-o", "1", "submit")
    v = publishing.find_version(store, BASE, "acme-o", "1")
    reviewer = who["reviewer"]
    # the approve's update, without the sync that follows it
    store.update(publishing._transition_update(store, BASE, v, "approve", "Published", reviewer, None))
    store.close()
    again = open_store(url)
    publishing.recover(again, BASE)  # what `serve` runs at start
    assert_exact(again)
    assert BASE + "dataset/acme-o/1" in {g.value for g in again.view.named_graphs()}
    again.close()


def _version(ds: str, n: int) -> str:
    """Version ``n`` of a one-factor dataset, published by its own record (as ``efreg load`` data)."""
    ef, dct, dcat = (
        "https://w3id.org/efreg/ontology#",
        "http://purl.org/dc/terms/",
        "http://www.w3.org/ns/dcat#",
    )
    graph, factor = f"{BASE}dataset/{ds}/{n}", f"{BASE}factor/{ds}-0"
    return f"""<{graph}> a <{dcat}Dataset> ; <{dcat}version> "{n}" ; <{dct}isVersionOf> <{BASE}dataset/{ds}> ;
        <{ef}reviewStatus> <{ef}Published> ; <{ef}accessLevel> <{ef}Open> .
    <{factor}/{n}> a <{ef}EmissionFactor> ; <{dct}isVersionOf> <{factor}> ; <{dcat}version> "{n}" ;
        <{dct}isPartOf> <{graph}> ."""


def test_a_refresh_that_names_its_versions_compares_only_their_records(store):
    """What the import gate does (refresh_versions(..., released=graphs)): a second version becomes
    current; only the records about the versions named are compared, and the model is exact."""
    public_view.sync(store)
    for n in (1, 2):
        graph = f"{BASE}dataset/extra/{n}"
        store.load(_version("extra", n), "turtle", graph=graph)
        refresh_versions(store, BASE, released=[graph])
        assert_exact(store)
    current = f"ASK {{ <{BASE}factor/extra-0> <http://www.w3.org/ns/dcat#hasCurrentVersion> <{BASE}factor/extra-0/2> }}"
    assert store.view.query(current, use_default_graph_as_union=True)
