"""Mapping sets: how partner vocabularies correspond to ours, as data (SKOS + SSSOM's RDF form).

A mapping set is a dataset version (named graph ``dataset/{set-id}/{version}``). Each mapping is a
reified node ``mapping/{set-id}/{n}``::

    <mapping/S/1> a ef:Mapping ;                        # ef:Mapping ⊑ owl:Axiom (SSSOM's own RDF form)
        owl:annotatedSource <subject> ; owl:annotatedProperty skos:closeMatch ; owl:annotatedTarget <object> ;
        sssom:mapping_justification semapv:ManualMappingCuration ;
        sssom:confidence "0.9"^^xsd:decimal ;
        ef:conversionFactor "1000"^^xsd:decimal ; ef:sourceUnit unit:M3 ; ef:targetUnit unit:KiloGM ;
        dct:isPartOf <dataset/S/1> .
    <subject> skos:closeMatch <object> .                # plain triple, for exact and close matches only

``n`` is stable across versions of a set: a mapping with the same (subject, predicate, object) keeps its
number, new mappings get new numbers. Versions are immutable graphs; queries read the current one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from rdflib import BNode, Graph, Literal, Namespace, URIRef

from registry.ingest.base import dec
from registry.ingest.factor import known_reference
from registry.ingest.gate import NextVersion, admit
from registry.ingest.quads import ImportData
from registry.paths import ONTOLOGY_FILE
from registry.rdf.namespaces import DCAT, DCT, EF, FOAF, OWL, PROV, QUDT, RDF, RDFS, SH, SKOS, XSD
from registry.store import Store

SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
PAV = Namespace("http://purl.org/pav/")

#: Predicates a mapping may use. SKOS mapping properties first; OWL/RDFS ones for ontology alignment.
PREDICATES: frozenset[URIRef] = frozenset(
    {
        SKOS.exactMatch,
        SKOS.closeMatch,
        SKOS.broadMatch,
        SKOS.narrowMatch,
        SKOS.relatedMatch,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.sameAs,
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.seeAlso,
    }
)
#: Predicates whose plain triple is asserted beside the reified node (SPARQL users follow them directly).
PLAIN_TRIPLE: frozenset[URIRef] = frozenset({SKOS.exactMatch, SKOS.closeMatch})

#: SSSOM 1.0's mapping justifications (the semapv vocabulary).
JUSTIFICATIONS: frozenset[URIRef] = frozenset(
    SEMAPV[name]
    for name in (
        "MappingReview",
        "ManualMappingCuration",
        "LogicalReasoning",
        "LexicalMatching",
        "CompositeMatching",
        "UnspecifiedMatching",
        "SemanticSimilarityThresholdMatching",
        "LexicalSimilarityThresholdMatching",
        "MappingChaining",
    )
)

_ID = re.compile(r"[A-Za-z0-9._-]+")


class MappingError(Exception):
    """Bad mapping input. ``row`` is the 1-based line of the file when known."""

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None) -> None:
        self.source, self.row, self.detail = source, row, message
        where = ", ".join(x for x in (source, f"row {row}" if row is not None else None) if x)
        super().__init__(f"{where}: {message}" if where else message)


class MappingNotConforming(MappingError):
    """The mapping set's graph violates the shapes; nothing was stored."""


class MappingSetNotFound(MappingError, LookupError):
    """No stored mapping set (version) by that id."""


@dataclass
class Mapping:
    subject: URIRef
    predicate: URIRef
    object: URIRef
    justification: URIRef = SEMAPV.UnspecifiedMatching
    confidence: Decimal | None = None
    subject_label: str | None = None
    object_label: str | None = None
    subject_category: str | None = None
    object_category: str | None = None
    predicate_modifier: str | None = None  #: "Not" negates the mapping
    conversion_factor: Decimal | None = (
        None  #: quantity in the subject's unit × factor = quantity in the object's
    )
    source_unit: URIRef | None = None
    target_unit: URIRef | None = None
    author_label: str | None = None
    reviewer_label: str | None = None
    mapping_date: dt.date | None = None
    comment: str | None = None
    row: int | None = None  #: where it was read (line of the input file)

    def key(self) -> tuple[URIRef, URIRef, URIRef]:
        return (self.subject, self.predicate, self.object)

    def content(self) -> tuple:
        """Everything that makes two mappings the same (not where they were read)."""
        return tuple(v for k, v in vars(self).items() if k != "row")


