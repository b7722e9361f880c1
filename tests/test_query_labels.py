"""Label search on the index (registry.query.labels): a query narrowed by the labels that contain
its CONTAINS text answers as the query as written, for any text (random pieces of labels, texts
across two labels, regex metacharacters, quotes, non-ASCII, the empty text), exactly; a LIMIT query
answered from a first slice of labels gives rows of the full answer, as many as LIMIT asks; what the
lexer cannot read unambiguously runs as written; labels a public caller may not read are never in
the index (nor in the answer)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from registry.publishing import access, public_view
from registry.query import labels
from registry.query.endpoint import Endpoint
from registry.store import PublicDataset
from registry.store.meta import VIEW_ALL

from conftest import BASE

P = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX ef: <https://w3id.org/efreg/ontology#> "
EXTRA = """<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> "a.b*c (x) [y] \\"quoted\\" back\\\\slash it's"@en ,
    "ÉCOLE naïve café"@fr , "plain coal" , "typed coal"^^<http://www.w3.org/2001/XMLSchema#string> ,
    "42"^^<http://www.w3.org/2001/XMLSchema#integer> , <urn:x:iri-label> , "line\\nbreak coal"@en ,
    "煤炭 coal"@zh-Hans .
<urn:x:b> a <https://w3id.org/efreg/ontology#EmissionFactor> ; <http://www.w3.org/2000/01/rdf-schema#label> "plain coal" ."""
HIDDEN = '<urn:x:h> <http://www.w3.org/2000/01/rdf-schema#label> "zzsecret coal"@en .'
SHAPES = {
    "simple": "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, {n})) }",
    "star": "SELECT ?s ?l WHERE { ?s a ?c ; rdfs:label ?l . FILTER CONTAINS(?l, {n}) }",
    "optional": "SELECT ?s ?l ?g WHERE { ?s rdfs:label ?l OPTIONAL { ?s ef:geography ?g } "
    "FILTER(CONTAINS(?l, {n})) }",
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l . FILTER(CONTAINS(?l, {n})) }",
    "nested": "SELECT ?s WHERE { ?s ?p ?o { ?s rdfs:label ?l FILTER(CONTAINS(?l, {n})) } }",
    "construct": "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, {n})) }",
    "graph": "SELECT ?g ?s ?l WHERE { GRAPH ?g { ?s rdfs:label ?l FILTER(CONTAINS(?l, {n})) } }",
    "subselect": "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o { SELECT ?s WHERE { ?s rdfs:label ?l "
    "FILTER(CONTAINS(?l, {n})) } } } GROUP BY ?s",
    "bind": "SELECT ?s ?u WHERE { ?s rdfs:label ?l BIND(UCASE(?l) AS ?u) FILTER(CONTAINS(?l, {n})) }",
}


@pytest.fixture
def labelled(store):
    graph = next(g for g in access.public_graphs(store) if "/dataset/" in g and not g.endswith("catalog"))
    store.load(EXTRA.encode(), "turtle", graph=graph)
    store.load(HIDDEN.encode(), "turtle", graph=BASE + "dataset/hidden/1")  # a draft: never public
    public_view.note_stale(store, VIEW_ALL)  # a public graph changed in place, as an update does
    public_view.sync(store)
    assert store.view_current() and store.view.query("ASK { GRAPH ?g { <urn:x:b> ?p ?o } }")
    return store


def _public(store) -> PublicDataset:
    graphs = access.public_graphs(store)
    return PublicDataset(graphs, graphs, union=True)


def _answer(store, text: str, dataset) -> list:
    if "CONSTRUCT" in text:
        return sorted(str(t) for t in store.construct(text, dataset))
    return sorted(str(sorted((k, str(v)) for k, v in row.items())) for row in store.select(text, dataset))


def _needles(index: labels.LabelIndex, rng: random.Random) -> list[str]:
    values = [index.value(k) for k in range(len(index))]
    out = ["", "coal", "煤", "é", "café", ".*", "(x)", "[y]", "it's", "*c (", "zzsecret", "nowhere at all"]
    for _ in range(25):
        v = rng.choice(values)
        i = rng.randrange(len(v) + 1)
        out.append(v[i : i + rng.randrange(1, 8)])
    for _ in range(5):  # the end of one label and the start of the next: across the separator
        k = rng.randrange(len(values) - 1)
        out.append(values[k][-2:] + values[k + 1][:2])
    return [n for n in out if '"' not in n and "\\" not in n and "\n" not in n and "\r" not in n]


def test_narrowed_queries_answer_as_written(labelled):
    index = labels.current(labelled, wait=True)
    assert index is not None
    assert not any("zzsecret" in index.value(k) for k in range(len(index)))  # the draft's label is not public
    dataset = _public(labelled)
    narrowed_any = 0
    for needle in _needles(index, random.Random(13)):
        for name, shape in SHAPES.items():
            text = P + shape.replace("{n}", f'"{needle}"')
            found = labels.narrowing(text)
            assert found is not None, name
            narrowed = labels.narrow(text, found, index, first=False)
            if narrowed is None:  # more than CAP labels, or one with a control character
                continue
            narrowed_any += 1
            assert narrowed[1] is None
            assert _answer(labelled, narrowed[0], dataset) == _answer(labelled, text, dataset), (name, needle)
    assert narrowed_any > 100


