"""Statistics as data: VoID counts of every graph, kept in the system graph, summed for the registry.

Per graph (computed by SPARQL aggregates over the store): ``void:triples``, ``void:entities`` (distinct
IRI subjects), ``void:distinctSubjects``, ``void:distinctObjects``, class partitions (``void:class``,
``void:entities``) and property partitions (``void:property``, ``void:triples``,
``void:distinctSubjects``, ``void:distinctObjects``).

Dataset version graphs are immutable, so a graph's statistics are computed once, when it is first
seen, and again only when its triple count changes (the catalog graph, a replaced harvest graph);
statistics of graphs that are gone are dropped. :func:`refresh` does that; the release steps call it
(:func:`registry.publishing.catalog.refresh_versions`, a workflow approve or withdraw).

Where they live. In the system graph, which no caller reads: so the counts of a draft or of a
commercial ``…/values`` graph are kept but never shown; :mod:`registry.void` publishes those of the
public graphs only, and the join planner (:mod:`registry.query.planner`) estimates from the public
graphs only, so no plan depends on a count a caller may not see.

Registry-wide figures (:func:`summarize`) are sums over the graphs: exact for triples, and for
entities and distinct subjects wherever a resource is described in one graph (the registry mints
IRIs per version graph). Distinct objects are not additive (every graph names the same gases and
regions): for a property with few objects in a graph (at most :data:`FEW`) the objects themselves are
kept, and the registry-wide count is the size of their union (plus an estimate for the graphs with
many, :func:`_objects`);
only the per-graph figures are published as ``void:distinctObjects``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import VOID, XSD

from registry.publishing import access, freshness
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import QueryDataset, Store

_NODE = "urn:efreg:statistics/"
#: Private predicate of the system graph: graph -> the node holding its counts.
LINK = "urn:efreg:statistics#of"
#: Private predicate: a property partition's few distinct objects (N-Triples terms, one a line).
OBJECTS = "urn:efreg:statistics#objects"
FEW = 32
_SYSTEM = QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,))
_V = "http://rdfs.org/ns/void#"

TOTALS_QUERY = """SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do)
  (COUNT(DISTINCT ?e) AS ?entities)
WHERE { GRAPH <{graph}> { ?s ?p ?o } BIND(IF(isIRI(?s), ?s, ?unbound) AS ?e) }"""
PROPERTIES_QUERY = """SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do)
WHERE { GRAPH <{graph}> { ?s ?p ?o } } GROUP BY ?p"""
FEW_OBJECTS_QUERY = (
    """SELECT DISTINCT ?p ?o WHERE { VALUES ?p { {properties} } GRAPH <{graph}> { ?s ?p ?o } }"""
)
CLASSES_QUERY = """SELECT ?c (COUNT(DISTINCT ?s) AS ?n)
WHERE { GRAPH <{graph}> { ?s a ?c } } GROUP BY ?c"""
STORED_QUERY = f"""PREFIX void: <{_V}>
SELECT ?g ?key ?n ?part ?what ?pkey ?pn WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{
  ?g <{LINK}> ?node .
  {{ ?node ?key ?n FILTER(isLiteral(?n)) }}
  UNION {{ ?node void:classPartition ?part . ?part void:class ?what ; ?pkey ?pn FILTER(isLiteral(?pn)) }}
  UNION {{ ?node void:propertyPartition ?part . ?part void:property ?what ; ?pkey ?pn FILTER(isLiteral(?pn)) }}
}} }}"""


@dataclass(frozen=True)
class PropertyStats:
    triples: int
    subjects: int
    objects: int
    #: The distinct objects themselves (N-Triples terms) when there are at most :data:`FEW` of them
    #: in one graph: gases, regions, publishers, the dataset a factor is part of. Distinct objects
    #: are not additive over graphs; these sets are (see :func:`summarize`).
    values: frozenset[str] | None = None


@dataclass(frozen=True)
class GraphStats:
    """The VoID counts of one graph (or, from :func:`summarize`, of a union of graphs)."""

    triples: int = 0
    entities: int = 0
    subjects: int = 0
    objects: int = 0
    classes: Mapping[str, int] = field(default_factory=dict)
    properties: Mapping[str, PropertyStats] = field(default_factory=dict)


def _int(row: Mapping[str, object], key: str) -> int:
    value = row.get(key)
    return int(str(value)) if value is not None else 0


def compute(store: Store, graph: str) -> GraphStats:
    """The statistics of ``graph``, by three aggregate queries over it."""
    everything = QueryDataset(default_graphs=(), named_graphs=(graph,))
    totals = store.select(TOTALS_QUERY.replace("{graph}", graph), everything)
    row = totals[0] if totals else {}
    properties = {
        str(r["p"]): PropertyStats(_int(r, "n"), _int(r, "ds"), _int(r, "do"))
        for r in store.select(PROPERTIES_QUERY.replace("{graph}", graph), everything)
    }
    few = [p for p, ps in properties.items() if ps.objects <= FEW]
    if few:
        values: dict[str, set[str]] = {p: set() for p in few}
        query = FEW_OBJECTS_QUERY.replace("{graph}", graph).replace(
            "{properties}", " ".join(f"<{p}>" for p in few)
        )
        for r in store.select(query, everything):
            values[str(r["p"])].add(r["o"].n3())
        for p in few:
            properties[p] = dataclasses.replace(properties[p], values=frozenset(values[p]))
    classes = {
        str(r["c"]): _int(r, "n")
        for r in store.select(CLASSES_QUERY.replace("{graph}", graph), everything)
        if isinstance(r["c"], URIRef)
    }
    return GraphStats(
        _int(row, "n"), _int(row, "entities"), _int(row, "ds"), _int(row, "do"), classes, properties
    )


def _node(graph: str) -> str:
    return _NODE + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:24]


def _number(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def to_rdf(graph: str, stats: GraphStats) -> Graph:
    """``<graph> LINK <node>`` and the counts on the node (the form kept in the system
    graph, linked by the private :data:`LINK`; the node's IRIs are ``urn:efreg:…`` too)."""
    g = Graph()
    node = URIRef(_node(graph))
    g.add((URIRef(graph), URIRef(LINK), node))
    for key, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.subjects),
        (VOID.distinctObjects, stats.objects),
    ):
        g.add((node, key, _number(value)))
    for i, (cls, n) in enumerate(sorted(stats.classes.items())):
        part = URIRef(f"{node}/c{i}")
        g.add((node, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, _number(n)))
    for i, (prop, p) in enumerate(sorted(stats.properties.items())):
        part = URIRef(f"{node}/p{i}")
        g.add((node, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, _number(p.triples)))
        if p.values is not None:
            g.add((part, URIRef(OBJECTS), Literal("\n".join(sorted(p.values)))))
        g.add((part, VOID.distinctSubjects, _number(p.subjects)))
        g.add((part, VOID.distinctObjects, _number(p.objects)))
    return g


