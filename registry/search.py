"""Finding factors (Flask-free): label search in English and Chinese, facets, paginated lists.

Queries run over the public dataset graphs only. A search scans labels, so its cost grows with the
data (unlike a resource document); pages are bounded by ``size``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS
from rdflib.term import Node

from registry.publishing import freshness
from registry.rdf.namespaces import DCAT, EF
from registry.store import PublicDataset, QueryDataset, Store, reads

PREFIXES = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX qudt: <http://qudt.org/schema/qudt/>
"""

#: facet name -> (path prefix of its values under the base URI, graph pattern from ?f to ?v)
FACETS: dict[str, tuple[str, str]] = {
    "publisher": ("publisher/", "?f dct:publisher ?v ."),
    "geo": ("geo/", "?f ef:geography ?v ."),
    "gas": ("gas/", "?f ef:component ?component . ?component ef:gas ?v ."),
    "category": ("category/", "{ ?f ef:activityCategory ?v } UNION { ?f ef:activity ?v }"),
    "dataset": ("dataset/", "?f dct:isPartOf ?v ."),
}
#: How a filter on a facet matches: a geography or category also matches what lies beneath it. The
#: value itself and what lies beneath it (``skos:broader+``) are two branches, not ``skos:broader*``:
#: Virtuoso 7 matches no zero-length path from a node that is in no ``skos:broader`` triple (a gas).
FILTERS: dict[str, str] = {
    "publisher": "?f dct:publisher {v} .",
    "geo": "{{ ?f ef:geography {v} }} UNION {{ ?f ef:geography/skos:broader+ {v} }}",
    "gas": "{{ ?f ef:component/ef:gas {v} }} UNION {{ ?f ef:component/ef:gas/skos:broader+ {v} }}",
    "category": "{{ ?f ef:activityCategory {v} }} UNION {{ ?f ef:activityCategory/skos:broader+ {v} }} "
    "UNION {{ ?f ef:activity {v} }} UNION {{ ?f ef:activity/skos:broader+ {v} }}",
    "dataset": "?f dct:isPartOf {v} .",
}
LABEL_PREDICATES = frozenset({RDFS.label, SKOS.prefLabel, FOAF.name, DCTERMS.title})
LABELS = (
    PREFIXES + "SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} "
    "?s rdfs:label|skos:prefLabel|foaf:name|dct:title ?l }}"
)

#: kind (first path segment) -> the class its members have, for the list pages
KIND_CLASSES: dict[str, str] = {
    "factor": "ef:EmissionFactor",
    "dataset": "dcat:Dataset",
    "publisher": "foaf:Organization",
    "source": "ef:Source",
    "gas": "ef:Gas",
    "gwp": "ef:GWPSet",
    "geo": "ef:Geography",
    "unit": "qudt:Unit",
    "category": "skos:Concept",
    "license": "dct:LicenseDocument",
}


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()  #: (facet, value path under the facet's prefix)
    page: int = 1
    size: int = 20
    year: int | None = None  #: the reference year


@dataclass
class Hit:
    iri: URIRef
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class FacetValue:
    iri: URIRef
    count: int
    labels: dict[str, str] = field(default_factory=dict)
    value: str = ""  #: the value as a search parameter