@dataclass
class MappingSet:
    id: str  #: the dataset identifier: the set is stored as ``dataset/{id}/{version}``
    title_en: str
    license: URIRef
    publisher: str  #: publisher identifier (``publisher/{id}``)
    mappings: list[Mapping] = field(default_factory=list)
    title_zh: str | None = None
    description: str | None = None
    publisher_name: str | None = None  #: used when the publisher is not yet known to the registry
    source: URIRef | None = None  #: where the set comes from (``dct:source`` / SSSOM mapping_set_source)
    subject_source: URIRef | None = None
    object_source: URIRef | None = None
    prefixes: dict[str, str] = field(default_factory=dict)  #: CURIE prefixes for SSSOM export
    extra_units: dict[URIRef, tuple[str, str, str]] = field(
        default_factory=dict
    )  #: minted unit → (en, zh, ucum)

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id):
            raise MappingError(f"mapping set id {self.id!r} may only use [A-Za-z0-9._-]")


@dataclass
class Rejected:
    mapping: Mapping
    reason: str

    def __str__(self) -> str:
        where = f"row {self.mapping.row}: " if self.mapping.row is not None else ""
        p = str(self.mapping.predicate)
        short = "skos:" + p[len(str(SKOS)) :] if p.startswith(str(SKOS)) else f"<{p}>"
        return f"{where}<{self.mapping.subject}> {short} <{self.mapping.object}>: {self.reason}"


@dataclass
class StoreOutcome:
    dataset_iri: str
    version: int
    stored: int
    rejected: list[Rejected]
    unchanged: bool = False  #: the current version already says exactly this; nothing was written


# --- RDF --------------------------------------------------------------------------------------------


def set_graph(
    mset: MappingSet,
    base_uri: str,
    version: int,
    numbers: dict[tuple[URIRef, URIRef, URIRef], int] | None = None,
    publisher_known: bool = True,
) -> Graph:
    """The named graph of one version of ``mset`` (its dataset record, the mapping nodes, plain triples)."""
    numbers = dict(numbers or {})
    ds_iri = URIRef(f"{base_uri}dataset/{mset.id}/{version}")
    g = Graph(identifier=ds_iri)
    pub = URIRef(f"{base_uri}publisher/{mset.publisher}")
    g.add((ds_iri, RDF.type, DCAT.Dataset))
    g.add((ds_iri, RDF.type, EF.MappingSet))
    for text, lang in ((mset.title_en, "en"), (mset.title_zh, "zh")):
        if text:
            g.add((ds_iri, DCT.title, Literal(text, lang=lang)))
            g.add((ds_iri, RDFS.label, Literal(text, lang=lang)))
    if mset.description:
        g.add((ds_iri, DCT.description, Literal(mset.description, lang="en")))
    g.add((ds_iri, DCT.identifier, Literal(mset.id)))
    g.add((ds_iri, DCAT.version, Literal(str(version))))
    g.add((ds_iri, DCT.isVersionOf, URIRef(f"{base_uri}dataset/{mset.id}")))
    if version > 1:
        g.add((ds_iri, PROV.wasRevisionOf, URIRef(f"{base_uri}dataset/{mset.id}/{version - 1}")))
    g.add((ds_iri, DCT.publisher, pub))
    g.add((ds_iri, DCT.license, mset.license))
    g.add((ds_iri, EF.accessLevel, EF.Open))
    g.add((ds_iri, EF.reviewStatus, EF.Published))
    g.add((ds_iri, DCT.issued, Literal(dt.date.today().isoformat(), datatype=XSD.date)))
    if mset.source is not None:
        g.add((ds_iri, DCT.source, mset.source))
    if mset.subject_source is not None:
        g.add((ds_iri, SSSOM.subject_source, mset.subject_source))
    if mset.object_source is not None:
        g.add((ds_iri, SSSOM.object_source, mset.object_source))
    for prefix, ns in sorted(mset.prefixes.items()):
        decl = BNode()
        g.add((ds_iri, SH.declare, decl))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(ns, datatype=XSD.anyURI)))
    if not publisher_known:
        name = mset.publisher_name or mset.publisher
        g.add((pub, RDF.type, FOAF.Organization))
        g.add((pub, RDF.type, PROV.Agent))
        g.add((pub, FOAF.name, Literal(name, lang="en")))
        g.add((pub, RDFS.label, Literal(name, lang="en")))
    for unit, (en, zh, ucum) in mset.extra_units.items():
        g.add((unit, RDF.type, QUDT.Unit))
        g.add((unit, RDFS.label, Literal(en, lang="en")))
        g.add((unit, RDFS.label, Literal(zh, lang="zh")))
        g.add((unit, QUDT.ucumCode, Literal(ucum)))
    next_n = max(numbers.values(), default=0) + 1
    for m in mset.mappings:
        n = numbers.get(m.key())
        if n is None:
            n, next_n = next_n, next_n + 1
            numbers[m.key()] = n
        _add_mapping(g, URIRef(f"{base_uri}mapping/{mset.id}/{n}"), m, ds_iri)
    return g


