"""The data the fast validator screens: data ∪ reference in plain dictionaries, and the part the
SPARQL queries read in an in-memory Oxigraph store.

Terms stay the rdflib terms of the input (lexical forms, blank nodes), so the screens see what
pySHACL sees; Oxigraph results are mapped back to them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import ConjunctiveGraph, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from registry.rdf.namespaces import RDF, RDFS
from registry.rdf.terms import ToOxigraph

Triple = tuple[Node, Node, Node]


@contextmanager
def no_gc() -> Iterator[None]:
    """Building indexes over 10⁵ triples allocates millions of objects; the cyclic collector would
    rescan them all many times over (it doubles the time). Nothing built here is cyclic garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def data_triples(data: Graph) -> list[Triple]:
    """The triples of ``data``; for a dataset, of all its graphs (duplicates possible)."""
    if isinstance(data, Dataset):
        return [t for g in data.graphs() for t in g]
    if isinstance(data, ConjunctiveGraph):
        return [t for g in data.contexts() for t in g]
    return list(data)


class Index:
    """``sp[p][s]`` = the objects of (s, p); built once per validation."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        sp: dict[Node, dict[Node, list[Node]]] = {}
        for s, p, o in triples:
            by_s = sp.get(p)
            if by_s is None:
                by_s = sp[p] = {}
            objects = by_s.get(s)
            if objects is None:
                by_s[s] = [o]
            else:
                objects.append(o)
        self.sp = sp
        self._inverse: dict[Node, dict[Node, list[Node]]] = {}
        self._instances: dict[Node, frozenset[Node]] = {}

    def objects(self, s: Node, p: Node) -> list[Node]:
        return self.sp.get(p, {}).get(s, [])

    def inverse(self, p: Node) -> dict[Node, list[Node]]:
        """``o → subjects`` of predicate ``p``."""
        found = self._inverse.get(p)
        if found is None:
            found = {}
            for s, objects in self.sp.get(p, {}).items():
                for o in objects:
                    found.setdefault(o, []).append(s)
            self._inverse[p] = found
        return found

    def instances(self, cls: Node) -> frozenset[Node]:
        """Nodes with ``rdf:type/rdfs:subClassOf*`` ``cls`` (what pySHACL's sh:class and sh:targetClass see)."""
        found = self._instances.get(cls)
        if found is None:
            classes = {cls}
            todo = [cls]
            sub = self.inverse(RDFS.subClassOf)
            while todo:
                for c in sub.get(todo.pop(), []):
                    if c not in classes:
                        classes.add(c)
                        todo.append(c)
            typed = self.inverse(RDF.type)
            found = frozenset(s for c in classes for s in typed.get(c, []))
            self._instances[cls] = found
        return found


class OxStore:
    """The triples whose predicate the SPARQL queries read, in an in-memory Oxigraph store."""

    def __init__(self, triples: Iterable[Triple], predicates: frozenset[URIRef] | None) -> None:
        convert = self.convert = ToOxigraph()
        self.to_ox, self.back = convert.cache, convert.back
        quads: list[ox.Quad] = []
        convert.quads(
            triples if predicates is None else (t for t in triples if t[1] in predicates), None, quads
        )
        self.store = ox.Store()
        self.store.bulk_extend(quads)

    def _term(self, node: Node) -> object:
        if isinstance(node, Literal):
            raise LookupError(f"cannot pre-bind $this to {node!r}")
        return self.convert.term(node)  # not in the store: matches nothing, but maps back

    def solutions(self, query: str, this: Node) -> Iterator[dict[str, Node]]:
        """Each solution of ``query`` with ``$this`` pre-bound to ``this`` (SEP-0007 substitution, as
        SHACL pre-binds it), as variable name → rdflib term; a literal stays an Oxigraph literal (its
        lexical form may be Oxigraph's canonical one, not the data's)."""
        solutions = self.store.query(query, substitutions={ox.Variable("this"): self._term(this)})
        names = [v.value for v in solutions.variables]
        for solution in solutions:
            row: dict[str, Node] = {}
            for name in names:
                value = solution[name]
                if value is None:
                    continue
                if isinstance(value, ox.NamedNode):
                    row[name] = URIRef(value.value)
                elif isinstance(value, ox.BlankNode) and value in self.back:
                    row[name] = self.back[value]
                else:
                    row[name] = value  # type: ignore[assignment]
            row["this"] = this
            yield row

    def this_values(self, query: str) -> set[Node]:
        """The rdflib terms bound to ``?this`` in the solutions of ``query``."""
        out: set[Node] = set()
        for solution in self.store.query(query):
            value = solution["this"]
            if value is None:
                continue
            if isinstance(value, ox.NamedNode):
                out.add(URIRef(value.value))
            elif isinstance(value, ox.BlankNode) and value in self.back:
                out.add(self.back[value])
            else:
                raise LookupError(f"cannot map ?this = {value} back to the data")
        return out
