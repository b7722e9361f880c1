"""A write does not throw away what it did not change (registry.publishing.freshness): a draft
upload and a submission keep the kept public answers, documents and warm query workers; a release or
any other write to a public graph renews them; an answer computed for a caller who may read more is
never given to one who may read less."""

from __future__ import annotations

import importlib.util

import pytest

from registry.publishing import freshness
from registry.publishing import workflow as publishing
from registry.publishing.tokens import authenticate, create_token, ensure_publisher
from registry.query import worker

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_factors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_factors)
DS = "fresh-fuels"
COUNT = "SELECT (COUNT(?f) AS ?n) WHERE { ?f a <https://w3id.org/efreg/ontology#EmissionFactor> }"


@pytest.fixture
def tokens(store):
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    return {
        name: create_token(store, publisher, role)
        for name, publisher, role in (("acme", "acme", "publisher"), ("reviewer", "efreg", "reviewer"))
    }


def upload(store, settings, tokens, tmp_path, version: int, n: int) -> None:
    path = tmp_path / f"v{version}.ttl"
    path.write_text(_factors.factors(DS, version, "acme", range(n)), encoding="utf-8")
    caller = authenticate(store, tokens["acme"])
    assert publishing.upload(store, settings, caller, DS, [path]).stored


def act(store, tokens, version: int, action: str, who: str) -> None:
    publishing.act(store, BASE, authenticate(store, tokens[who]), DS, str(version), action)


def released(store, settings, tokens, tmp_path, ds: str, version: int, n: int) -> None:
    """Dataset ``ds`` version ``version`` of ``n`` factors uploaded by acme, submitted and approved."""
    path = tmp_path / f"{ds}-{version}.ttl"
    path.write_text(_factors.factors(ds, version, "acme", range(n)), encoding="utf-8")
    assert publishing.upload(store, settings, authenticate(store, tokens["acme"]), ds, [path]).stored
    for action, who in (("submit", "acme"), ("approve", "reviewer")):
        publishing.act(store, BASE, authenticate(store, tokens[who]), ds, str(version), action)


def count(client, token: str | None = None) -> tuple[int, str]:
    headers = {"Accept": "text/csv"} | ({"Authorization": "Bearer " + token} if token else {})
    response = client.get("/sparql", query_string={"query": COUNT}, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.text.split()[1]), response.headers["Efreg-Answer"]


def test_drafts_and_submissions_keep_public_answers_documents_and_workers(
    store, settings, client, tokens, tmp_path
):
    upload(store, settings, tokens, tmp_path, 1, 3)
    act(store, tokens, 1, "submit", "acme")
    act(store, tokens, 1, "approve", "reviewer")
    before, how = count(client)
    assert how == "evaluated" and count(client) == (before, "kept")
    document = client.get(f"/dataset/{DS}/1.ttl")
    assert document.status_code == 200
    workers = {found.pid for found in worker.pool(store)._idle}
    state = freshness.depends_on(store)

    upload(store, settings, tokens, tmp_path, 2, 5)  # a draft of 5 more factors
    act(store, tokens, 2, "submit", "acme")
    assert freshness.depends_on(store) == state
    assert count(client) == (before, "kept")  # no public graph changed
    assert {found.pid for found in worker.pool(store)._idle} == workers  # still warm
    assert client.get(f"/dataset/{DS}/1.ttl").get_data() == document.get_data()
    # the publisher reads its draft: its answer is its own, never given to anyone else
    mine, _ = count(client, tokens["acme"])
    assert mine == before + 5
    assert count(client) == (before, "kept")
    assert count(client, tokens["reviewer"])[0] == before + 5  # reviews what was submitted

    act(store, tokens, 2, "approve", "reviewer")  # a release: the public graphs changed
    assert freshness.depends_on(store) != state
    # renewed at the end of the release, before it was acknowledged (Endpoint.renew)
    assert count(client) == (before + 5, "kept")
    # acme now reads the public graphs and nothing else: the answer anyone gets
    assert count(client, tokens["acme"]) == (before + 5, "kept")


def test_any_write_not_marked_renews_public_state(store, client):
    """A write the registry did not mark as changing no public graph (an admin update, a load) is
    taken to change them: what was kept is not given again."""
    count(client)
    state = freshness.depends_on(store)
    store.update(f"INSERT DATA {{ GRAPH <{BASE}catalog> {{ <{BASE}x> <{BASE}p> 1 }} }}")
    assert freshness.depends_on(store) != state
    assert count(client)[1] == "evaluated"
    state = freshness.depends_on(store)
    with freshness.public_unchanged(store):
        store.update(f"INSERT DATA {{ GRAPH <{BASE}dataset/x/1> {{ <{BASE}x> <{BASE}p> 1 }} }}")
    assert freshness.depends_on(store) == state
    store.update(f"INSERT DATA {{ GRAPH <{BASE}dataset/x/1> {{ <{BASE}x> <{BASE}p> 2 }} }}")
    assert freshness.depends_on(store) != state