def _add_mapping(g: Graph, node: URIRef, m: Mapping, ds_iri: URIRef) -> None:
    g.add((node, RDF.type, EF.Mapping))
    g.add((node, OWL.annotatedSource, m.subject))
    g.add((node, OWL.annotatedProperty, m.predicate))
    g.add((node, OWL.annotatedTarget, m.object))
    g.add((node, SSSOM.mapping_justification, m.justification))
    g.add((node, DCT.isPartOf, ds_iri))
    literals = (
        (SSSOM.subject_label, m.subject_label),
        (SSSOM.object_label, m.object_label),
        (SSSOM.subject_category, m.subject_category),
        (SSSOM.object_category, m.object_category),
        (SSSOM.predicate_modifier, m.predicate_modifier),
        (SSSOM.author_label, m.author_label),
        (SSSOM.reviewer_label, m.reviewer_label),
        (RDFS.comment, m.comment),
    )
    for prop, text in literals:
        if text:
            g.add((node, prop, Literal(text)))
    if m.confidence is not None:
        g.add((node, SSSOM.confidence, dec(m.confidence)))
    if m.conversion_factor is not None:
        g.add((node, EF.conversionFactor, dec(m.conversion_factor)))
    if m.source_unit is not None:
        g.add((node, EF.sourceUnit, m.source_unit))
    if m.target_unit is not None:
        g.add((node, EF.targetUnit, m.target_unit))
    if m.mapping_date is not None:
        g.add((node, PAV.authoredOn, Literal(m.mapping_date.isoformat(), datatype=XSD.date)))
    if m.predicate in PLAIN_TRIPLE and m.predicate_modifier != "Not":
        g.add((m.subject, m.predicate, m.object))


def _text(g: Graph, s: URIRef, p: URIRef) -> str | None:
    v = g.value(s, p)
    return str(v) if v is not None else None


def _decimal(g: Graph, s: URIRef, p: URIRef) -> Decimal | None:
    v = g.value(s, p)
    return Decimal(str(v)) if v is not None else None


def mappings_from_graph(g: Graph) -> list[Mapping]:
    """The reified mappings (``ef:Mapping`` or SSSOM's ``owl:Axiom``) of ``g``, ordered by node IRI number."""
    nodes = set(g.subjects(RDF.type, EF.Mapping)) | {
        n for n in g.subjects(RDF.type, OWL.Axiom) if (n, OWL.annotatedProperty, None) in g
    }
    out: list[tuple[tuple[int, str], Mapping]] = []
    for node in nodes:
        s, p, o = (
            g.value(node, x) for x in (OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget)
        )
        if not (isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(o, URIRef)):
            continue
        date = g.value(node, PAV.authoredOn)
        su, tu = g.value(node, EF.sourceUnit), g.value(node, EF.targetUnit)
        m = Mapping(
            s,
            p,
            o,
            justification=g.value(node, SSSOM.mapping_justification) or SEMAPV.UnspecifiedMatching,
            confidence=_decimal(g, node, SSSOM.confidence),
            subject_label=_text(g, node, SSSOM.subject_label),
            object_label=_text(g, node, SSSOM.object_label),
            subject_category=_text(g, node, SSSOM.subject_category),
            object_category=_text(g, node, SSSOM.object_category),
            predicate_modifier=_text(g, node, SSSOM.predicate_modifier),
            conversion_factor=_decimal(g, node, EF.conversionFactor),
            source_unit=su if isinstance(su, URIRef) else None,
            target_unit=tu if isinstance(tu, URIRef) else None,
            author_label=_text(g, node, SSSOM.author_label),
            reviewer_label=_text(g, node, SSSOM.reviewer_label),
            mapping_date=dt.date.fromisoformat(str(date)) if date is not None else None,
            comment=_text(g, node, RDFS.comment),
        )
        tail = str(node).rsplit("/", 1)[-1]
        out.append(((int(tail) if tail.isdigit() else 0, str(node)), m))
    return [m for _k, m in sorted(out, key=lambda kv: kv[0])]


def mappings_from_skos(g: Graph) -> list[Mapping]:
    """Plain SKOS mapping triples (no reification) as mappings justified by ``semapv:UnspecifiedMatching``;
    where ``g`` also reifies a triple, the reified form (with its justification) wins."""
    reified = {m.key(): m for m in mappings_from_graph(g)}
    out = list(reified.values())
    for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch):
        for s, o in sorted(g.subject_objects(p)):
            if isinstance(s, URIRef) and isinstance(o, URIRef) and (s, p, o) not in reified:
                out.append(Mapping(s, p, o))
    return out


