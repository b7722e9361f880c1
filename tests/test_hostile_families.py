"""Hostile families beyond issue 14's list, each found broken by a probe of a live registry and
fixed: each is a clear 4xx (or the endpoint's documented 503 for a query beyond its limits) saying
what and where, the store unchanged, the server up and no traceback in its log."""

from __future__ import annotations

import importlib.util
import io
import logging
import zipfile
from collections.abc import Iterator

import pytest
import requests

from registry.config import Settings
from registry.ingest.seeds import load_seeds
from registry.publishing.tokens import create_token, ensure_publisher
from registry.store import open_store
from registry.store.meta import ensure_base_uri
from registry.web import create_app

from conftest import BASE, DATA, free_port, serving

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_factors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_factors)


class Registry:
    def __init__(self, url: str, store, token: str, log: io.StringIO) -> None:
        self.url, self.store, self.log = url, store, log
        self.auth = {"Authorization": "Bearer " + token}
        self.count = 0

    def upload(self, body: bytes, content_type: str) -> requests.Response:
        self.count += 1
        ds = f"hostile-{self.count}"
        return requests.post(
            f"{self.url}api/datasets/{ds}/versions",
            data=body.replace(b"HOSTILE", ds.encode()),
            headers={**self.auth, "Content-Type": content_type},
            timeout=120,
        )

    def sparql(self, query: str) -> requests.Response:
        return requests.get(
            self.url + "sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=120,
        )


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    settings = Settings(
        store="memory:", base_uri=BASE, load_seeds=False, max_query_memory_bytes=256 * 1024 * 1024
    )
    store = open_store(settings.store)
    ensure_base_uri(store, BASE)
    load_seeds(store, BASE)
    ensure_publisher(store, BASE, "acme", "ACME")
    token = create_token(store, "acme", "publisher")
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)
    app = create_app(settings, store=store)
    try:
        with serving(app, free_port()) as url:
            yield Registry(url, store, token, log)
    finally:
        logging.getLogger().removeHandler(handler)
        store.close()


@pytest.fixture
def clean(registry: Registry) -> Iterator[Registry]:
    """The store unchanged, no traceback logged and the server still answering after the test."""
    before, mark = len(registry.store.pyoxigraph), registry.log.tell()
    yield registry
    assert len(registry.store.pyoxigraph) == before
    assert "Traceback" not in registry.log.getvalue()[mark:]
    assert requests.get(registry.url, timeout=30).status_code == 200


TTL = _factors.factors("HOSTILE", 1, "acme", range(2)).encode()


def test_an_encrypted_zip_entry_is_refused_naming_the_entry(clean: Registry) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("factors.ttl", TTL)
    data = bytearray(buf.getvalue())
    data[6] |= 1  # the "encrypted" flag, in the local and the central header
    data[data.find(b"PK\x01\x02") + 8] |= 1
    answer = clean.upload(bytes(data), "application/zip")
    assert answer.status_code == 400, answer.text
    assert "entry 'factors.ttl'" in answer.text and "encrypted" in answer.text


@pytest.mark.parametrize(
    "body,content_type,says",
    [
        (TTL.replace(b"Test fuel 0", b"a" * 1_000_000), "text/turtle", "a literal of 1,000,0"),
        (
            TTL.replace(b"<geo/GLO>", b"<geo/" + b"a" * 1_000_000 + b">"),
            "text/turtle",
            "an IRI of 1,000,0",
        ),
        (
            b'{"@context": {"@vocab": "http://x/"}, "@id": "http://x/a", "v": "' + b"b" * 200_000 + b'"}',
            "application/ld+json",
            "a literal of 200,000 characters",
        ),
    ],
)
def test_a_megabyte_literal_or_iri_is_refused_naming_the_setting(
    clean: Registry, body: bytes, content_type: str, says: str
) -> None:
    answer = clean.upload(body, content_type)
    assert answer.status_code == 400, answer.text
    detail = answer.json()["detail"]
    assert says in detail and ("max_literal_chars" in detail or "max_iri_chars" in detail)
    assert "the triple <" in detail  # where


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\uffff"])
def test_a_control_character_in_a_literal_is_refused_in_every_format(clean: Registry, character: str) -> None:
    """XML (RDF/XML documents, SPARQL XML results) cannot carry it, even escaped."""
    escaped = f"\\u{ord(character):04X}".encode()
    for body, content_type in (
        (TTL.replace(b"Test fuel 0", b"Test " + escaped), "text/turtle"),
        (b'<http://x/a> <http://x/b> "' + escaped + b'" .\n', "application/n-triples"),
        (b'{"@id": "http://x/a", "http://x/b": "' + escaped + b'"}', "application/ld+json"),
    ):
        answer = clean.upload(body, content_type)
        assert answer.status_code == 400, (content_type, answer.text)
        assert f"control character U+{ord(character):04X}" in answer.text, answer.text


def test_a_sparql_query_calling_an_unknown_function_is_a_400(clean: Registry) -> None:
    answer = clean.sparql("SELECT (<http://example.org/f>(1) AS ?x) {}")
    assert answer.status_code == 400, answer.text
    assert "<http://example.org/f>" in answer.text and "not supported" in answer.text


def test_a_sparql_query_building_a_huge_string_is_stopped_by_the_memory_limit(clean: Registry) -> None:
    doubling = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(32))
    answer = clean.sparql(f'SELECT (STRLEN(?a32) AS ?n) WHERE {{ BIND("aaaaaaaa" AS ?a0) {doubling} }}')
    assert answer.status_code == 503, answer.text
    assert "max_query_memory_bytes" in answer.text and "268,435,456 bytes" in answer.text
    assert clean.sparql("ASK { ?s ?p ?o }").json()["boolean"] is True  # a fresh worker answers
