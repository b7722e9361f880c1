"""The one converter between rdflib terms and pyoxigraph terms.

Literals keep their lexical form exactly, both ways (``"56100"^^xsd:decimal`` stays ``56100``,
``"01"^^xsd:integer`` stays ``01``): rdflib is told not to normalise, pyoxigraph never does. A literal
without datatype or language is an ``xsd:string`` in pyoxigraph and a plain literal in rdflib (as
rdflib's parsers give it). Quoted triples are not supported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier, Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_STRING = ox.NamedNode(XSD_STRING)

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
Triple = tuple[Node, Node, Node]


class TermError(ValueError):
    """A term pyoxigraph does not accept (an IRI or language tag that is not well-formed)."""


def to_rdflib(term: object) -> Identifier:
    """A pyoxigraph term as the equal rdflib term (blank nodes keep their label)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise TermError(f"unsupported RDF term {term!r} (quoted triples are not supported)")


def to_oxigraph(term: Node) -> OxTerm:
    """An rdflib term as the equal pyoxigraph term (blank nodes keep their label). Raises
    :class:`TermError` for what pyoxigraph does not accept."""
    try:
        if type(term) is URIRef or isinstance(term, URIRef):
            return ox.NamedNode(term)
        if isinstance(term, BNode):
            return ox.BlankNode(term)
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(term, language=term.language)
            datatype = _XSD_STRING if term.datatype is None else ox.NamedNode(term.datatype)
            return ox.Literal(term, datatype=datatype)
    except ValueError as exc:
        raise TermError(f"{term!r} is not a valid RDF term: {exc}") from None
    raise TermError(f"not an RDF term: {term!r}")


class ToOxigraph:
    """rdflib terms → pyoxigraph terms, each distinct term converted once (one converter per batch).

    With ``fresh_blank_nodes`` each rdflib blank node gets a new pyoxigraph blank node (as parsing a
    serialization of the data would), and :attr:`back` maps it to the rdflib node; otherwise blank
    nodes keep their label."""

    def __init__(self, *, fresh_blank_nodes: bool = True) -> None:
        self.cache: dict[Node, Any] = {}
        self.back: dict[ox.BlankNode, Node] = {}
        self.fresh = fresh_blank_nodes

    def term(self, t: Node) -> OxTerm:
        """``t`` converted (and remembered). Raises :class:`TermError` for what is not an RDF term."""
        found = self.cache.get(t)
        if found is None:
            if self.fresh and isinstance(t, BNode):
                found = ox.BlankNode()
            elif isinstance(t, Literal) and t.datatype is not None and not t.language:
                try:  # the datatype IRI converted once per batch, not once per literal
                    found = ox.Literal(t, datatype=self.term(t.datatype))  # type: ignore[arg-type]
                except ValueError as exc:
                    raise TermError(f"{t!r} is not a valid RDF term: {exc}") from None
            else:
                found = to_oxigraph(t)
            if isinstance(t, BNode):
                self.back[found] = t
            self.cache[t] = found
        return found

    def triples(self, triples: Iterable[Triple]) -> list[tuple[Any, Any, Any]]:
        """Each triple with its terms converted."""
        get, term = self.cache.get, self.term
        return [(get(s) or term(s), get(p) or term(p), get(o) or term(o)) for s, p, o in triples]

    def quads(self, triples: Iterable[Triple], graph: Node | None, out: list[ox.Quad]) -> None:
        """Append ``triples`` to ``out`` as quads of ``graph`` (``None``: the default graph)."""
        get, term, append, quad = self.cache.get, self.term, out.append, ox.Quad
        if graph is None:
            for s, p, o in triples:
                append(quad(get(s) or term(s), get(p) or term(p), get(o) or term(o)))
            return
        g = get(graph) or term(graph)
        for s, p, o in triples:
            append(quad(get(s) or term(s), get(p) or term(p), get(o) or term(o), g))

    def rdflib(self, term: object) -> Identifier:
        """The rdflib term of a pyoxigraph term: a blank node this converter made maps back to its
        rdflib node; anything else as :func:`to_rdflib`."""
        if isinstance(term, ox.BlankNode):
            found = self.back.get(term)
            if found is not None:
                return found  # type: ignore[return-value]
        return to_rdflib(term)
