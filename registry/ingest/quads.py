"""What an import reads, held without rdflib's store: one insertion-ordered set of rdflib triples
per dataset graph.

rdflib's in-memory ``Dataset`` indexes every triple three ways per graph (~30,000 triples/s); the
gate only needs the triples in order, a few look-ups by subject while writing, the triples for the
validator and pyoxigraph quads for the store. :class:`ImportData` gives exactly that; callers that
want an rdflib ``Dataset`` get one built on demand (:meth:`ImportData.to_dataset`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, URIRef
from rdflib.term import Node

from registry.rdf.terms import ToOxigraph

Triple = tuple[Node, Node, Node]


class TripleGraph:
    """One graph: the subset of :class:`rdflib.Graph` the importers use (``add``, ``in``,
    ``objects``, ``subjects``, ``triples``, ``remove``, iteration, ``len``)."""

    __slots__ = ("_by_s", "_triples", "identifier")

    def __init__(self, identifier: URIRef) -> None:
        self.identifier = identifier
        self._triples: dict[Triple, None] = {}
        #: Each subject's triples as an insertion-ordered set, built on the first look-up by subject.
        self._by_s: dict[Node, dict[Triple, None]] | None = None

    def add(self, triple: Triple) -> None:
        if triple not in self._triples:
            self._triples[triple] = None
            if self._by_s is not None:
                self._by_s.setdefault(triple[0], {})[triple] = None

    def __contains__(self, triple: Triple) -> bool:
        if None not in triple:
            return triple in self._triples
        return next(iter(self.triples(triple)), None) is not None

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[Triple]:
        s, p, o = pattern
        if s is not None and p is not None and o is not None:
            if (s, p, o) in self._triples:
                yield (s, p, o)
            return
        if s is not None:
            if self._by_s is None:
                by_s: dict[Node, dict[Triple, None]] = {}
                for t in self._triples:
                    by_s.setdefault(t[0], {})[t] = None
                self._by_s = by_s
            candidates: Iterable[Triple] = list(self._by_s.get(s, ()))
        elif p is not None:  # a set look-up compares hashes first (rdflib's __eq__ is Python)
            predicate = {p}
            candidates = [t for t in self._triples if t[1] in predicate]
        else:
            candidates = list(self._triples)
        for t in candidates:
            if (p is None or t[1] == p) and (o is None or t[2] == o) and t in self._triples:
                yield t

    def objects(self, s: Node | None = None, p: Node | None = None) -> Iterator[Node]:
        return (t[2] for t in self.triples((s, p, None)))

    def subjects(self, p: Node | None = None, o: Node | None = None) -> Iterator[Node]:
        return (t[0] for t in self.triples((None, p, o)))

    def remove(self, pattern: tuple[Node | None, Node | None, Node | None]) -> None:
        # Each triple leaves its subject's set as well: rebuilding that set per removal made
        # removing a subject's k triples one by one cost k² (a 100k-factor dataset's values split).
        for t in list(self.triples(pattern)):
            del self._triples[t]
            if self._by_s is not None:
                self._by_s[t[0]].pop(t, None)


class ImportData:
    """The graphs of one import, by IRI, plus triples added to several graphs at once (the SHACL
    report of a conforming import with warnings, see :meth:`attach`)."""

    def __init__(self) -> None:
        self._graphs: dict[str, TripleGraph] = {}
        self._attached: list[tuple[list[Triple], list[str]]] = []

    @classmethod
    def from_graphs(cls, graphs: Iterable[Any]) -> ImportData:
        """The triples of rdflib graphs (e.g. ``Dataset.graphs()``), each under its identifier; empty
        graphs (a dataset's unused default graph) are left out."""
        data = cls()
        for g in graphs:
            if len(g):
                add = data.graph(g.identifier).add
                for t in g:
                    add(t)
        return data

    def graph(self, name: str | URIRef) -> TripleGraph:
        key = str(name)
        g = self._graphs.get(key)
        if g is None:
            g = self._graphs[key] = TripleGraph(URIRef(key))
        return g

    def graphs(self) -> Iterator[TripleGraph]:
        return iter(list(self._graphs.values()))

    def attach(self, triples: list[Triple], graphs: list[str]) -> None:
        """Add ``triples`` to each of ``graphs`` (kept once, expanded when written)."""
        self._attached.append((triples, list(graphs)))

    def fold(self) -> None:
        """Add the attached triples to each of their graphs, so that editing a graph sees them."""
        for triples, graphs in self._attached:
            for name in graphs:
                add = self.graph(name).add
                for t in triples:
                    add(t)
        self._attached.clear()

    def triples(self) -> list[Triple]:
        """The triples of all graphs (a triple in two graphs comes twice); attached ones excluded."""
        out: list[Triple] = []
        for g in self._graphs.values():
            out.extend(g)
        return out

    def quads(self) -> Iterator[tuple[Node, Node, Node, URIRef]]:
        for g in self._graphs.values():
            name = g.identifier
            for s, p, o in g:
                yield s, p, o, name
        for triples, graphs in self._attached:
            for name in graphs:
                iri = URIRef(name)
                for s, p, o in triples:
                    yield s, p, o, iri

    def to_dataset(self) -> Dataset:
        """An rdflib ``Dataset`` with the same graphs and triples."""
        ds = Dataset()
        for s, p, o, g in self.quads():
            ds.graph(g).add((s, p, o))
        for g in self._graphs.values():  # keep empty graphs named, as ds.graph(iri) did
            ds.graph(g.identifier)
        return ds

    def to_pyoxigraph(self) -> list[ox.Quad]:
        """The quads as pyoxigraph quads. Blank nodes get fresh ids (one per rdflib blank node), as
        parsing a serialization of the data would give them."""
        convert = ToOxigraph()
        out: list[ox.Quad] = []
        for g in self._graphs.values():
            convert.quads(g, g.identifier, out)
        quad = ox.Quad
        for triples, graphs in self._attached:  # converted once, then copied into each graph
            converted = convert.triples(triples)
            for name in graphs:
                g = convert.term(URIRef(name))
                out.extend([quad(s, p, o, g) for s, p, o in converted])
        return out