def test_a_store_without_generations_keeps_nothing(store):
    class Remote:
        pass

    assert freshness.depends_on(Remote()) is None  # type: ignore[arg-type]


def test_search_reads_the_public_model_with_the_same_answers_and_is_kept(
    store, settings, client, tokens, tmp_path
):
    from registry.publishing import access, public_view
    from registry.search import SearchQuery, search

    upload(store, settings, tokens, tmp_path, 1, 4)
    act(store, tokens, 1, "submit", "acme")
    act(store, tokens, 1, "approve", "reviewer")
    public_view.sync(store)
    graphs = access.readable_graphs(store)
    for query in (SearchQuery(), SearchQuery(text="test fuel"), SearchQuery(text="co2", page=2, size=5)):
        listed, union = search(store, graphs, BASE, query), search(store, graphs, BASE, query, public=True)
        assert (union.total, union.hits, union.facets) == (listed.total, listed.hits, listed.facets)
    page = client.get("/search?q=test+fuel").get_data()
    assert b"Test fuel 3" in page
    upload(store, settings, tokens, tmp_path, 2, 9)  # a draft
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    factor = "<https://w3id.org/efreg/ontology#EmissionFactor>"
    drop = f"DELETE {{ GRAPH ?g {{ ?f {label} ?l }} }} WHERE {{ GRAPH ?g {{ ?f a {factor} ; {label} ?l }} }}"
    with freshness.public_unchanged(store):  # (a false word, to see that the search was kept)
        store.update(drop)
    assert client.get("/search?q=test+fuel").get_data() == page
    store.update(f"INSERT DATA {{ GRAPH <{BASE}catalog> {{ <{BASE}x> <{BASE}p> 1 }} }}")  # renewed
    assert b"Test fuel 3" not in client.get("/search?q=test+fuel").get_data()


def test_a_release_keeps_the_documents_of_resources_it_did_not_touch(
    app, store, settings, client, tokens, tmp_path
):
    """Per-resource dependencies: releasing dataset A keeps the kept documents of dataset B's
    factors (the same object and ETag, answered without building) and renews A's documents, the
    dataset list, VoID and the home page; withdrawing A answers 410 at once."""
    other = "fresh-other"

    def release(ds: str, version: int, n: int) -> None:
        released(store, settings, tokens, tmp_path, ds, version, n)

    release(DS, 1, 2)
    release(other, 1, 2)
    b_paths = [f"/factor/{other}-0/1.ttl", f"/factor/{other}-1/1.html", f"/factor/{other}-0.ttl"]
    b_paths.append(f"/dataset/{other}/1.html")  # its factor list, labels and history: subjects read
    a_paths = [f"/factor/{DS}-0/1.ttl", f"/factor/{DS}-0.ttl", f"/dataset/{DS}/1.ttl", f"/dataset/{DS}.ttl"]
    whole = ["/", "/void.ttl", "/dataset/", "/search?q=test"]

    def kept(path: str):
        stem, suffix = path.rsplit(".", 1)
        fmt = {"ttl": "turtle", "html": "html"}[suffix]
        key = ("resource", stem.lstrip("/")) + ((1,) if stem.startswith("/dataset/") else ())
        item = app.extensions["efreg.documents"].get(
            ("per-resource", key, fmt, "en" if fmt == "html" else None)
        )
        return item[2] if item is not None else None

    first = {p: client.get(p) for p in b_paths + a_paths + whole}
    assert all(r.status_code == 200 for r in first.values()), {p: r.status_code for p, r in first.items()}
    documents = {p: kept(p) for p in b_paths + a_paths}
    assert all(documents.values()), documents

    release(DS, 2, 3)  # a release of A: version 2, one factor more
    after = {p: client.get(p) for p in b_paths + a_paths + whole}
    for p in (f"/factor/{DS}-2/2.ttl", f"/factor/{DS}-2/2.html", f"/dataset/{DS}/2.ttl"):
        assert client.get(p).status_code == 200 and kept(p) is not None  # kept before the withdrawal
    for p in b_paths:  # B untouched: the very document kept, its ETag
        assert after[p].status_code == 200 and after[p].headers["ETag"] == first[p].headers["ETag"]
        assert kept(p) is documents[p], p
    for p in a_paths:  # A's documents renewed (the thing now has version 2; the version lists it)
        assert kept(p) is not documents[p], p
    assert f"/factor/{DS}-0/2".encode() in after[f"/factor/{DS}-0.ttl"].get_data()
    assert f"{DS}/2".encode() in after[f"/dataset/{DS}.ttl"].get_data()
    assert (
        f"{DS}-2".encode() in client.get("/void.ttl").get_data()
        or after["/void.ttl"].get_data() != first["/void.ttl"].get_data()
    )
    for p in whole:  # what lists everything is renewed
        assert after[p].get_data() != first[p].get_data(), p

    publishing.act(store, BASE, authenticate(store, tokens["acme"]), DS, "2", "withdraw")
    for p in (f"/factor/{DS}-2/2.ttl", f"/factor/{DS}-2/2.html"):  # at once, though kept before
        assert client.get(p).status_code == 410, p
    assert client.get(f"/dataset/{DS}/2.ttl").status_code == 410
    assert f"/factor/{DS}-0/2".encode() not in client.get(f"/factor/{DS}-0.ttl").get_data()
    for p in b_paths:  # still B's kept documents
        assert client.get(p).headers["ETag"] == first[p].headers["ETag"] and kept(p) is documents[p]