class Paged:
    """A page of ``size`` items out of ``total``: how many pages there are."""

    total: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    hits: list[FactorRow]
    facets: dict[str, list[FacetValue]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


def _public(graphs: Sequence[str]) -> QueryDataset:
    return QueryDataset(default_graphs=tuple(graphs), named_graphs=tuple(graphs))


def _text_match(text: str) -> str:
    """The factors whose label or identifier contains ``text`` (case-insensitive), as a subquery
    evaluated first: one scan of the labels, however many other patterns join it (joined in the
    same group, Oxigraph looked the labels up again for every factor of the type, 25 times slower)."""
    return f"{{ SELECT DISTINCT ?f WHERE {{ {_text_found(text)} }} }}"


def _text_found(text: str) -> str:
    """The pattern of a factor ``?f`` whose label or identifier contains ``text`` (case-insensitive)."""
    needle = Literal(text.lower()).n3()
    test = f"FILTER(CONTAINS(LCASE(STR(?text)), {needle}))"
    return f"{{ ?f rdfs:label ?text {test} }} UNION {{ ?f dct:identifier ?text {test} }}"


def _where(query: SearchQuery, base: str, candidates: Sequence[URIRef] | None = None) -> str:
    """The pattern of the factors ``query`` finds; among ``candidates`` only, when given (a ``VALUES``
    block first, the text tested on their labels alone)."""
    parts = []
    if candidates is not None:
        parts.append(f"VALUES ?f {{ {' '.join(c.n3() for c in candidates)} }}")
    if query.text.strip() and candidates is not None:
        parts.append(f"FILTER EXISTS {{ {_text_found(query.text.strip())} }}")
    elif query.text.strip():
        parts.append(_text_match(query.text.strip()))
    parts.append("?f a ef:EmissionFactor .")
    if query.year is not None:
        parts.append(f'?f ef:referenceYear ?year . FILTER(STR(?year) = "{int(query.year)}")')
    for name, value in query.filters:
        if name in FILTERS:
            parts.append(FILTERS[name].format(v=URIRef(base + FACETS[name][0] + value).n3()))
    return "\n".join(parts)


#: Values shown per facet.
FACET_SIZE = 25


def _order(term: Node) -> tuple[int, str]:
    """SPARQL's ORDER BY of terms: blank nodes, then IRIs, then literals; each by its text."""
    return (0 if not isinstance(term, (URIRef, Literal)) else 1 if isinstance(term, URIRef) else 2, str(term))


def facet_counts(store: Store, dataset: QueryDataset, where: str) -> dict[str, list[tuple[Node, int]]]:
    """For each facet, its values among the factors ``where`` finds, with how many of them have
    each: the most first, then by value, at most :data:`FACET_SIZE` — one query for all facets (one
    scan of what ``where`` matches, not one per facet)."""
    branches = " UNION ".join(
        f'{{ {pattern} BIND("{name}" AS ?k) }}' for name, (_prefix, pattern) in FACETS.items()
    )
    rows = store.select(
        PREFIXES
        + f"SELECT ?k ?v (COUNT(DISTINCT ?f) AS ?n) WHERE {{ {{ SELECT DISTINCT ?f WHERE {{ {where} }} }}\n"
        f"{branches} }} GROUP BY ?k ?v",
        dataset,
    )
    found: dict[str, list[tuple[Node, int]]] = {name: [] for name in FACETS}
    for row in rows:
        if "v" in row and str(row.get("k")) in found:
            found[str(row["k"])].append((row["v"], int(row["n"])))  # type: ignore[arg-type]
    return {
        name: sorted(values, key=lambda item: (-item[1], _order(item[0])))[:FACET_SIZE]
        for name, values in found.items()
    }


def labels(
    store: Store, graphs: Sequence[str], nodes: Sequence[Node], public: bool = False
) -> dict[Node, dict[str, str]]:
    """Labels by language (``""`` for none) of ``nodes`` (``public``: see :func:`search`)."""
    out: dict[Node, dict[str, str]] = {node: {} for node in nodes}
    iris = [n for n in nodes if isinstance(n, URIRef)]
    if not iris:
        return out
    if store.indexed:  # one index look-up per subject (a SPARQL query costs more to plan than this)
        rows: list[dict[str, Node]] = [
            {"s": s, "l": o} for s, _p, o in _triples(store, graphs, iris, LABEL_PREDICATES)
        ]
    else:
        values = " ".join(n.n3() for n in iris)
        dataset = PublicDataset(tuple(graphs), tuple(graphs), union=True) if public else _public(graphs)
        with reads.unrecorded():  # the triples of these subjects only
            rows = store.select(LABELS.format(values=values), dataset)  # type: ignore[assignment]
        reads.subjects(iris)
    for row in rows:
        label = row["l"]
        language = label.language or "" if isinstance(label, Literal) else ""
        out[row["s"]].setdefault(language, str(label))  # type: ignore[index]
    return out


def _triples(
    store: Store, graphs: Sequence[str], subjects: Sequence[Node], predicates: Collection[URIRef]
) -> Iterator[tuple[Node, URIRef, Node]]:
    """The triples of ``subjects`` with one of ``predicates`` in ``graphs``, by index look-ups on an
    :attr:`~registry.store.Store.indexed` store (each look-up recorded as the subject's read)."""
    readable = frozenset(graphs)
    for subject in subjects:
        for s, p, o, _g in store.quads(subject, None, None, graphs=readable):
            if p in predicates:
                yield s, p, o  # type: ignore[misc]


def search(
    store: Store, graphs: Sequence[str], base: str, query: SearchQuery, public: bool = False
) -> SearchResult:
    """The factors of ``graphs`` that ``query`` finds, a page of them, and the facets. ``public``:
    ``graphs`` are the public graphs and nothing else, so the search reads the union of the public
    read model (:class:`~registry.store.PublicDataset`: several times faster than the listed graphs;
    the catalog graph it adds holds no factor)."""
    if public:
        dataset: QueryDataset = PublicDataset(tuple(graphs), tuple(graphs), union=True)
    else:
        dataset = _public([g for g in graphs if g.startswith(base + "dataset/")] or list(graphs))
    where = _where(query, base)
    count = store.select(PREFIXES + f"SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {{ {where} }}", dataset)
    total = int(count[0]["n"]) if count and "n" in count[0] else 0
    offset = (max(query.page, 1) - 1) * query.size
    rows = store.select(
        PREFIXES + f"SELECT DISTINCT ?f WHERE {{ {where} }} ORDER BY ?f LIMIT {query.size} OFFSET {offset}",
        dataset,
    )
    hits = factor_rows(store, graphs, [row["f"] for row in rows])  # type: ignore[misc]
    facets = {
        name: _facet_values(base, name, counted)
        for name, counted in facet_counts(store, dataset, where).items()
    }
    _label_facets(store, graphs, facets, public)
    return SearchResult(query, total, hits, facets)


# --- a search kept through releases that did not touch what it found --------------------------------

#: Filters that read only the factor's own triples (the others follow ``skos:broader``: a search
#: with them is derived afresh after every release).
LOCAL_FILTERS = frozenset({"publisher", "dataset"})
#: predicate -> the facet of its object, for a factor's own triples (the gas facet is two hops)
_FACET_OF = {
    DCTERMS.publisher: "publisher",
    EF.geography: "geo",
    EF.activityCategory: "category",
    EF.activity: "category",
    DCTERMS.isPartOf: "dataset",
}
#: Most subjects released since a kept search was derived that are checked against it (beyond: afresh).
MAX_RECHECK = 2_000


@dataclass
class KeptSearch:
    """A search's result with what it was derived from: each factor it matched with its facet values
    (facet, value), the public generation it is current at and the keys its page and labels read
    (:mod:`registry.store.reads`; ``None``: everything)."""

    generation: int
    members: dict[URIRef, frozenset[tuple[str, Node]]]
    result: SearchResult
    reads: frozenset[reads.Key] | None


def renewable(store: Store, query: SearchQuery) -> bool:
    """Whether ``query`` can be kept through releases (:func:`kept_search`) on ``store``: a store that
    records what it reads and looks subjects up by index; no filter beyond the factor's triples."""
    return (
        bool(getattr(store, "records_reads", False))
        and store.indexed
        and query.year is None
        and all(name in LOCAL_FILTERS for name, _ in query.filters)
    )


def kept_search(
    store: Store, graphs: Sequence[str], base: str, query: SearchQuery, kept: KeptSearch | None
) -> KeptSearch:
    """``query`` over the public graphs ``graphs`` (:func:`renewable`), renewed from ``kept`` in part:
    its result as it is when no release since touched a factor it holds or may now hold (each
    subject a release touched, and each factor whose part it is, is checked against the search
    again: ``VALUES ?f { … }``) nor what its page and labels read; else from the factors it holds
    after that check. A write that was not a release, or more than :data:`MAX_RECHECK` subjects
    released since, derive it afresh. A blank node's triples are taken to come with the graph of the
    factor that holds it (a release touches a factor of each graph it adds or removes)."""
    started = freshness.public_generation(store)
    since = freshness.touched_since(store, kept.generation) if kept is not None else None
    if kept is not None and since is not None:
        through, keys = since
        subjects = {key[1] for key in keys if key[0] == "s"}
        if not subjects and (kept.reads is None or not keys & kept.reads):
            return KeptSearch(through, kept.members, kept.result, kept.reads)  # nothing of it touched
        named = [URIRef(x) for x in subjects if not x.startswith("_:")]
        if len(named) <= MAX_RECHECK:
            readable = frozenset(graphs)
            holders = {q[0] for x in named for q in store.quads(None, EF.component, x, graphs=readable)}
            candidates = sorted({*named, *(h for h in holders if isinstance(h, URIRef))})
            checked = set(candidates)
            members = {f: v for f, v in kept.members.items() if f not in checked}
            members.update(_matched(store, graphs, base, query, candidates))
            if members == kept.members and (kept.reads is None or not keys & kept.reads):
                return KeptSearch(through, kept.members, kept.result, kept.reads)
            return _assemble(store, graphs, base, query, members, started or 0)
    return _assemble(store, graphs, base, query, _matched(store, graphs, base, query, None), started or 0)


def _matched(
    store: Store, graphs: Sequence[str], base: str, query: SearchQuery, candidates: Sequence[URIRef] | None
) -> dict[URIRef, frozenset[tuple[str, Node]]]:
    """The factors ``query`` finds (among ``candidates``, when given), each with its facet values."""
    if candidates is not None and not candidates:
        return {}
    dataset = PublicDataset(tuple(graphs), tuple(graphs), union=True)
    where = _where(query, base, candidates)
    members: dict[URIRef, set[tuple[str, Node]]] = {}
    for row in store.select(PREFIXES + f"SELECT DISTINCT ?f WHERE {{ {where} }}", dataset):
        members[row["f"]] = set()  # type: ignore[index]
    readable = frozenset(graphs)
    parts: dict[Node, list[URIRef]] = {}
    for f, values in members.items():  # the facets' patterns (FACETS), by index look-ups
        for _s, p, o, _g in store.quads(f, None, None, graphs=readable):
            name = _FACET_OF.get(p)  # type: ignore[arg-type]
            if name is not None:
                values.add((name, o))
            elif p == EF.component:
                parts.setdefault(o, []).append(f)
    for part, holders in parts.items():
        for _s, _p, o, _g in store.quads(part, EF.gas, None, graphs=readable):
            for f in holders:
                members[f].add(("gas", o))
    return {f: frozenset(v) for f, v in members.items()}


def _assemble(
    store: Store,
    graphs: Sequence[str],
    base: str,
    query: SearchQuery,
    members: dict[URIRef, frozenset[tuple[str, Node]]],
    generation: int,
) -> KeptSearch:
    """The result of ``query`` from the factors it found (as :func:`search` gives it)."""
    with reads.recording() as read:
        ordered = sorted(members, key=_order)
        offset = (max(query.page, 1) - 1) * query.size
        hits = factor_rows(store, graphs, ordered[offset : offset + query.size])  # type: ignore[arg-type]
        counts: dict[str, dict[Node, int]] = {name: {} for name in FACETS}
        for values in members.values():
            for name, value in values:
                if name in counts:
                    counts[name][value] = counts[name].get(value, 0) + 1
        facets = {
            name: _facet_values(
                base, name, sorted(found.items(), key=lambda item: (-item[1], _order(item[0])))[:FACET_SIZE]
            )
            for name, found in counts.items()
        }
        _label_facets(store, graphs, facets, True)
    result = SearchResult(query, len(members), hits, facets)
    if not all(isinstance(f, URIRef) for f in members):  # a blank node cannot be checked again by name
        generation = -1  # before every release: derived afresh next time
    return KeptSearch(generation, members, result, read.frozen())


def _facet_values(base: str, name: str, counted: Sequence[tuple[Node, int]]) -> list[FacetValue]:
    prefix = base + FACETS[name][0]
    return [
        FacetValue(v, n, value=str(v)[len(prefix) :])  # type: ignore[arg-type]
        for v, n in counted
        if isinstance(v, URIRef) and str(v).startswith(prefix)
    ]


def _label_facets(
    store: Store, graphs: Sequence[str], facets: dict[str, list[FacetValue]], public: bool
) -> None:
    names = labels(store, graphs, [v.iri for values in facets.values() for v in values], public)
    for values in facets.values():
        for value in values:
            value.labels = names.get(value.iri, {})


@dataclass
class Listing(Paged):
    kind: str
    page: int
    size: int
    total: int
    items: list[Hit]


def list_kind(
    store: Store, graphs: Sequence[str], base: str, kind: str, page: int = 1, size: int = 50
) -> Listing:
    """The resources of one kind whose IRIs live under ``{base}{kind}/``, a page at a time."""
    cls = KIND_CLASSES.get(kind)
    prefix = Literal(base + kind + "/").n3()
    pattern = f"?s a {cls} ." if cls else "?s ?p ?o ."
    where = f"GRAPH ?g {{ {pattern} }} FILTER(STRSTARTS(STR(?s), {prefix}))"
    dataset = _public(graphs)
    count = store.select(PREFIXES + f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}", dataset)
    total = int(count[0]["n"]) if count and "n" in count[0] else 0
    offset = (max(page, 1) - 1) * size
    rows = store.select(
        PREFIXES + f"SELECT DISTINCT ?s WHERE {{ {where} }} ORDER BY ?s LIMIT {size} OFFSET {offset}", dataset
    )
    iris = [row["s"] for row in rows]
    names = labels(store, graphs, iris)
    return Listing(kind, page, size, total, [Hit(i, names.get(i, {})) for i in iris])  # type: ignore[arg-type]


# --- what a person reads of a factor in a list: value, unit, gas, year, place --------------------

ROWS = (
    PREFIXES
    + """SELECT ?f ?n ?t ?kind ?what ?value ?unit ?year ?start ?end ?geo WHERE {{
  VALUES ?f {{ {values} }}
  OPTIONAL {{ {{ ?f ef:component ?n . ?n ef:gas ?what ; ef:value ?value . OPTIONAL {{ ?n ef:unit ?unit }}
              BIND("gas" AS ?kind) }}
    UNION {{ ?f ef:co2e ?n . ?n ef:gwpSet ?what ; ef:value ?value . OPTIONAL {{ ?n ef:unit ?unit }}
              BIND("co2e" AS ?kind) }} }}
  OPTIONAL {{ ?f ef:referenceYear ?year }}
  OPTIONAL {{ ?f dct:temporal ?t . OPTIONAL {{ ?t dcat:startDate ?start }} OPTIONAL {{ ?t dcat:endDate ?end }} }}
  OPTIONAL {{ ?f ef:geography ?geo }}
}}"""
)


@dataclass
class Amount:
    """One value of a factor: a gas (``kind`` ``gas``) or a GWP set's CO2e (``co2e``), in its unit."""

    kind: str
    what: URIRef
    value: str  #: the lexical form, as published
    unit: URIRef | None
    what_labels: dict[str, str] = field(default_factory=dict)
    unit_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class FactorRow:
    """A factor as a list shows it: label, its gas values (or CO2e values), year, place."""

    iri: URIRef
    labels: dict[str, str] = field(default_factory=dict)
    gases: list[Amount] = field(default_factory=list)
    co2e: list[Amount] = field(default_factory=list)
    year: str | None = None
    geo: URIRef | None = None
    geo_labels: dict[str, str] = field(default_factory=dict)

    @property
    def amounts(self) -> list[Amount]:
        """What the row shows: the gas values, or the CO2e values when the factor gives no gas."""
        return self.gases or self.co2e


def factor_rows(store: Store, graphs: Sequence[str], iris: Sequence[URIRef]) -> list[FactorRow]:
    """The rows of ``iris`` (in that order), read from ``graphs``: a commercial factor whose values
    the caller may not read has a row without amounts."""
    if not iris:
        return []
    rows = {iri: FactorRow(iri) for iri in iris}
    seen: set[tuple[URIRef, str, Node]] = set()
    if store.indexed:
        found = _rows_indexed(store, graphs, iris)
    else:
        values = " ".join(i.n3() for i in iris)
        with reads.unrecorded():  # the triples of these subjects and of their value and time nodes
            found = store.select(ROWS.format(values=values), _public(graphs))  # type: ignore[assignment]
        reads.subjects([*iris, *(r[name] for r in found for name in ("n", "t") if name in r)])
    for r in found:
        row = rows.get(r["f"])  # type: ignore[arg-type]
        if row is None:
            continue
        if "year" in r:
            row.year = str(r["year"])
        elif "start" in r and row.year is None:
            start, end = str(r["start"])[:4], str(r.get("end") or r["start"])[:4]
            row.year = start if start == end else f"{start}–{end}"
        if isinstance(r.get("geo"), URIRef):
            row.geo = r["geo"]  # type: ignore[assignment]
        if "what" in r and (r["f"], str(r["kind"]), r["what"]) not in seen:
            seen.add((r["f"], str(r["kind"]), r["what"]))  # type: ignore[arg-type]
            amount = Amount(str(r["kind"]), r["what"], str(r["value"]), r.get("unit"))  # type: ignore[arg-type]
            (row.gases if amount.kind == "gas" else row.co2e).append(amount)
    named = {*iris, *(x.geo for x in rows.values() if x.geo is not None)}
    for x in rows.values():
        for a in x.gases + x.co2e:
            named.add(a.what)
            if a.unit is not None:
                named.add(a.unit)
    names = labels(store, graphs, sorted(named))
    for x in rows.values():
        x.labels = names.get(x.iri, {})
        x.geo_labels = names.get(x.geo, {}) if x.geo is not None else {}
        for a in x.gases + x.co2e:
            a.what_labels = names.get(a.what, {})
            a.unit_labels = names.get(a.unit, {}) if a.unit is not None else {}
        x.gases.sort(key=lambda a: (not str(a.what).endswith("/CO2"), str(a.what)))  # CO2 first
        x.co2e.sort(key=lambda a: str(a.what), reverse=True)  # the newest GWP set (AR6) first
    return [rows[i] for i in iris]


_ROW_PREDICATES = frozenset(
    EF[name] for name in ("component", "co2e", "referenceYear", "geography", "gas", "gwpSet", "value", "unit")
) | {DCTERMS.temporal, DCAT.startDate, DCAT.endDate}


def _rows_indexed(store: Store, graphs: Sequence[str], iris: Sequence[URIRef]) -> list[dict[str, Node]]:
    """The solutions of :data:`ROWS` (those :func:`factor_rows` uses: each amount, year, time span and
    place of a factor, one a row) by index look-ups of the factors and of their value and time nodes."""
    found: list[dict[str, Node]] = []
    of: dict[Node, dict[URIRef, list[Node]]] = {}

    def objects(subjects: Sequence[Node]) -> None:
        for s, p, o in _triples(store, graphs, [x for x in subjects if x not in of], _ROW_PREDICATES):
            of.setdefault(s, {}).setdefault(p, []).append(o)
        for x in subjects:
            of.setdefault(x, {})

    objects(iris)
    parts = [(n, kind) for f in iris for kind in ("component", "co2e") for n in of[f].get(EF[kind], ())]
    timed = [t for f in iris for t in of[f].get(DCTERMS.temporal, ())]
    objects([n for n, _kind in parts] + timed)
    for f in iris:
        props = of[f]
        for kind, what_p, label in (("component", EF.gas, "gas"), ("co2e", EF.gwpSet, "co2e")):
            for n in props.get(EF[kind], ()):
                node = of[n]
                for what in node.get(what_p, ()):
                    for value in node.get(EF.value, ()):
                        row = {"f": f, "n": n, "kind": Literal(label), "what": what, "value": value}
                        units = node.get(EF.unit, ())
                        found.extend([{**row, "unit": u} for u in units] if units else [row])
        found.extend({"f": f, "year": y} for y in props.get(EF.referenceYear, ()))
        for t in props.get(DCTERMS.temporal, ()):
            span = {"f": f, "t": t}
            for name, p in (("start", DCAT.startDate), ("end", DCAT.endDate)):
                if of[t].get(p):
                    span[name] = of[t][p][0]
            found.append(span)
        found.extend({"f": f, "geo": g} for g in props.get(EF.geography, ()))
    return found


@dataclass
class FactorPage(Paged):
    total: int
    page: int
    size: int
    rows: list[FactorRow]


def dataset_factors(
    store: Store, graphs: Sequence[str], graph: str, page: int = 1, size: int = 50
) -> FactorPage:
    """The factors of the dataset version ``graph`` (a named graph), a page at a time, by IRI."""
    if graph not in graphs:
        return FactorPage(0, page, size, [])
    dataset = _public([graph])
    where = f"?f a ef:EmissionFactor ; dct:isPartOf <{graph}> ."
    count = store.select(PREFIXES + f"SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {{ {where} }}", dataset)
    total = int(count[0]["n"]) if count and "n" in count[0] else 0
    offset = (max(page, 1) - 1) * size
    found = store.select(
        PREFIXES + f"SELECT DISTINCT ?f WHERE {{ {where} }} ORDER BY ?f LIMIT {size} OFFSET {offset}", dataset
    )
    iris = [r["f"] for r in found]
    return FactorPage(total, page, size, factor_rows(store, graphs, iris))  # type: ignore[arg-type]
