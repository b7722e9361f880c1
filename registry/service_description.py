"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/).

What a federating database needs before it sends its first query: the endpoint, the languages and
result formats, the features (the default graph is the union of the named graphs; SERVICE to
allow-listed endpoints), the default dataset (linked to the VoID description) with its named graphs,
and the limits.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from registry.config import Settings
from registry.rdf.namespaces import SD

FORMATS = URIRef("http://www.w3.org/ns/formats/")
#: media type -> W3C unique format IRI (https://www.w3.org/ns/formats/)
FORMAT_IRIS: Mapping[str, str] = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
    "application/trig": "TriG",
    "application/n-quads": "N-Quads",
}

DATASET_SEMANTICS = (
    "The default graph is the union of the published graphs the caller may read; the named graphs "
    "are those graphs. default-graph-uri / named-graph-uri override FROM / FROM NAMED; graphs the "
    "caller may not read are empty there. FROM / FROM NAMED naming any other IRI are refused (403): "
    "the registry never fetches them. SERVICE reaches only allow-listed endpoints."
)


def describe(endpoint: str, settings: Settings, graphs: Mapping[str, int], media_types: list[str]) -> Graph:
    """The service description of ``endpoint`` (the URL the request reached); ``graphs``: the named
    graphs the caller may read with their triple counts; ``media_types``: the result formats offered.

    The service is named from the base URI, as VoID names it (``{base}sparql``: one base URI
    everywhere); when the request reached the endpoint at another address (``127.0.0.1`` for
    ``localhost``, a proxy), that address is a second ``sd:endpoint`` (W3C has-endpoint-triple)."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dct", DCTERMS)
    base = settings.base_uri
    canonical = base + "sparql"
    service = URIRef(canonical + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(canonical)))
    if endpoint != canonical:
        g.add((service, SD.endpoint, URIRef(endpoint)))
    for language in ("SPARQL11Query", "SPARQL11Update"):
        g.add((service, SD.supportedLanguage, SD[language]))
    for feature in ("UnionDefaultGraph", "BasicFederatedQuery"):
        g.add((service, SD.feature, SD[feature]))
    for media_type in media_types:
        if media_type in FORMAT_IRIS:
            g.add((service, SD.resultFormat, URIRef(str(FORMATS) + FORMAT_IRIS[media_type])))
    for name in ("Turtle", "N-Triples", "RDF_XML", "TriG", "N-Quads"):
        g.add((service, SD.inputFormat, URIRef(str(FORMATS) + name)))
    g.add((service, RDFS.comment, Literal(DATASET_SEMANTICS, lang="en")))
    limits = (
        f"Limits: a query runs at most {settings.query_timeout:g} s (503 after that), answers "
        f"at most {settings.max_rows} rows or triples (more are cut, signalled by the "
        f"Efreg-Truncated header), request bodies up to {settings.max_body_bytes} bytes (413 "
        f"beyond), {settings.max_concurrent_queries} queries at a time (one waits up to "
        f"{settings.query_queue_seconds:g} s for a slot, 503 after that). SERVICE: "
        f"{', '.join(settings.service_allowlist) or 'no endpoint is allow-listed'}, "
        f"{settings.service_timeout:g} s."
    )
    g.add((service, RDFS.comment, Literal(limits, lang="en")))

    dataset = URIRef(canonical + "#dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDFS.seeAlso, URIRef(base + "void")))
    g.add((dataset, DCTERMS.source, URIRef(base + "void")))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(sum(graphs.values()))))
    for name, triples in sorted(graphs.items()):
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(triples)))
    return g
