"""The catalog graph: version-independent records that point at each resource's versions.

Dataset version graphs are immutable; everything that changes when a new version arrives
(``dcat:hasVersion``, ``dcat:hasCurrentVersion``) lives in the catalog graph ``{base}catalog``.
"""

from __future__ import annotations

from .store import Store

PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def catalog_iri(base_uri: str) -> str:
    return base_uri + "catalog"


def refresh_versions(store: Store, base_uri: str) -> None:
    """Recompute, in the catalog graph, every resource's versions and its current (highest) one."""
    catalog = catalog_iri(base_uri)
    store.update(PREFIXES + f"""
DELETE {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v . ?thing dcat:hasCurrentVersion ?c }} }}
WHERE {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v OPTIONAL {{ ?thing dcat:hasCurrentVersion ?c }} }} }} ;
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }}
WHERE {{ GRAPH ?g {{ ?v dct:isVersionOf ?thing }} FILTER(?g != <{catalog}>) }} ;
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }}
WHERE {{
  {{ SELECT ?thing (MAX(xsd:integer(?n)) AS ?latest)
     WHERE {{ GRAPH ?g {{ ?x dct:isVersionOf ?thing ; dcat:version ?n }} }} GROUP BY ?thing }}
  GRAPH ?h {{ ?v dct:isVersionOf ?thing ; dcat:version ?m }}
  FILTER(xsd:integer(?m) = ?latest)
}}""")