def test_a_comment_on_a_published_version_renews_its_kept_page(store, settings, client, tokens, tmp_path):
    """A comment writes only the (private) system graph, but the version's public page shows its
    review history: the kept page of that version must show the comment at once; another
    version's kept page stays."""
    upload(store, settings, tokens, tmp_path, 1, 2)
    act(store, tokens, 1, "submit", "acme")
    act(store, tokens, 1, "approve", "reviewer")
    page = f"/dataset/{DS}/1.html"
    first = client.get(page)
    assert first.status_code == 200 and client.get(page).headers["ETag"] == first.headers["ETag"]
    note = "Checked against table 3-2 of the source"
    publishing.act(store, BASE, authenticate(store, tokens["reviewer"]), DS, "1", "comment", note)
    after = client.get(page)
    assert after.status_code == 200 and note in after.get_data(as_text=True)
    assert after.headers["ETag"] != first.headers["ETag"]


def test_a_search_is_kept_through_releases_that_do_not_touch_what_it_found(
    app, store, settings, client, tokens, tmp_path
):
    """A public search is kept with the factors it matched: a release of factors it does not find
    keeps it (the same result object); a release or a withdrawal of factors it finds renews it, and
    the renewed result is what a search from scratch gives."""
    from registry.publishing import access
    from registry.search import SearchQuery, search
    from registry.web.search import PAGE_SIZE

    def release(ds: str, version: int, n: int) -> None:
        released(store, settings, tokens, tmp_path, ds, version, n)

    def kept(text: str):
        query = SearchQuery(text=text, page=1, size=PAGE_SIZE)
        page = client.get("/search", query_string={"q": text})
        assert page.status_code == 200
        result = app.extensions["efreg.documents"].get(("search-kept", query)).result
        fresh = search(store, access.readable_graphs(store), BASE, query, public=True)
        assert (result.total, result.hits, result.facets) == (fresh.total, fresh.hits, fresh.facets)
        return result

    other = "fresh-other"
    release(other, 1, 2)
    release(DS, 1, 2)
    mine, theirs = kept(DS), kept(other)
    assert (mine.total, theirs.total) == (2, 2)

    release(DS, 2, 3)  # three factors the search for the other dataset does not find
    assert kept(other) is theirs
    assert kept(DS).total == 5  # two of version 1, three of version 2: renewed
    assert f"/factor/{DS}-2/2" in client.get("/search", query_string={"q": DS}).get_data(as_text=True)

    publishing.act(store, BASE, authenticate(store, tokens["acme"]), DS, "2", "withdraw")
    assert kept(DS).total == 2 and kept(other) is theirs
    release(other, 2, 3)  # now the other's: renewed, and ours kept
    ours = kept(DS)
    assert kept(other).total == 5 and kept(DS) is ours


def test_a_release_renews_kept_answers_before_it_ends_and_they_are_served_after(
    store, settings, client, tokens, tmp_path
):
    """While a release is under way (not acknowledged), a public reader is given the answer kept
    before it; the answers asked lately are evaluated afresh before it ends; once it has ended,
    every reader gets the new answer, and none is evaluated on its request."""
    upload(store, settings, tokens, tmp_path, 1, 3)
    act(store, tokens, 1, "submit", "acme")
    act(store, tokens, 1, "approve", "reviewer")
    before, _ = count(client)
    seen = []

    class During:
        def look(self) -> None:
            seen.append(count(client))

    during = During()
    freshness.after_release(store, during.look)  # runs after the endpoint's renewal, still inside
    upload(store, settings, tokens, tmp_path, 2, 4)
    act(store, tokens, 2, "submit", "acme")
    act(store, tokens, 2, "approve", "reviewer")
    assert seen == [(before, "kept")]  # not acknowledged yet: what was kept before it
    assert count(client) == (before + 4, "kept")  # renewed before it ended
    assert count(client, tokens["acme"]) == (before + 4, "kept")  # acme reads the public graphs only
