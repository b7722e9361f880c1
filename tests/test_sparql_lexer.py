"""The one SPARQL lexer (registry.rdf.sparql_lexer) and the scans built on it."""

from __future__ import annotations

import pytest

from registry.query.inspect import query_template
from registry.query.rewrite import mentions_service, prologue, service_blocks, top_level_keywords
from registry.rdf.sparql_lexer import significant, tokens
from registry.validation.fast.scan import scan_predicates

QUERY = """PREFIX ex: <http://example.org/>  # a comment with "quotes" and SERVICE
SELECT ?s (COUNT(*) AS ?n) WHERE {
  ?s ex:p "a string with { and WHERE"@en ; ex:q 1.5e3 ; a ex:C .
  FILTER(?n >= -2 && ?s != <http://example.org/x#y>)
} GROUP BY ?s"""


def test_tokens_cover_the_text_and_have_kinds():
    found = list(tokens(QUERY))
    assert "".join(m.group() for m in found) == QUERY
    kinds = [(m.lastgroup, m.group()) for m in significant(QUERY)]
    assert ("iri", "<http://example.org/>") in kinds and ("pname", "ex:p") in kinds
    assert ("string", '"a string with { and WHERE"') in kinds and ("lang", "@en") in kinds
    assert ("number", "1.5e3") in kinds and ("op", ">=") in kinds and ("op", "&&") in kinds
    assert ("iri", "<http://example.org/x#y>") in kinds and ("word", "a") in kinds
    assert not any(kind == "comment" for kind, _ in kinds)


@pytest.mark.parametrize(
    "text",
    ['"""long "quoted" {string}"""', "'''x\ny'''", '"esc\\"aped"', "'single'"],
)
def test_strings_are_one_token(text):
    assert [(m.lastgroup, m.group()) for m in significant(text)] == [("string", text)]


def test_the_scans_read_past_strings_comments_and_iris():
    assert [w for _, w in top_level_keywords(QUERY)] == [
        "PREFIX",
        "SELECT",
        "COUNT",
        "AS",
        "WHERE",
        "GROUP",
        "BY",
    ]
    assert prologue(QUERY).startswith("PREFIX ex:") and "SELECT" not in prologue(QUERY)
    assert not mentions_service(QUERY)
    assert scan_predicates(QUERY) is not None and len(scan_predicates(QUERY)) >= 3
    shape, values = query_template(QUERY)
    assert values == ("a string with { and WHERE", "http://example.org/x#y")


def test_service_blocks_outermost_only():
    text = 'SELECT * { SERVICE SILENT <http://a/sparql> { ?s ?p "}" SERVICE <http://b/> { ?s ?p ?o } } }'
    ((start, end, silent, term, group),) = service_blocks(text)
    assert silent and term == "<http://a/sparql>" and text[start:end].startswith("SERVICE SILENT")
    assert group.startswith("{ ?s ?p") and group.endswith("} }") and text[end:] == " }"
    assert mentions_service("ask { service <x:y> {} }") and not mentions_service('ASK { ?s ?p "SERVICE" }')
    with pytest.raises(ValueError):
        service_blocks("SELECT * { SERVICE <http://a/> { ?s ?p ?o ")


def test_absolute_iris_resolves_every_base_and_blanks_them() -> None:
    from registry.rdf.sparql_lexer import absolute_iris

    text = 'BASE <http://a/> BASE <https://w3id.org/efreg/a/> BASE <../> PREFIX e: <ontology#> SELECT * { ?s e:v <x> . ?s ?p "<y>" }'
    out = absolute_iris(text)
    assert "BASE" not in out
    assert "<https://w3id.org/efreg/ontology#>" in out and "<https://w3id.org/efreg/x>" in out
    assert '"<y>"' in out  # strings are not IRIs
    assert absolute_iris("SELECT * { ?s ?p <rel> }") == "SELECT * { ?s ?p <rel> }"  # no BASE: as it is
