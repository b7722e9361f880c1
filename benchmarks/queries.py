"""The query mix: parameterized SPARQL queries over data from ``benchmarks.generate``.

Each query is a template and a function drawing its parameters from a seeded RNG, so every run (and
both systems in one run) asks the same questions. The runner compares the answer sizes of the two
systems. The geography and category fallback is spelled as explicit unions over the two levels of
each hierarchy: Virtuoso 7.2 answers ``<geo> skos:broader* ?geo`` joined with further patterns with
no rows at all (the path alone is right), which would compare a wrong answer with a right one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.generate import ACTIVITIES, FIRST_YEAR, GWP_SETS, PROVINCES, YEARS, Sizes, layout

PREFIXES = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@dataclass(frozen=True)
class Query:
    name: str
    what: str
    template: str
    draw: Callable[[random.Random, Sizes, str], dict[str, str]]
    accept: str = "application/sparql-results+json"

    def render(self, rng: random.Random, sizes: Sizes, base: str) -> str:
        return PREFIXES + self.template.format(base=base, **self.draw(rng, sizes, base))


def factor_path(rng: random.Random, sizes: Sizes) -> str:
    """``factor/{id}/1`` of a factor that exists (drawn uniformly over the datasets' layout)."""
    datasets = layout(sizes)
    d = rng.randrange(len(datasets))
    return f"factor/bench-{d:05d}-f{rng.randrange(datasets[d][0]):05d}/1"


def _factor(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {"factor": base + factor_path(rng, sizes)}


def _category_geo_year(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {
        "category": f"{base}category/bench/C{rng.randrange(10):04d}",
        "geo": f"{base}geo/CN-{rng.choice(PROVINCES)}",
        "year": str(FIRST_YEAR + rng.randrange(YEARS)),
    }


def _label(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    en, zh = rng.choice(ACTIVITIES)
    return {"needle": rng.choice([en, zh])}


def _isic(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {"isic": f"https://isic.example/rev4/{3510 + rng.randrange(10)}"}


def _gwp(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {"gwp": f"{base}gwp/{rng.choice(GWP_SETS)}", "geo": f"{base}geo/CN-{rng.choice(PROVINCES)}"}


def _revised(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    datasets = layout(sizes)
    revised = [d for d, (_, versions) in enumerate(datasets) if versions == 2] or [0]
    d = rng.choice(revised)
    count, versions = datasets[d]
    return {"factor": f"{base}factor/bench-{d:05d}-f{rng.randrange(max(1, count // 10)):05d}/{versions}"}


def _dataset(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {"dataset": f"{base}dataset/bench-{rng.randrange(len(layout(sizes))):05d}/1"}


def _nothing(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {}


MIX: tuple[Query, ...] = (
    Query(
        "describe",
        "everything about one factor, with its blank-node components",
        "CONSTRUCT {{ <{factor}> ?p ?o . ?o ?p2 ?o2 }} WHERE {{ <{factor}> ?p ?o "
        "OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o)) }} }}",
        _factor,
        "application/n-triples",
    ),
    Query(
        "select-fallback",
        "factors of a category (and narrower) for a province or anything broader, one year",
        """SELECT ?f ?geo ?value WHERE {{
  {{ BIND(<{geo}> AS ?geo) }} UNION {{ <{geo}> skos:broader ?geo }} UNION {{ <{geo}> skos:broader/skos:broader ?geo }}
  {{ BIND(<{category}> AS ?cat) }} UNION {{ ?cat skos:broader <{category}> }}
  ?f ef:activity ?cat ; ef:geography ?geo ; ef:referenceYear "{year}"^^xsd:gYear ;
     ef:component ?c . ?c ef:gas <{base}gas/CO2> ; ef:value ?value .
}} LIMIT 200""",
        _category_geo_year,
    ),
    Query(
        "facets",
        "factor counts by publisher, gas and geography",
        """SELECT ?facet ?value (COUNT(*) AS ?n) WHERE {{
  {{ ?f dct:publisher ?value ; a ef:EmissionFactor BIND("publisher" AS ?facet) }}
  UNION {{ ?f ef:component ?c . ?c ef:gas ?value BIND("gas" AS ?facet) }}
  UNION {{ ?f ef:geography ?value ; a ef:EmissionFactor BIND("geography" AS ?facet) }}
}} GROUP BY ?facet ?value""",
        _nothing,
    ),
    Query(
        "label-search",
        "label search, Chinese or English",
        """SELECT ?f ?label WHERE {{
  ?f a ef:EmissionFactor ; rdfs:label ?label . FILTER(CONTAINS(?label, "{needle}"))
}} LIMIT 50""",
        _label,
    ),
    Query(
        "crosswalk",
        "factors whose category maps (through broader categories) to an ISIC class",
        """SELECT ?f ?cat WHERE {{
  ?top skos:closeMatch <{isic}> . ?cat skos:broader* ?top . ?f ef:activity ?cat .
}} LIMIT 500""",
        _isic,
    ),
    Query(
        "co2e-recompute",
        "CO2e recomputed under a chosen GWP set for one geography",
        """SELECT ?f (SUM(?v * ?gwp) AS ?co2e) WHERE {{
  ?f ef:geography <{geo}> ; ef:component ?c . ?c ef:gas ?gas ; ef:value ?v .
  <{gwp}> ef:gwpValue ?g . ?g ef:gas ?gas ; ef:value ?gwp .
}} GROUP BY ?f LIMIT 1000""",
        _gwp,
    ),
    Query(
        "provenance",
        "a factor's version chain with each version's dataset and publisher",
        """SELECT ?v ?version ?dataset ?publisher WHERE {{
  <{factor}> prov:wasRevisionOf* ?v . ?v dcat:version ?version ; dct:isPartOf ?dataset .
  ?dataset dct:publisher ?publisher .
}}""",
        _revised,
    ),
    Query(
        "export",
        "a whole dataset version as N-Triples",
        "CONSTRUCT {{ ?f ?p ?o }} WHERE {{ ?f dct:isPartOf <{dataset}> ; ?p ?o }}",
        _dataset,
        "application/n-triples",
    ),
)


def _publisher(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {"publisher": f"{base}publisher/bench-{rng.randrange(sizes.publishers):02d}"}


def _dataset_root(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {"dataset": f"{base}dataset/bench-{rng.randrange(len(layout(sizes))):05d}"}


def _category_geo(rng: random.Random, sizes: Sizes, base: str) -> dict[str, str]:
    return {
        "category": f"{base}category/bench/C{10 + rng.randrange(max(1, sizes.categories - 10)):04d}",
        "geo": f"{base}geo/CN-{rng.choice(PROVINCES)}",
    }


#: Ad-hoc questions, written the way a partner would write them (one BGP, paths, NOT EXISTS, aggregates),
#: not tuned to efreg: the planner and the read model are measured on these as well as on the mix.
QUESTIONS: tuple[Query, ...] = (
    Query(
        "counts-per-dataset",
        "number of factors in each dataset version, largest first",
        """SELECT ?dataset (COUNT(?f) AS ?n) WHERE {{
  ?f a ef:EmissionFactor ; dct:isPartOf ?dataset .
}} GROUP BY ?dataset ORDER BY DESC(?n) ?dataset LIMIT 20""",
        _nothing,
    ),
    Query(
        "latest-versions",
        "the factors of a dataset's latest version (no version revises it)",
        """SELECT ?f ?version WHERE {{
  ?f dct:isPartOf ?ds ; dcat:version ?version .
  ?ds dct:isVersionOf <{dataset}> .
  FILTER NOT EXISTS {{ ?newer prov:wasRevisionOf ?ds }}
}} LIMIT 1000""",
        _dataset_root,
    ),
    Query(
        "geo-fallback",
        "a category's factors for a province or any broader geography, newest first",
        """SELECT ?f ?geo ?year WHERE {{
  ?f ef:activity <{category}> ; ef:geography ?geo ; ef:referenceYear ?year .
  {{ BIND(<{geo}> AS ?geo) }} UNION {{ <{geo}> skos:broader ?geo }} UNION {{ <{geo}> skos:broader/skos:broader ?geo }}
}} ORDER BY DESC(?year) ?f LIMIT 20""",
        _category_geo,
    ),
    Query(
        "citations-for-class",
        "sources and licences cited by the factors of a category and its narrower ones",
        """SELECT DISTINCT ?source ?table ?license WHERE {{
  ?cat skos:broader <{category}> .
  ?f ef:activity ?cat ; dct:source ?source ; dct:license ?license .
  OPTIONAL {{ ?source ef:table ?table }}
}}""",
        _category_geo_year,
    ),
    Query(
        "components-above",
        "CH4 components above a threshold in one geography",
        """SELECT ?f ?v WHERE {{
  ?f ef:geography <{geo}> ; ef:component ?c .
  ?c ef:gas <{base}gas/CH4-fossil> ; ef:value ?v .
  FILTER(?v > 25)
}} ORDER BY ?f LIMIT 100""",
        _gwp,
    ),
    Query(
        "publisher-years",
        "one publisher's factors per reference year, with their mean data-quality rating",
        """SELECT ?year (COUNT(?f) AS ?n) (AVG(?dqr) AS ?mean_dqr) WHERE {{
  ?f dct:publisher <{publisher}> ; ef:referenceYear ?year ; ef:dataQuality ?q .
  ?q ef:dqr ?dqr .
}} GROUP BY ?year ORDER BY ?year""",
        _publisher,
    ),
)
