"""The one rdflib <-> pyoxigraph term converter (registry.rdf.terms): lexical forms are kept exactly."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from registry.rdf.terms import TermError, ToOxigraph, to_oxigraph, to_rdflib

LITERALS = [
    Literal("56100", datatype=XSD.decimal),
    Literal("0.50", datatype=XSD.decimal),
    Literal("01", datatype=XSD.integer, normalize=False),
    Literal("1.0E3", datatype=XSD.double, normalize=False),
    Literal("天然气", lang="zh"),
    Literal("plain"),
    Literal("x", datatype=URIRef("http://example.org/dt")),
]


@pytest.mark.parametrize("term", LITERALS, ids=lambda t: t.n3())
def test_literals_keep_their_lexical_form_both_ways(term: Literal) -> None:
    converted = to_oxigraph(term)
    assert converted.value == str(term)
    back = to_rdflib(converted)
    assert (str(back), back.datatype, back.language) == (str(term), term.datatype, term.language)


def test_oxigraph_literals_come_back_unnormalised() -> None:
    """rdflib would normalise "01"^^xsd:integer to "1" by default; the converter does not."""
    back = to_rdflib(ox.Literal("01", datatype=ox.NamedNode(str(XSD.integer))))
    assert str(back) == "01" and back.datatype == XSD.integer
    assert to_rdflib(ox.Literal("s")) == Literal("s")  # xsd:string comes back as a plain literal
    assert to_oxigraph(Literal("s")) == ox.Literal("s", datatype=ox.NamedNode(str(XSD.string)))


def test_iris_and_blank_nodes() -> None:
    assert to_rdflib(ox.NamedNode("http://example.org/a")) == URIRef("http://example.org/a")
    assert to_oxigraph(BNode("b1")) == ox.BlankNode("b1")  # labels kept by the plain functions
    convert = ToOxigraph()
    fresh = convert.term(BNode("b1"))
    assert fresh != ox.BlankNode("b1") and convert.term(BNode("b1")) is fresh  # once per batch
    assert convert.rdflib(fresh) == BNode("b1")


def test_batches_of_triples_and_quads() -> None:
    convert = ToOxigraph(fresh_blank_nodes=False)
    triples = [(URIRef("http://example.org/s"), URIRef("http://example.org/p"), LITERALS[0])]
    out: list[ox.Quad] = []
    convert.quads(triples, URIRef("http://example.org/g"), out)
    convert.quads(triples, None, out)
    assert [q.graph_name for q in out] == [ox.NamedNode("http://example.org/g"), ox.DefaultGraph()]
    assert convert.triples(triples)[0][2] == ox.Literal("56100", datatype=ox.NamedNode(str(XSD.decimal)))


@pytest.mark.parametrize("bad", [URIRef("not an iri"), URIRef("http://ex ample/"), "a string"])
def test_what_pyoxigraph_refuses_is_a_term_error(bad: object) -> None:
    with pytest.raises(TermError):
        to_oxigraph(bad)  # type: ignore[arg-type]
