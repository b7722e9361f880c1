"""Commercial data over real HTTP, beyond SPARQL and the JSON API: the public page says the values are
restricted and how to ask for access; a granted organisation's token sees the values on documents,
pages, search and the dataset's dump; and nothing a granted caller got is ever served to another
caller — neither from the kept documents nor from the replay middleware (same URL, same Accept)."""

from __future__ import annotations

import gzip

import pytest
import requests
from test_access import DS, FACTOR, SECRET, VALUES, commercial  # noqa: F401  (fixture)

from conftest import BASE

PATH = FACTOR[len(BASE) :]
SUFFIXES = [".ttl", ".jsonld", ".rdf", ".nt", ".html"]


def shows(text: str) -> bool:
    """Whether the secret value is in a document (a page writes it with a thousands separator)."""
    return SECRET in text or "97,531.2468" in text


def get(server: str, path: str, headers: dict | None = None, **kw) -> requests.Response:
    return requests.get(server + path, headers=headers or {}, timeout=30, **kw)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_granted_then_anonymous_then_granted(live_server: str, commercial, suffix: str) -> None:  # noqa: F811
    """The kept document and the replayed answer of one caller never reach another, and the ETags
    tell the two apart."""
    path = PATH + suffix
    for _ in range(2):  # the second round is answered from what was kept
        granted = get(live_server, path, commercial["beta"])
        anonymous = get(live_server, path)
        other = get(live_server, path, commercial["gamma"])  # a token without the grant
        assert granted.status_code == anonymous.status_code == other.status_code == 200
        assert shows(granted.text)
        assert not shows(anonymous.text) and not shows(other.text)
        assert granted.headers["ETag"] != anonymous.headers["ETag"]
        assert anonymous.headers["ETag"] == other.headers["ETag"]
        assert "private" in granted.headers.get("Cache-Control", "")
        assert "Authorization" in granted.headers["Vary"]
    # anonymous first (kept and replayed), then granted: the granted caller still gets the values
    for _ in range(3):
        assert not shows(get(live_server, path).text)
    assert shows(get(live_server, path, commercial["beta"]).text)
    # a conditional request with the anonymous ETag does not turn into a 304 for the granted caller
    tag = get(live_server, path).headers["ETag"]
    again = get(live_server, path, {**commercial["beta"], "If-None-Match": tag})
    assert again.status_code == 200 and shows(again.text)


def test_the_thing_uri_negotiates_for_the_caller(live_server: str, commercial) -> None:  # noqa: F811
    thing = FACTOR.rsplit("/", 1)[0][len(BASE) :]
    turtle = {"Accept": "text/turtle"}
    assert SECRET not in get(live_server, thing, turtle).text
    assert SECRET in get(live_server, thing, {**turtle, **commercial["beta"]}).text
    assert SECRET not in get(live_server, thing, turtle).text


def test_the_public_page_says_the_values_are_restricted(live_server: str, commercial) -> None:  # noqa: F811
    page = get(live_server, PATH + ".html", {"Accept-Language": "en"})
    assert page.status_code == 200 and not shows(page.text)
    assert 'id="restricted"' in page.text and "Values restricted" in page.text
    assert 'href="/publisher/acme"' in page.text  # whom to ask
    assert "Authorization: Bearer" in page.text
    zh = get(live_server, PATH + ".html", {"Accept-Language": "zh"})
    assert "数值受限" in zh.text
    granted = get(live_server, PATH + ".html", commercial["beta"])
    assert shows(granted.text)
    assert 'id="restricted"' not in granted.text


def test_the_dataset_dump_holds_the_values_for_the_granted_only(live_server: str, commercial) -> None:  # noqa: F811
    path = f"dumps/dataset/{DS}/1.nq.gz"
    anonymous = get(live_server, path)
    granted = get(live_server, path, commercial["beta"])
    other = get(live_server, path, commercial["gamma"])
    assert anonymous.status_code == granted.status_code == other.status_code == 200
    assert SECRET in gzip.decompress(granted.content).decode("utf-8")
    assert f"<{VALUES}>" in gzip.decompress(granted.content).decode("utf-8")
    for response in (anonymous, other):
        text = gzip.decompress(response.content).decode("utf-8")
        assert SECRET not in text and f"<{VALUES}>" not in text
        assert f"dataset/{DS}/1>" in text  # what it covers is public
    assert granted.headers["ETag"] != anonymous.headers["ETag"] == other.headers["ETag"]
    assert "Authorization" in granted.headers["Vary"] and "private" in granted.headers["Cache-Control"]
    assert get(live_server, path).headers["ETag"] == anonymous.headers["ETag"]
    # the anonymous ETag never answers 304 to the granted caller
    cond = get(live_server, path, {**commercial["beta"], "If-None-Match": anonymous.headers["ETag"]})
    assert cond.status_code == 200


def test_search_and_lists_follow_the_caller(live_server: str, commercial) -> None:  # noqa: F811
    for path in ("search?q=Test+fuel", "factor/", f"search?dataset={DS}/1"):
        anonymous = get(live_server, path)
        granted = get(live_server, path, commercial["beta"])
        assert anonymous.status_code == granted.status_code == 200
        assert not shows(anonymous.text)
        assert FACTOR[len(BASE) :] in granted.text  # the commercial factor is found by both
        assert FACTOR[len(BASE) :] in anonymous.text
    search = get(live_server, "search?q=Test+fuel", commercial["beta"])
    assert "Authorization" in search.headers["Vary"]


@pytest.mark.parametrize(
    "path",
    [
        "search?q=Test+fuel",
        f"search?dataset={DS}/1",
        f"dataset/{DS}/1.html",
    ],
)
def test_search_results_show_the_values_to_the_granted_only(live_server: str, commercial, path: str) -> None:  # noqa: F811
    """A granted organisation's token sees the commercial values in search results (and
    and a dataset's factor list); the same URL then asked anonymously, or with a token without the grant, is
    never answered with what the granted caller got — neither at first nor from kept searches."""
    for _ in range(2):  # the second round is answered from the kept searches and documents
        granted = get(live_server, path, commercial["beta"])
        anonymous = get(live_server, path)
        other = get(live_server, path, commercial["gamma"])
        assert granted.status_code == anonymous.status_code == other.status_code == 200
        assert shows(granted.text), granted.text[:3000]
        assert not shows(anonymous.text) and not shows(other.text)
        assert FACTOR[len(BASE) :] in anonymous.text  # the factor itself is found by everyone
        if "ETag" in granted.headers:
            assert granted.headers["ETag"] != anonymous.headers.get("ETag")
    assert "Authorization" in granted.headers.get("Vary", "")
    # anonymous first, then granted: the kept anonymous answer does not hide the values from beta
    assert not shows(get(live_server, path + "&page=1" if "?" in path else path + "?page=1").text)
    assert shows(
        get(live_server, path + "&page=1" if "?" in path else path + "?page=1", commercial["beta"]).text
    )
