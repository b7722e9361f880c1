"""The ontology and the shapes as graphs, their terms, and the JSON-LD context derived from them.

Flask-free. The published context (``/context.jsonld``) is generated from ``ontology/efreg.ttl``:
one term per ``ef:`` class and property, named by its local name, so that terms follow the
ontology by construction. Object properties whose values are IRIs are coerced to ``@id``; those
whose values are blank nodes (components, CO2e values, quality, uncertainty) are not, because a
``"_:b0"`` string under ``@id`` coercion is not read back as the same node by every processor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from registry.paths import ONTOLOGY_FILE, shape_files
from registry.rdf.namespaces import DCAT, EF, EF_ONTOLOGY, PREFIXES, QUDT, SCHEMA, SH

SHAPES_IRI = "https://w3id.org/efreg/shapes"

#: Classes whose instances are blank nodes inside a factor or GWP set (not coerced to ``@id``).
#: Ranges whose values are blank nodes, embedded in JSON-LD (no ``@type: @id`` coercion: rdflib's
#: compaction would then write the node's id and drop its statements).
NODE_CLASSES = frozenset(
    {EF.GasComponent, EF.CO2eValue, EF.DataQualityRating, EF.Uncertainty, EF.GWPValue, SH.ValidationReport}
)

#: Terms for the neighbours' properties a document uses most: name -> (IRI, coercion or None).
COMMON_TERMS: dict[str, tuple[URIRef, str | None]] = {
    "label": (RDFS.label, "@language"),
    "comment": (RDFS.comment, "@language"),
    "seeAlso": (RDFS.seeAlso, "@id"),
    "prefLabel": (SKOS.prefLabel, "@language"),
    "definition": (SKOS.definition, "@language"),
    "notation": (SKOS.notation, None),
    "broader": (SKOS.broader, "@id"),
    "inScheme": (SKOS.inScheme, "@id"),
    "exactMatch": (SKOS.exactMatch, "@id"),
    "closeMatch": (SKOS.closeMatch, "@id"),
    "title": (DCTERMS.title, "@language"),
    "description": (DCTERMS.description, "@language"),
    "identifier": (DCTERMS.identifier, None),
    "isVersionOf": (DCTERMS.isVersionOf, "@id"),
    "isReplacedBy": (DCTERMS.isReplacedBy, "@id"),
    "isPartOf": (DCTERMS.isPartOf, "@id"),
    "publisher": (DCTERMS.publisher, "@id"),
    "contributor": (DCTERMS.contributor, "@id"),
    "license": (DCTERMS.license, "@id"),
    "source": (DCTERMS.source, "@id"),
    "version": (DCAT.version, None),
    "hasVersion": (DCAT.hasVersion, "@id"),
    "hasCurrentVersion": (DCAT.hasCurrentVersion, "@id"),
    "name": (FOAF.name, "@language"),
    "homepage": (FOAF.homepage, "@id"),
    "wasDerivedFrom": (PROV.wasDerivedFrom, "@id"),
    "wasRevisionOf": (PROV.wasRevisionOf, "@id"),
    "symbol": (QUDT.symbol, None),
    "ucumCode": (QUDT.ucumCode, None),
    "url": (SCHEMA.url, "@id"),
}

#: Prefixes declared in the context. ``unit`` is left out: it would clash with the term ``unit``
#: (``ef:unit``); QUDT units are written ``qudt-unit:TeraJ``.
CONTEXT_PREFIXES = {name: str(ns) for name, ns in PREFIXES.items() if name != "unit"}
CONTEXT_PREFIXES["qudt-unit"] = "http://qudt.org/vocab/unit/"


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    graph = Graph()
    graph.parse(ONTOLOGY_FILE, format="turtle")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    graph = Graph()
    for path in shape_files():
        graph.parse(path, format="turtle")
    graph.bind("efsh", "https://w3id.org/efreg/shapes#")
    return graph


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


def _datatype(graph: Graph, range_: URIRef) -> URIRef | None:
    """The XSD datatype behind a property's range (following ``owl:onDatatype``)."""
    if str(range_).startswith(str(XSD)):
        return range_
    base = graph.value(range_, OWL.onDatatype)
    if isinstance(base, URIRef) and str(base).startswith(str(XSD)):
        return base
    return None