def _drop_update(graph: str) -> str:
    return f"""DELETE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{graph}> <{LINK}> ?node . ?node ?p ?o . ?o ?q ?v }} }}
WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{graph}> <{LINK}> ?node . ?node ?p ?o OPTIONAL {{ ?o ?q ?v }} }} }}"""


_kept: weakref.WeakKeyDictionary[Store, dict[str, GraphStats]] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()
#: Dataset version graphs (and their values graphs) never change once written: their statistics are
#: not recounted. Every other graph (the catalog) is counted at each refresh.
_IMMUTABLE = re.compile(r"/dataset/[^/]+/\d+(?:/values)?$")


def stored(store: Store, graphs: Iterable[str] | None = None) -> dict[str, GraphStats]:
    """The statistics kept in the system graph (of ``graphs`` only, when given). Read once per store
    object and then kept in memory (this process writes them: :func:`refresh`)."""
    with _kept_lock:
        kept = _kept.get(store)
    if kept is None:
        kept = _read(store)
        with _kept_lock:
            _kept[store] = kept
    return dict(kept) if graphs is None else {g: kept[g] for g in graphs if g in kept}


def _read(store: Store) -> dict[str, GraphStats]:
    totals: dict[str, dict[str, int]] = {}
    classes: dict[str, dict[str, int]] = {}
    parts: dict[str, dict[str, dict[str, int]]] = {}
    few: dict[tuple[str, str], frozenset[str]] = {}
    for row in store.select(STORED_QUERY, _SYSTEM):
        g = str(row["g"])
        totals.setdefault(g, {})
        if "key" in row:
            totals[g][str(row["key"])[len(_V) :]] = int(str(row["n"]))
        elif str(row["pkey"]) == OBJECTS:
            few[(g, str(row["what"]))] = frozenset(filter(None, str(row["pn"]).split("\n")))
        elif str(row["pkey"]) == _V + "entities":  # a class partition
            classes.setdefault(g, {})[str(row["what"])] = int(str(row["pn"]))
        else:
            key = str(row["pkey"])[len(_V) :]
            parts.setdefault(g, {}).setdefault(str(row["what"]), {})[key] = int(str(row["pn"]))
    out: dict[str, GraphStats] = {}
    for g, t in totals.items():
        props = {
            p: PropertyStats(
                v.get("triples", 0),
                v.get("distinctSubjects", 0),
                v.get("distinctObjects", 0),
                few.get((g, p)),
            )
            for p, v in parts.get(g, {}).items()
        }
        out[g] = GraphStats(
            t.get("triples", 0),
            t.get("entities", 0),
            t.get("distinctSubjects", 0),
            t.get("distinctObjects", 0),
            classes.get(g, {}),
            props,
        )
    return out


