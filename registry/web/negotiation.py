"""Content negotiation, as tables: which media types the registry speaks, and one ``negotiate()``.

Formats are data (DESIGN rule 3): a document or query answer is serialized by the library that the
table names (rdflib / pyoxigraph); nothing here parses or writes RDF itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    name: str  #: short name, as in ``store.base.RDF_FORMATS`` and the ``format=`` parameter
    media_type: str
    suffix: str | None  #: document suffix, e.g. ``.ttl``
    spec: str  #: where the format is specified
    aliases: tuple[str, ...] = ()  #: other media types clients send for it
    #: other ``format=`` names clients send for it (SPARQLWrapper: ``rdf+xml``, ``json-ld``, ``n3``)
    names: tuple[str, ...] = ()

    @property
    def mimetype_header(self) -> str:
        text = self.media_type.startswith("text/") or self.media_type.endswith(("+json", "+xml", "/json"))
        return self.media_type + ("; charset=utf-8" if text or self.name in RDF_TEXT else "")


RDF_TEXT = {"ntriples", "nquads", "trig", "jsonld", "rdfxml"}

#: Graph documents (a resource's description, CONSTRUCT/DESCRIBE answers).
# ``names``: what SPARQLWrapper (and other clients) send as ``format=`` for a graph answer: its N3
# return format asks for Turtle (N3's RDF subset), XML and JSON for RDF/XML and JSON-LD.
TURTLE = Format(
    "turtle", "text/turtle", ".ttl", "https://www.w3.org/TR/turtle/", ("application/x-turtle",), ("n3",)
)
JSONLD = Format(
    "jsonld",
    "application/ld+json",
    ".jsonld",
    "https://www.w3.org/TR/json-ld11/",
    ("application/json",),
    ("json-ld", "json"),
)
RDFXML = Format(
    "rdfxml",
    "application/rdf+xml",
    ".rdf",
    "https://www.w3.org/TR/rdf-syntax-grammar/",
    (),
    ("rdf+xml", "xml"),
)
NTRIPLES = Format(
    "ntriples", "application/n-triples", ".nt", "https://www.w3.org/TR/n-triples/", (), ("n-triples",)
)
NQUADS = Format("nquads", "application/n-quads", ".nq", "https://www.w3.org/TR/n-quads/")
TRIG = Format("trig", "application/trig", ".trig", "https://www.w3.org/TR/trig/")
HTML = Format("html", "text/html", ".html", "https://html.spec.whatwg.org/", ("application/xhtml+xml",))

GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, RDFXML, NTRIPLES)
DATASET_FORMATS: tuple[Format, ...] = (TRIG, NQUADS)
#: What a resource URI offers, in the server's order of preference (browsers get HTML).
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, *GRAPH_FORMATS)

#: SPARQL SELECT / ASK answers.
SPARQL_JSON = Format(
    "json",
    "application/sparql-results+json",
    ".srj",
    "https://www.w3.org/TR/sparql11-results-json/",
    ("application/json",),
)
SPARQL_XML = Format(
    "xml",
    "application/sparql-results+xml",
    ".srx",
    "https://www.w3.org/TR/rdf-sparql-XMLres/",
    ("application/xml", "text/xml"),
)
SPARQL_CSV = Format("csv", "text/csv", ".csv", "https://www.w3.org/TR/sparql11-results-csv-tsv/")
SPARQL_TSV = Format(
    "tsv", "text/tab-separated-values", ".tsv", "https://www.w3.org/TR/sparql11-results-csv-tsv/"
)
RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)

ALL_FORMATS: tuple[Format, ...] = (*DOCUMENT_FORMATS, *DATASET_FORMATS, *RESULT_FORMATS)


def parse_accept(header: str | None) -> MIMEAccept:
    """werkzeug's parser; a malformed header degrades to what parses, and a header in which
    nothing parses as a media type counts as ``*/*`` (never an error)."""
    accepted = parse_accept_header(header or "*/*", MIMEAccept)
    if not any("/" in value for value, _ in accepted):
        accepted = parse_accept_header("*/*", MIMEAccept)
    return accepted


def negotiate(accept: str | MIMEAccept | None, offers: Sequence[Format]) -> Format | None:
    """The offer the client prefers most (ties: the server's order); ``None`` when nothing is
    acceptable. A missing header accepts everything (the first offer wins)."""
    accepted = accept if isinstance(accept, MIMEAccept) else parse_accept(accept)
    best: Format | None = None
    best_quality = 0.0
    for offer in offers:
        quality = max(accepted.quality(media_type) for media_type in (offer.media_type, *offer.aliases))
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def by_suffix(suffix: str, offers: Sequence[Format] = DOCUMENT_FORMATS) -> Format | None:
    return next((f for f in offers if f.suffix == suffix), None)


def by_name(name: str, offers: Sequence[Format]) -> Format | None:
    """For ``?format=`` parameters: a short name (``turtle``, ``json``), another name clients use
    for it (``rdf+xml``), a suffix or a media type. ``offers`` decide what an ambiguous name means:
    ``xml`` is SPARQL XML results among result formats, RDF/XML among graph formats."""
    name = name.strip().lower()
    return next(
        (
            f
            for f in offers
            if name in (f.name, (f.suffix or "").lstrip("."), f.media_type, *f.aliases, *f.names)
        ),
        None,
    )