@lru_cache(maxsize=1)
def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD 1.1 context (``{"@context": {...}}``)."""
    graph = ontology_graph()
    ctx: dict[str, Any] = {"@version": 1.1, **CONTEXT_PREFIXES}
    for name, (iri, coercion) in COMMON_TERMS.items():
        if coercion == "@language":
            ctx[name] = {"@id": str(iri), "@container": "@language"}
        elif coercion == "@id":
            ctx[name] = {"@id": str(iri), "@type": "@id"}
        else:
            ctx[name] = str(iri)
    for cls in sorted(set(graph.subjects(RDF.type, OWL.Class))):
        if str(cls).startswith(str(EF)):
            ctx[local_name(cls)] = str(cls)
    for prop in sorted(set(graph.subjects(RDF.type, OWL.ObjectProperty))):
        if not str(prop).startswith(str(EF)):
            continue
        ranges = set(graph.objects(prop, RDFS.range))
        if ranges & NODE_CLASSES:
            ctx[local_name(prop)] = str(prop)
        else:
            ctx[local_name(prop)] = {"@id": str(prop), "@type": "@id"}
    for prop in sorted(set(graph.subjects(RDF.type, OWL.DatatypeProperty))):
        if not str(prop).startswith(str(EF)):
            continue
        datatypes = {_datatype(graph, r) for r in graph.objects(prop, RDFS.range)} - {None, XSD.string}
        if len(datatypes) == 1:
            ctx[local_name(prop)] = {"@id": str(prop), "@type": str(datatypes.pop())}
        else:
            ctx[local_name(prop)] = str(prop)
    return {"@context": ctx}


# --- documentation -------------------------------------------------------------------------------

KIND_ORDER: tuple[tuple[URIRef, str], ...] = (
    (OWL.Class, "class"),
    (OWL.ObjectProperty, "object-property"),
    (OWL.DatatypeProperty, "datatype-property"),
    (RDFS.Datatype, "datatype"),
    (SKOS.ConceptScheme, "scheme"),
    (SKOS.Concept, "individual"),
)


@dataclass(frozen=True)
class Term:
    iri: URIRef
    name: str
    kind: str
    labels: dict[str, str]
    definitions: dict[str, str]
    links: tuple[tuple[URIRef, URIRef], ...]  #: (predicate, object IRI) for domain, range, ...


def _by_lang(graph: Graph, subject: URIRef, *predicates: URIRef) -> dict[str, str]:
    out: dict[str, str] = {}
    for predicate in predicates:
        for value in graph.objects(subject, predicate):
            if isinstance(value, Literal):
                out.setdefault(value.language or "", str(value))
    return out


LINK_PREDICATES = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    RDF.type,
    SKOS.inScheme,
    SKOS.broader,
    SKOS.closeMatch,
    SKOS.exactMatch,
    OWL.equivalentClass,
    OWL.onDatatype,
    OWL.inverseOf,
    RDFS.isDefinedBy,
)


def terms(graph: Graph, namespace: str = str(EF)) -> Iterator[Term]:
    """Every term of ``namespace`` defined in ``graph``, grouped by kind, then by name."""
    seen: set[URIRef] = set()
    for rdf_class, kind in KIND_ORDER:
        for subject in sorted(set(graph.subjects(RDF.type, rdf_class))):
            if not isinstance(subject, URIRef) or not str(subject).startswith(namespace) or subject in seen:
                continue
            seen.add(subject)
            links = tuple(
                sorted(
                    (p, o)
                    for p in LINK_PREDICATES
                    for o in graph.objects(subject, p)
                    if isinstance(o, URIRef) and o not in (OWL.NamedIndividual,)
                )
            )
            yield Term(
                subject,
                local_name(subject),
                kind,
                _by_lang(graph, subject, RDFS.label, SKOS.prefLabel),
                _by_lang(graph, subject, SKOS.definition, RDFS.comment),
                links,
            )


def term_names(graph: Graph | None = None) -> frozenset[str]:
    return frozenset(t.name for t in terms(graph or ontology_graph()))


def ontology_header() -> dict[str, Any]:
    graph = ontology_graph()
    node = URIRef(EF_ONTOLOGY)
    return {
        "iri": EF_ONTOLOGY,
        "version_iri": graph.value(node, OWL.versionIRI),
        "version": graph.value(node, OWL.versionInfo),
        "titles": _by_lang(graph, node, DCTERMS.title),
        "descriptions": _by_lang(graph, node, DCTERMS.description),
        "license": graph.value(node, DCTERMS.license),
    }


__all__ = [
    "COMMON_TERMS",
    "SHAPES_IRI",
    "Term",
    "VOID",
    "jsonld_context",
    "local_name",
    "ontology_graph",
    "ontology_header",
    "shapes_graph",
    "term_names",
    "terms",
]