def test_a_first_slice_of_labels_answers_a_limit_query_with_rows_of_the_full_answer(
    labelled, settings, monkeypatch
):
    index = labels.current(labelled, wait=True)
    dataset = _public(labelled)
    monkeypatch.setattr(labels, "CAP", 2)
    full_text = P + 'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "a")) }'
    full = _answer(labelled, full_text, dataset)
    assert len(full) > 10
    text = full_text + " LIMIT 3"
    found = labels.narrowing(text)
    assert found is not None and found.limit == 3 and found.simple
    assert labels.narrow(text, found, index, first=False) is None  # exact only: too many labels
    narrowed, need = labels.narrow(text, found, index, first=True)
    assert need == 3
    rows = _answer(labelled, narrowed, dataset)
    assert rows and set(rows) <= set(full)
    # a slice too small for the LIMIT (two labels, seven rows asked): the query runs as written
    endpoint = Endpoint(labelled, dataclasses.replace(settings, answer_cache_bytes=0))
    limited = P + 'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "a")) } LIMIT 7'
    assert endpoint.run_query(endpoint.prepare_query(limited, None), "text/tab-separated-values").rows == 7


def test_the_endpoint_narrows_and_answers_as_written(labelled, settings, monkeypatch):
    labels.current(labelled, wait=True)
    endpoint = Endpoint(labelled, dataclasses.replace(settings, answer_cache_bytes=0))
    seen: list[str] = []
    run = endpoint._run
    monkeypatch.setattr(endpoint, "_run", lambda p, text, *a: seen.append(text) or run(p, text, *a))
    text = (
        P
        + 'SELECT ?s ?l WHERE { ?s a ef:EmissionFactor ; rdfs:label ?l . FILTER(CONTAINS(?l, "coal")) } LIMIT 50'
    )
    answer = endpoint.run_query(endpoint.prepare_query(text, None), "text/tab-separated-values")
    assert "VALUES ?l {" in seen[-1] and b"urn:x:b" in answer.body and b"zzsecret" not in answer.body
    as_written = endpoint.run_query(endpoint.prepare_query(text + " # 2", None), "text/tab-separated-values")
    assert sorted(answer.body.splitlines()) == sorted(as_written.body.splitlines())
    hidden = P + 'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "zzsecret")) }'
    assert endpoint.run_query(endpoint.prepare_query(hidden, None), "text/tab-separated-values").rows == 0


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "co\\u0061l")) }',  # an escape
        'SELECT * WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "coal"@en)) }',  # a language tag
        'SELECT * WHERE { ?s rdfs:label|rdfs:comment ?l FILTER(CONTAINS(?l, "coal")) }',  # a path
        'SELECT * WHERE { ?s ^rdfs:label ?l FILTER(CONTAINS(?l, "coal")) }',
        'SELECT * WHERE { ?s ef:p ( rdfs:label ?l ) FILTER(CONTAINS(?l, "coal")) }',  # a list
        'SELECT * WHERE { OPTIONAL { ?s rdfs:label ?l } FILTER(CONTAINS(?l, "coal")) }',  # not mandatory
        'SELECT * WHERE { ?s rdfs:label ?m FILTER(CONTAINS(?l, "coal")) }',  # another variable
        'SELECT * WHERE { ?s rdfs:label ?l FILTER(CONTAINS(STR(?l), "coal")) }',
        "BASE <http://www.w3.org/2000/01/> PREFIX r: <rdf-schema#> SELECT * WHERE { ?s r:label ?l "
        'FILTER(CONTAINS(?l, "coal")) }',  # a relative namespace
        'SELECT * WHERE { ?s <label> ?l FILTER(CONTAINS(?l, "coal")) }',  # a relative IRI
    ],
)
def test_what_the_lexer_cannot_read_unambiguously_runs_as_written(text):
    assert labels.narrowing(P + text) is None


def test_the_index_finds_texts_within_labels_only():
    index = labels.LabelIndex([("abc", "en"), ("def", ""), ("a\x00b", ""), ("", "")])
    assert index.matching("cd", 10) == []  # across the separator
    assert index.matching("c", 10) == [0] and index.matching("\x00b", 10) == [2]
    assert index.matching("", 10) == [0, 1, 2, 3] and index.matching("", 2) == [0, 1]
    assert index.term(0) == '"abc"@en' and index.term(1) == '"def"' and index.term(2) is None
    assert labels.LabelIndex([('t\tab "q" \\ n\n', "de")]).term(0) == '"t\\tab \\"q\\" \\\\ n\\n"@de'