def mapping_numbers(g: Graph) -> dict[tuple[URIRef, URIRef, URIRef], int]:
    """(subject, predicate, object) → n of ``mapping/{set}/{n}`` in a stored version graph."""
    out: dict[tuple[URIRef, URIRef, URIRef], int] = {}
    for node in g.subjects(RDF.type, EF.Mapping):
        tail = str(node).rsplit("/", 1)[-1]
        key = tuple(
            g.value(node, x) for x in (OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget)
        )
        if tail.isdigit():
            out[key] = int(tail)  # type: ignore[index]
    return out


def read_set(store: Store, base_uri: str, set_id: str, version: int | None = None) -> tuple[MappingSet, int]:
    """A stored mapping set (its current version unless ``version``), for export."""
    version = version or current_version(store, base_uri, set_id)
    if version is None:
        raise MappingSetNotFound(f"no mapping set {set_id!r} in the store")
    iri = f"{base_uri}dataset/{set_id}/{version}"
    g = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    ds = URIRef(iri)
    if (ds, RDF.type, EF.MappingSet) not in g:
        raise MappingSetNotFound(f"<{iri}> is not a mapping set")
    titles = {t.language: str(t) for t in g.objects(ds, DCT.title) if isinstance(t, Literal)}
    pub = str(g.value(ds, DCT.publisher) or "")
    prefixes = {str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace)) for d in g.objects(ds, SH.declare)}
    src, obj_src, subj_src = (
        g.value(ds, DCT.source),
        g.value(ds, SSSOM.object_source),
        g.value(ds, SSSOM.subject_source),
    )
    mset = MappingSet(
        set_id,
        titles.get("en") or set_id,
        URIRef(str(g.value(ds, DCT.license))),
        pub.removeprefix(base_uri + "publisher/"),
        mappings_from_graph(g),
        title_zh=titles.get("zh"),
        description=_text(g, ds, DCT.description),
        source=src if isinstance(src, URIRef) else None,
        subject_source=subj_src if isinstance(subj_src, URIRef) else None,
        object_source=obj_src if isinstance(obj_src, URIRef) else None,
        prefixes=prefixes,
    )
    return mset, version


# --- storing ----------------------------------------------------------------------------------------


def versions(store: Store, base_uri: str, set_id: str) -> list[int]:
    pat = re.compile(re.escape(f"{base_uri}dataset/{set_id}/") + r"(\d+)$")
    return sorted(int(m.group(1)) for g in store.graphs() if (m := pat.match(g)))


def current_version(store: Store, base_uri: str, set_id: str) -> int | None:
    found = versions(store, base_uri, set_id)
    return found[-1] if found else None


@cache
def ontology_terms() -> frozenset[URIRef]:
    """Every IRI the efreg ontology declares (``ef:`` terms a mapping may name)."""
    g = Graph().parse(ONTOLOGY_FILE, format="turtle")
    return frozenset(s for s in g.subjects() if isinstance(s, URIRef))


def _known(store: Store, iris: Iterable[URIRef], local: Graph) -> set[URIRef]:
    """Which of ``iris`` some graph of the store (or ``local``) gives a type."""
    wanted = sorted(set(iris))
    found = {i for i in wanted if (i, RDF.type, None) in local}
    rest = [i for i in wanted if i not in found]
    for start in range(0, len(rest), 200):
        chunk = rest[start : start + 200]
        values = " ".join(i.n3() for i in chunk)
        rows = store.select(f"SELECT DISTINCT ?x WHERE {{ VALUES ?x {{ {values} }} ?x a ?t }}")
        found.update(r["x"] for r in rows)  # type: ignore[misc]
    return found


