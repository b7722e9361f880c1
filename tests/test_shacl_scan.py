"""The lexical scan of SHACL-SPARQL queries gives rdflib's predicate set, or says it is not sure."""

from __future__ import annotations

import pytest
from rdflib.namespace import OWL

from registry.validation.fast.plan import _all_sparql, compile_plan, parsed_predicates
from registry.validation.fast.scan import scan_predicates
from registry.validation.reference import load_shapes

P = "PREFIX ex: <http://example.org/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def _shape_queries() -> list[str]:
    plan = compile_plan(load_shapes())
    texts = {c.text for shape, targets in plan.top for c in [*targets.sparql, *_all_sparql(shape, set())]}
    return sorted(texts)


def test_the_scan_is_sure_of_every_shape_query_and_agrees_with_rdflib() -> None:
    texts = _shape_queries()
    assert texts
    for text in texts:
        scanned = scan_predicates(text)
        assert scanned is not None, text
        assert scanned | {OWL.sameAs} == parsed_predicates(text), text


@pytest.mark.parametrize(
    "body",
    [
        "?this ?p ?o .",
        "?this ex:a ?x ; ?p ?o .",
        "?this ex:a ?x . ?x ?p ?o .",
        "?this ex:a [ ?p ?o ] .",
        "?this ex:a ?x . FILTER EXISTS { ?x ?p ?o }",
        "?this ex:a ?x . FILTER (?x > 1 && NOT EXISTS { ?x ?p 1 })",
        "OPTIONAL { ?this ?p ?o }",
        "{ ?this ex:a ?x } UNION { ?this ?q ?x }",
        "?this !ex:a ?x .",
        "?this ex:a/!(ex:b) ?x .",
        "?this (ex:a|!ex:b) ?x .",
        "?this ex:a ?x , ?y ; ?p ?z .",
        "( ?a ?b ) ?p ?c .",
        "<http://example.org/s> ?p ?o .",
        "GRAPH ?g { ?this ex:a ?x }",
        "?this ex:a ?x . BIND (?x AS ?y) ?y ?p ?z .",
    ],
)
def test_an_open_predicate_is_never_missed(body: str) -> None:
    text = P + f"SELECT ?this WHERE {{ {body} }}"
    assert scan_predicates(text) is None
    if "GRAPH" not in body:  # the scan gives up on GRAPH; rdflib reads it (a graph name is no predicate)
        assert parsed_predicates(text) is None


@pytest.mark.parametrize(
    "body",
    [
        '?this ex:a ?x ; ex:b ?y , ?z . ?x rdfs:label "x"@en .',
        "?this ex:a/ex:b* ?x . FILTER (!BOUND(?x) || ?x != 1)",
        "?this ^ex:a|(ex:b/ex:c)+ ?x . FILTER NOT EXISTS { ?x a ex:C }",
        '?this ex:a "1"^^<http://www.w3.org/2001/XMLSchema#integer> .',
        "{ SELECT ?this (COUNT(?x) AS ?n) WHERE { ?this ex:a ?x } GROUP BY ?this HAVING (COUNT(?x) > 1) }",
    ],
)
def test_closed_queries_list_every_iri(body: str) -> None:
    text = P + f"SELECT ?this WHERE {{ {body} }}"
    scanned, parsed = scan_predicates(text), parsed_predicates(text)
    assert scanned is not None and parsed is not None and scanned | {OWL.sameAs} >= parsed
