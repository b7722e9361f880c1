"""What a resource's document holds (Flask-free).

A document is the resource's concise bounded description (its triples and the blank nodes and parts
they reach — gas components, CO2e values, quality, uncertainty, period: ``registry/rdf/parts.py``) plus the labels of every IRI it
links to, so that a client can show names without further requests. A version-independent resource
(``factor/{id}``) adds its catalog record (``dcat:hasVersion``, ``dcat:hasCurrentVersion``) and the
description of its current version; a superseded version says by which version it was replaced
(``dct:isReplacedBy``, derived from the catalog when the data does not say it).

Only triples in ``graphs`` (see :mod:`registry.publishing.access`) are read. The work per document is a few
index look-ups by subject, independent of the size of the store: with the embedded Oxigraph store
they go straight to its SPOG index; any other store gets a handful of SPARQL queries.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS
from rdflib.term import Node

from registry.publishing import freshness
from registry.rdf.namespaces import DCAT, EF, PREFIXES, QUDT
from registry.rdf.parts import is_part
from registry.store import Store, reads

Quad = tuple[Node, URIRef, Node, str]

#: Properties copied from every linked IRI ("labels" in the broad sense: what a page shows of it).
LABEL_PROPERTIES: tuple[URIRef, ...] = (
    RDFS.label,
    SKOS.prefLabel,
    FOAF.name,
    DCTERMS.title,
    SKOS.notation,
    QUDT.symbol,
    DCAT.version,
    EF.table,
    EF.page,
)
MATCH_PROPERTIES: tuple[URIRef, ...] = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)
#: How deep blank nodes nest under a resource (factor -> component -> uncertainty is 2).
MAX_BNODE_DEPTH = 4
#: Not followed into a document: the results of the SHACL report kept with a dataset version (its
#: document says whether it conforms; the results, thousands for a large dataset, are summarised on
#: its page and served whole by ``/api/datasets/{id}/versions/{n}/report``).
SH_RESULT = URIRef("http://www.w3.org/ns/shacl#result")


@dataclass
class Version:
    iri: URIRef
    number: str

    @property
    def key(self) -> tuple[int, str]:
        return (int(self.number), self.number) if self.number.isdigit() else (1 << 62, self.number)


@dataclass
class Description:
    iri: URIRef
    graph: Graph
    #: the graphs the triples were read from
    sources: set[str] = field(default_factory=set)
    #: the resource a page shows the values of: the current version of a version-independent thing
    focus: URIRef | None = None
    #: the version-independent resource and its readable versions, oldest first
    thing: URIRef | None = None
    versions: list[Version] = field(default_factory=list)
    current: URIRef | None = None
    replaced_by: URIRef | None = None


# --- reading quads ------------------------------------------------------------------------------


class _Reader:
    """Subject look-ups restricted to readable graphs."""

    def __init__(self, store: Store, graphs: Collection[str]) -> None:
        self.store = store
        self.graphs = graphs if isinstance(graphs, (set, frozenset)) else frozenset(graphs)

    def closure(self, iri: URIRef) -> list[Quad]:
        raise NotImplementedError

    def properties(self, subjects: Iterable[URIRef], predicates: Sequence[URIRef]) -> list[Quad]:
        raise NotImplementedError

    def incoming(self, objects: Iterable[URIRef], predicates: Sequence[URIRef]) -> list[Quad]:
        raise NotImplementedError


class _IndexReader(_Reader):
    """Direct index look-ups (:meth:`Store.quads`) on a store that has them (embedded Oxigraph)."""

    def _quads(self, s: Node | None, p: Node | None, o: Node | None, g: str | None = None) -> Iterator[Quad]:
        return self.store.quads(s, p, o, g, graphs=self.graphs)  # type: ignore[return-value]

    def closure(self, iri: URIRef) -> list[Quad]:
        out = list(self._quads(iri, None, None))
        frontier = [(q[2], q[3]) for q in out if is_part(q[2], iri)]
        seen: set[tuple[Node, str]] = set()
        for _ in range(MAX_BNODE_DEPTH):
            nxt: list[tuple[Node, str]] = []
            for node, graph in frontier:
                if (node, graph) in seen:
                    continue
                seen.add((node, graph))
                for quad in self._quads(node, None, None, graph):
                    if quad[1] == SH_RESULT:
                        continue
                    out.append(quad)
                    if is_part(quad[2], iri):
                        nxt.append((quad[2], graph))
            frontier = nxt
        return out

    def properties(self, subjects: Iterable[URIRef], predicates: Sequence[URIRef]) -> list[Quad]:
        # One look-up per subject, predicates filtered here: fewer index scans than one per pair.
        wanted = set(predicates)
        return [q for s in subjects for q in self._quads(s, None, None) if q[1] in wanted]

    def incoming(self, objects: Iterable[URIRef], predicates: Sequence[URIRef]) -> list[Quad]:
        return [q for o in objects for p in predicates for q in self._quads(None, p, o)]


class _SparqlReader(_Reader):
    """The same look-ups as SPARQL SELECTs, for stores that are not embedded Oxigraph."""

    def _rows(self, query: str, fixed: dict[str, Node]) -> list[Quad]:
        out: list[Quad] = []
        for row in self.store.select(query):
            graph = str(row["g"])
            if graph in self.graphs:
                s = row.get("s", fixed.get("s"))
                p = row.get("p", fixed.get("p"))
                out.append((s, p, row.get("o", fixed.get("o")), graph))  # type: ignore[arg-type]
        return out

    def closure(self, iri: URIRef) -> list[Quad]:
        # One row per path from the IRI through its parts (blank nodes, ``<iri#…>``), nested OPTIONALs
        # anchored at the IRI: each step is an index look-up (a UNION of free chains made Virtuoso
        # scan, ~2 s a document).
        base = str(iri).split("#", 1)[0] + "#"
        inner = ""
        for d in range(MAX_BNODE_DEPTH, 0, -1):
            part = f'(isBlank(?o{d - 1}) || STRSTARTS(STR(?o{d - 1}), "{base}"))'
            inner = (
                f"OPTIONAL {{ ?o{d - 1} ?p{d} ?o{d} FILTER({part} && ?p{d} != {SH_RESULT.n3()}) {inner}}} "
            )
        query = f"SELECT * WHERE {{ GRAPH ?g {{ {iri.n3()} ?p0 ?o0 . {inner}}} }}"
        out: dict[Quad, None] = {}
        for row in self.store.select(query):
            graph = str(row["g"])
            if graph not in self.graphs:
                continue
            subject: Node = iri
            for d in range(MAX_BNODE_DEPTH + 1):
                p, o = row.get(f"p{d}"), row.get(f"o{d}")
                if p is None or o is None:
                    break
                out[(subject, p, o, graph)] = None  # type: ignore[index]
                subject = o
        return list(out)

    def properties(self, subjects: Iterable[URIRef], predicates: Sequence[URIRef]) -> list[Quad]:
        subjects = list(subjects)
        if not subjects:
            return []
        values = " ".join(s.n3() for s in subjects)
        preds = " ".join(p.n3() for p in predicates)
        return self._rows(
            f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {preds} }} "
            "GRAPH ?g { ?s ?p ?o } }",
            {},
        )

    def incoming(self, objects: Iterable[URIRef], predicates: Sequence[URIRef]) -> list[Quad]:
        objects = list(objects)
        if not objects:
            return []
        values = " ".join(o.n3() for o in objects)
        preds = " ".join(p.n3() for p in predicates)
        return self._rows(
            f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?o {{ {values} }} VALUES ?p {{ {preds} }} "
            "GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }",
            {},
        )


def reader(store: Store, graphs: Collection[str]) -> _Reader:
    return _IndexReader(store, graphs) if store.indexed else _SparqlReader(store, graphs)


# --- the description ----------------------------------------------------------------------------


def new_graph() -> Graph:
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def _add(description: Description, quads: Iterable[Quad]) -> None:
    for s, p, o, g in quads:
        description.graph.add((s, p, o))
        description.sources.add(g)


def _version_number(graph: Graph, iri: URIRef) -> str | None:
    value = graph.value(iri, DCAT.version)
    return str(value) if isinstance(value, Literal) else None


def describe(
    store: Store, iri: str | URIRef, graphs: Collection[str], vocabulary: Graph | None = None
) -> Description | None:
    """The document of ``iri`` read from ``graphs``; ``None`` when no readable graph describes it.

    ``vocabulary`` (the ontology graph) supplies labels of ``ef:`` terms (boundaries, scopes, ...)."""
    iri = URIRef(str(iri))
    read = reader(store, graphs)
    desc = Description(iri, new_graph())
    _add(desc, read.closure(iri))
    if not desc.sources:
        return None
    graph = desc.graph
    desc.focus = iri

    thing = graph.value(iri, DCTERMS.isVersionOf)
    if not isinstance(thing, URIRef) and (iri, DCAT.hasVersion, None) in graph:
        thing = iri
    if isinstance(thing, URIRef):
        desc.thing = thing
        if thing != iri:
            _add(desc, read.properties([thing], (DCAT.hasVersion, DCAT.hasCurrentVersion)))
        _versions(desc, read)
        if (
            thing == iri
            and not desc.versions
            and all(p in (DCAT.hasVersion, DCAT.hasCurrentVersion) for p in graph.predicates(iri, None))
        ):
            return None  # a catalog record whose versions nobody may read
        if thing == iri and desc.current is not None:
            _add(desc, read.closure(desc.current))
            desc.focus = desc.current

    linked = {
        o
        for _, _, o in graph
        if isinstance(o, URIRef) and not is_part(o, iri) and not is_part(o, desc.focus)  # parts: read
    }
    focus_links = [
        o
        for p in (EF.activity, EF.activityCategory)
        for o in graph.objects(desc.focus, p)
        if isinstance(o, URIRef)
    ]
    _add(desc, read.incoming([desc.focus, *focus_links], MATCH_PROPERTIES))
    _add(desc, read.properties(focus_links, MATCH_PROPERTIES))
    linked |= {s for s, p, _ in graph if p in MATCH_PROPERTIES and isinstance(s, URIRef)}
    linked |= {o for _, p, o in graph if p in MATCH_PROPERTIES and isinstance(o, URIRef)}
    linked.discard(iri)
    _add(desc, _labels(store, read, sorted(linked)))
    if vocabulary is not None:
        for term in linked:
            if str(term).startswith(str(EF)):
                for label in vocabulary.objects(term, RDFS.label):
                    graph.add((term, RDFS.label, label))
    return desc


class _LabelCache:
    """The label quads (:data:`LABEL_PROPERTIES`) of linked IRIs, by subject, for one set of readable
    graphs in one state of them (:func:`registry.publishing.freshness.depends_on`). Many documents
    link the same few hundred things (gases, units, geographies, datasets, publishers), so most
    look-ups are answered here."""

    MAX_SUBJECTS = 50_000

    def __init__(self, state: Hashable, graphs: frozenset[str]) -> None:
        self.state, self.graphs = state, graphs
        self.by_subject: dict[URIRef, list[Quad]] = {}


_label_caches: weakref.WeakKeyDictionary[Store, _LabelCache] = weakref.WeakKeyDictionary()


def _labels(store: Store, read: _Reader, subjects: list[URIRef]) -> list[Quad]:
    """``read.properties(subjects, LABEL_PROPERTIES)``, in the same order, through the label cache of
    ``store`` when it keeps generations (a backend without them is asked every time)."""
    graphs = frozenset(read.graphs)
    state = freshness.depends_on(store, graphs)
    if state is None:
        return read.properties(subjects, LABEL_PROPERTIES)
    cached = _label_caches.get(store)
    if (
        cached is None
        or cached.state != state
        or cached.graphs != graphs
        or len(cached.by_subject) > _LabelCache.MAX_SUBJECTS
    ):
        cached = _label_caches[store] = _LabelCache(state, graphs)
    known = cached.by_subject
    missing = [s for s in subjects if s not in known]
    fetched: dict[URIRef, list[Quad]] = {}
    if missing:
        fetched = {s: [] for s in missing}
        for quad in read.properties(missing, LABEL_PROPERTIES):
            fetched[quad[0]].append(quad)  # type: ignore[index]
        if freshness.depends_on(store, graphs) == state:
            known.update(fetched)
    # what the cache answered counts as read (per-resource dependencies, registry.store.reads)
    reads.note(*(("s", str(s)) for s in subjects if s not in fetched))
    return [q for s in subjects for q in (known.get(s) if s in known else fetched[s])]


def _versions(desc: Description, read: _Reader) -> None:
    """Fill ``versions``, ``current`` and ``replaced_by``; drop versions no readable graph holds."""
    graph, thing = desc.graph, desc.thing
    assert thing is not None
    listed = [v for v in graph.objects(thing, DCAT.hasVersion) if isinstance(v, URIRef)]
    numbers = {s: str(o) for s, _, o, _ in read.properties(listed, (DCAT.version,))}
    for version in listed:
        if version in numbers:
            graph.add((version, DCAT.version, Literal(numbers[version])))
        else:
            graph.remove((thing, DCAT.hasVersion, version))
            graph.remove((thing, DCAT.hasCurrentVersion, version))
    desc.versions = sorted((Version(v, n) for v, n in numbers.items()), key=lambda v: v.key)
    current = graph.value(thing, DCAT.hasCurrentVersion)
    desc.current = (
        current if isinstance(current, URIRef) else (desc.versions[-1].iri if desc.versions else None)
    )
    if desc.iri == thing:
        return
    stated = graph.value(desc.iri, DCTERMS.isReplacedBy)
    if isinstance(stated, URIRef):
        desc.replaced_by = stated
        return
    order = [v.iri for v in desc.versions]
    if desc.iri in order and order.index(desc.iri) + 1 < len(order):
        desc.replaced_by = order[order.index(desc.iri) + 1]
        graph.add((desc.iri, DCTERMS.isReplacedBy, desc.replaced_by))


def exists(store: Store, iri: str, graphs: Collection[str]) -> bool:
    """Whether ``iri`` has a document: a readable graph describes it (a version-independent
    resource needs at least one readable version)."""
    return describe(store, iri, graphs) is not None