def check(
    store: Store, base_uri: str, mset: MappingSet, local: Graph | None = None
) -> tuple[list[Mapping], list[Rejected]]:
    """Split ``mset.mappings`` into the storable and the rejected: an IRI of ours (under the base URI or
    in the ``ef:`` namespace) that the registry does not know, a predicate or justification SSSOM does
    not allow, a confidence outside [0, 1], or a conversion factor that is not positive."""
    local = local if local is not None else Graph()
    ours = [i for m in mset.mappings for i in (m.subject, m.object) if str(i).startswith(base_uri)]
    known = _known(store, ours, local)
    terms = ontology_terms()
    ok: list[Mapping] = []
    rejected: list[Rejected] = []
    for m in mset.mappings:
        reason = None
        for iri in (m.subject, m.object):
            if str(iri).startswith(base_uri) and iri not in known:
                reason = f"<{iri}> is not a concept the registry knows"
            elif str(iri).startswith(str(EF)) and iri not in terms:
                reason = f"<{iri}> is not a term of the efreg ontology"
        if reason is None and m.predicate not in PREDICATES:
            reason = f"predicate {m.predicate} is not a mapping predicate"
        if reason is None and m.justification not in JUSTIFICATIONS:
            reason = f"justification {m.justification} is not in the semapv vocabulary"
        if reason is None and m.confidence is not None and not (0 <= m.confidence <= 1):
            reason = f"confidence {m.confidence} is outside [0, 1]"
        if reason is None and m.conversion_factor is not None and m.conversion_factor <= 0:
            reason = f"conversion factor {m.conversion_factor} is not positive"
        if reason is None and m.predicate_modifier not in (None, "Not"):
            reason = f"predicate modifier {m.predicate_modifier!r} is not 'Not'"
        if reason is None:
            ok.append(m)
        else:
            rejected.append(Rejected(m, reason))
    return ok, rejected


def _publisher_known(base_uri: str, publisher: str) -> bool:
    """Whether the reference data (which the shapes see) has the publisher; otherwise every version of the
    set carries the publisher's record, so it validates on its own."""
    return URIRef(f"{base_uri}publisher/{publisher}") in known_reference(base_uri)


def store_set(
    store: Store, mset: MappingSet, base_uri: str, *, dry_run: bool = False, validator: str = "fast"
) -> StoreOutcome:
    """Check ``mset`` and admit it through the gate (:func:`registry.ingest.gate.admit`) as a new
    version of ``dataset/{id}``.

    Mappings naming an unknown concept of ours are reported (``rejected``), not stored. When the current
    version already holds exactly the same mappings, nothing is written (``unchanged``)."""
    probe = set_graph(mset, base_uri, 1, publisher_known=True)
    ok, rejected = check(store, base_uri, mset, probe)
    if not ok:
        raise MappingError(
            f"mapping set {mset.id!r}: none of its {len(mset.mappings)} mapping(s) can be stored"
            + (f"; first problem: {rejected[0]}" if rejected else "")
        )
    accepted = MappingSet(**{**vars(mset), "mappings": ok})
    picked: list[int] = []

    def build(next_version: NextVersion) -> ImportData | None:
        current = next_version(mset.id) - 1
        picked.append(current)
        numbers: dict[tuple[URIRef, URIRef, URIRef], int] = {}
        if current:
            iri = f"{base_uri}dataset/{mset.id}/{current}"
            old = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
            if sorted(m.content() for m in mappings_from_graph(old)) == sorted(m.content() for m in ok):
                return None
            numbers = mapping_numbers(old)
        known_pub = _publisher_known(base_uri, mset.publisher)
        return ImportData.from_graphs([set_graph(accepted, base_uri, current + 1, numbers, known_pub)])

    verdict = admit(store, build, base_uri=base_uri, validator=validator, dry_run=dry_run)
    current = picked[0]
    if verdict.unchanged:
        return StoreOutcome(f"{base_uri}dataset/{mset.id}/{current}", current, 0, rejected, unchanged=True)
    if not verdict.report.conforms:
        raise MappingNotConforming(
            f"mapping set {mset.id!r} does not conform to the shapes:\n{verdict.report.to_text('en')}"
        )
    return StoreOutcome(verdict.graphs[0], current + 1, len(ok), rejected)


def list_sets(store: Store, base_uri: str) -> list[dict[str, str]]:
    """Every mapping set version: its IRI, identifier, version, title and number of mappings."""
    rows = store.select(f"""
PREFIX ef: <{EF}> PREFIX dct: <{DCT}> PREFIX dcat: <{DCAT}>
SELECT ?g ?id ?v (SAMPLE(?t) AS ?title) (COUNT(DISTINCT ?m) AS ?n) WHERE {{
  GRAPH ?g {{ ?g a ef:MappingSet ; dct:identifier ?id ; dcat:version ?v .
             OPTIONAL {{ ?g dct:title ?t FILTER(lang(?t) = "en") }}
             OPTIONAL {{ ?m a ef:Mapping }} }}
}} GROUP BY ?g ?id ?v ORDER BY ?id ?v""")
    return [
        {
            "iri": str(r["g"]),
            "id": str(r["id"]),
            "version": str(r["v"]),
            "title": str(r.get("title", "")),
            "mappings": str(r["n"]),
        }
        for r in rows
    ]
