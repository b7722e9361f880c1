"""Namespaces used across the registry (one place; see ontology/README.md)."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, TIME, VOID, XSD

EF = Namespace("https://w3id.org/efreg/ontology#")
EF_ONTOLOGY = "https://w3id.org/efreg/ontology"
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ECFO = Namespace("https://w3id.org/ecfo#")
OEO = Namespace("https://openenergyplatform.org/ontology/oeo/")
WD = Namespace("http://www.wikidata.org/entity/")
SCHEMA = Namespace("http://schema.org/")
DCT = DCTERMS
#: DCAT 3, open (rdflib's closed DCAT namespace predates dcat:version, dcat:hasVersion, ...).
DCAT = Namespace("http://www.w3.org/ns/dcat#")

#: The graph holding the store's own metadata; never exposed to callers.
SYSTEM_GRAPH = "urn:efreg:system"
STORE_NODE = "urn:efreg:store"

PREFIXES = {
    "ef": EF,
    "qudt": QUDT,
    "unit": UNIT,
    "prov": PROV,
    "dcat": DCAT,
    "dct": DCTERMS,
    "skos": SKOS,
    "time": TIME,
    "foaf": FOAF,
    "ecfo": ECFO,
    "oeo": OEO,
    "schema": SCHEMA,
    "wd": WD,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "sh": SH,
    "void": VOID,
    "sd": SD,
}

__all__ = [
    "DCAT",
    "DCT",
    "DCTERMS",
    "ECFO",
    "EF",
    "EF_ONTOLOGY",
    "FOAF",
    "OEO",
    "OWL",
    "PREFIXES",
    "PROV",
    "QUDT",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SDO",
    "SH",
    "SKOS",
    "STORE_NODE",
    "SYSTEM_GRAPH",
    "TIME",
    "UNIT",
    "VOID",
    "WD",
    "XSD",
]
