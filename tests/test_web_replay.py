"""Replayed answers of the resource route (registry.web.replay.AnswerReplay): a plain GET asked
again gets what the whole application answered (Date apart), a store write ends the replay, and any
request that could be answered differently (cookies, languages, profiles, conditions, query strings,
credentials) goes through the application every time."""

from __future__ import annotations

import pytest

from registry.publishing import access
from registry.web.replay import AnswerReplay

from conftest import BASE

FACTOR = "factor/ipcc2006-t2.2-natural-gas"


@pytest.fixture
def calls(app) -> list[str]:
    """Paths that reached the application behind the replay."""
    replay = app.wsgi_app
    assert isinstance(replay, AnswerReplay)
    inner, seen = replay.wsgi_app, []

    def counted(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    replay.wsgi_app = counted
    return seen


def without_date(response) -> tuple:
    return response.status, [h for h in response.headers if h[0] != "Date"], response.data


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        (f"/{FACTOR}/1.ttl", None),
        (f"/{FACTOR}/1.jsonld", None),
        (f"/{FACTOR}/1.nt", "text/html"),
        (f"/{FACTOR}/1.rdf", None),
        (f"/{FACTOR}/1.html", None),
        (f"/{FACTOR}/1", "text/turtle"),
        (f"/{FACTOR}/1", None),
        (f"/{FACTOR}", "application/ld+json"),
        ("/gas/CO2.ttl", None),
    ],
)
def test_a_replay_is_the_application_answer(client, calls, path, accept):
    headers = {"Accept": accept} if accept else {}
    first = client.get(path, headers=headers)
    assert first.status_code in (200, 303)
    second = client.get(path, headers=headers)
    assert calls == [path] and without_date(second) == without_date(first) and second.headers["Date"]
    if accept != "text/turtle":  # another Accept is another answer
        other = client.get(path, headers={"Accept": "text/turtle"})
        assert calls == [path, path] and other.status_code in (200, 303)


def test_a_store_write_ends_the_replay(client, store, calls):
    client.get(f"/{FACTOR}/1.ttl")
    store.update(f"INSERT DATA {{ GRAPH <urn:x:scratch> {{ <{BASE}x> <{BASE}y> 1 }} }}")
    client.get(f"/{FACTOR}/1.ttl")
    client.get(f"/{FACTOR}/1.ttl")
    assert calls == [f"/{FACTOR}/1.ttl"] * 2


def test_a_new_access_snapshot_ends_the_replay_of_a_303_not_of_a_document_kept_per_resource(
    client, store, calls, monkeypatch
):
    """A 303 is kept with the whole public state (a new snapshot, seen later, ends it); a document
    is kept per resource (registry.publishing.freshness) with the Last-Modified of its build, and
    a snapshot recomputed without a write changes neither."""
    document, thing = f"/{FACTOR}/1.ttl", f"/{FACTOR}/1"
    first = client.get(document)
    client.get(thing, headers={"Accept": "text/turtle"})
    access.invalidate(store)  # recomputed without a write: seen later
    monkeypatch.setattr(access.time, "time", lambda: 4_000_000_000.0)
    second = client.get(document)
    client.get(thing, headers={"Accept": "text/turtle"})
    assert calls == [document, thing, thing]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"] and second.data == first.data


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": "lang=zh"},
        {"Accept-Language": "zh-CN"},
        {"Accept-Profile": "<https://w3id.org/ecfo>"},
        {"If-None-Match": '"x"'},
        {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
        {"Range": "bytes=0-10"},
        {"Authorization": "Bearer nope"},
        {"Cache-Control": "no-cache"},
        {"X-Forwarded-Proto": "https"},
    ],
)
def test_requests_that_may_differ_are_never_replayed(app, calls, headers):
    client = app.test_client(use_cookies=False)  # ?lang= sets a cookie, which would end the replay
    for _ in range(2):
        client.get(f"/{FACTOR}/1.ttl")
        client.get(f"/{FACTOR}/1.ttl", headers=headers)
        client.get(f"/{FACTOR}/1.ttl?lang=zh")
        client.head(f"/{FACTOR}/1.ttl")
    assert calls == [f"/{FACTOR}/1.ttl"] * 7


def test_only_the_resource_route_and_only_success_is_replayed(client, calls):
    for _ in range(2):
        assert client.get("/factor/no-such-factor/1.ttl").status_code == 404
        assert client.get("/factor/no-such-factor/1").status_code == 404
        assert client.get("/void.ttl").status_code == 200
        assert client.get(f"/{FACTOR}/1.ttl", headers={"Accept": "text/turtle"}).status_code == 200
    assert calls == [
        "/factor/no-such-factor/1.ttl",
        "/factor/no-such-factor/1",
        "/void.ttl",
        f"/{FACTOR}/1.ttl",
    ] + ["/factor/no-such-factor/1.ttl", "/factor/no-such-factor/1", "/void.ttl"]