def refresh(store: Store, graphs: Iterable[str] | None = None) -> dict[str, GraphStats]:
    """Bring the kept statistics up to date: computed for every graph of ``graphs`` (default: every
    graph but the system graph) that has none, or is not a dataset version and changed its triple
    count; dropped for graphs that are gone. Returns the statistics of those graphs. One update per
    changed graph (a crash between them leaves some graphs without statistics, which the next
    refresh computes)."""
    names = store.graph_names() - {SYSTEM_GRAPH}
    targets = names if graphs is None else {g for g in graphs if g in names}
    kept = stored(store)
    for gone in sorted(set(kept) - names):
        store.update(_drop_update(gone))
        _forget(store, gone)
        del kept[gone]
    for g in sorted(targets):
        if (
            g in kept
            and not _older(kept[g])
            and (_IMMUTABLE.search(g) or kept[g].triples == _count(store, g))
        ):
            continue
        stats = compute(store, g)
        triples = to_rdf(g, stats).serialize(format="nt", encoding="utf-8").decode("utf-8")
        store.update(_drop_update(g) + f" ;\nINSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {triples} }} }}")
        kept[g] = stats
        with _kept_lock:
            _kept.setdefault(store, {})[g] = stats
    return {g: kept[g] for g in targets if g in kept}


def _forget(store: Store, graph: str) -> None:
    with _kept_lock:
        _kept.get(store, {}).pop(graph, None)


def _count(store: Store, graph: str) -> int:
    rows = store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        QueryDataset(default_graphs=(), named_graphs=(graph,)),
    )
    return _int(rows[0], "n") if rows else 0


def _older(stats: GraphStats) -> bool:
    """Kept by a version that did not keep the few distinct objects of a property."""
    return any(p.values is None and p.objects <= FEW for p in stats.properties.values())


def of_graphs(store: Store, graphs: Iterable[str]) -> dict[str, GraphStats]:
    """The statistics of ``graphs``: kept ones, and computed (not kept: a reader never writes) for
    any that has none yet."""
    graphs = list(graphs)
    found = stored(store, graphs)
    for g in graphs:
        if g not in found:
            found[g] = compute(store, g)
    return found


def summarize(parts: Iterable[GraphStats]) -> GraphStats:
    """Registry-wide figures from per-graph ones (see the module docstring): sums; a property's
    distinct objects are the union of the graphs' few-object sets plus the counts of the graphs with
    many (exact where every graph has few); all distinct objects, the largest per-graph count."""
    triples = entities = subjects = objects = 0
    classes: dict[str, int] = {}
    properties: dict[str, PropertyStats] = {}
    sets: dict[str, set[str]] = {}
    many: dict[str, list[int]] = {}  #: property -> [sum, largest, triples] of graphs with many objects
    for s in parts:
        triples += s.triples
        entities += s.entities
        subjects += s.subjects
        objects = max(objects, s.objects)
        for c, n in s.classes.items():
            classes[c] = classes.get(c, 0) + n
        for p, ps in s.properties.items():
            was = properties.get(p, PropertyStats(0, 0, 0))
            properties[p] = PropertyStats(was.triples + ps.triples, was.subjects + ps.subjects, 0)
            if ps.values is not None:
                sets.setdefault(p, set()).update(ps.values)
            else:
                m = many.setdefault(p, [0, 0, 0])
                m[0], m[1], m[2] = m[0] + ps.objects, max(m[1], ps.objects), m[2] + ps.triples
    for p, ps in properties.items():
        properties[p] = dataclasses.replace(ps, objects=_objects(len(sets.get(p, ())), many.get(p)))
    return GraphStats(triples, entities, subjects, objects, classes, properties)


def _objects(united: int, many: list[int] | None) -> int:
    """A property's distinct objects over the registry: the union of the few-object sets (exact),
    and for the graphs with many objects (``[sum, largest, triples]``) their sum where objects
    are mostly unique to their triple (a value, a component: no graph repeats another's), else —
    objects repeated within each graph (a geography, a category) are taken to be the same ones
    across graphs — the largest graph's count (their sum would count one region once per graph and
    make every look-up by object look a hundred times too selective)."""
    if many is None:
        return united
    total, largest, triples = many
    if 2 * total >= triples:
        return united + total
    return max(united, largest)


_planning: weakref.WeakKeyDictionary[Store, tuple[object, GraphStats]] = weakref.WeakKeyDictionary()
_planning_lock = threading.Lock()


def for_planning(store: Store) -> GraphStats:
    """The registry-wide statistics of the public graphs (what the join planner estimates from: no
    plan depends on a count a caller may not read), kept per access snapshot."""
    key = freshness.depends_on(store)
    snap = access.snapshot(store)
    with _planning_lock:
        kept = _planning.get(store)
        if kept is not None and kept[0] == key and key is not None:
            return kept[1]
    summary = summarize(stored(store, snap.public).values())
    with _planning_lock:
        _planning[store] = (key, summary)
    return summary
