"""Writes a factor table in the efreg model (Turtle, relative IRIs, default graph) for the
publishing tests: ``factors(n, version_tag)`` gives ``n`` coal-combustion factors whose CO2 values
change with ``version_tag`` (the values are made up for the tests; the structure follows
ontology/README.md)."""

from __future__ import annotations

HEAD = """@prefix ef: <https://w3id.org/efreg/ontology#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

FACTOR = """
<factor/{ds}-{i}/{v}> a ef:EmissionFactor ;
    rdfs:label "Test fuel {i}, stationary combustion"@en , "测试燃料 {i}，固定源燃烧"@zh ;
    dct:identifier "{ds}-{i}" ;
    dcat:version "{v}" ;
    dct:isVersionOf <factor/{ds}-{i}> ;
    dct:isPartOf <dataset/{ds}/{v}> ;
    ef:activity <category/activity/natural-gas-combustion> ;
    ef:activityUnit unit:TeraJ ;
    ef:geography <geo/GLO> ;
    ef:referenceYear "{year}"^^xsd:gYear ;
    ef:boundary ef:Combustion ;
    ef:ghgScope ef:Scope1 ;
    ef:gasBasis ef:CO2Basis ;
    ef:component [ a ef:GasComponent ; ef:gas <gas/CO2> ; ef:value "{value}"^^xsd:decimal ;
                   ef:unit <unit/KiloGM-PER-TeraJ> ] ;
    dct:source <source/ipcc2006-v2-ch2-t2.2> ;
    dct:license <license/ipcc> ;
    dct:publisher <publisher/{publisher}> .
"""

DATASET = """
<dataset/{ds}/{v}> a dcat:Dataset ;
    dct:title "Test factor table {ds}"@en , "测试因子表 {ds}"@zh ;
    rdfs:label "Test factor table {ds}"@en , "测试因子表 {ds}"@zh ;
    dct:identifier "{ds}" ;
    dcat:version "{v}" ;
    dct:isVersionOf <dataset/{ds}> ;
    dct:publisher <publisher/{publisher}> ;
    dct:license <license/ipcc> ;
    dct:issued "2026-01-01"^^xsd:date .
"""


def factors(
    ds: str, version: int, publisher: str, ids: range | list[int], bump: frozenset[int] = frozenset()
) -> str:
    """Turtle for dataset ``ds`` version ``version``: one factor per id (reference year 1000 + id);
    the CO2 value is 50000 + id, plus 1000 for the ids in ``bump``."""
    parts = [HEAD, DATASET.format(ds=ds, v=version, publisher=publisher)]
    for i in ids:
        parts.append(
            FACTOR.format(
                ds=ds,
                v=version,
                i=i,
                year=1000 + i,
                value=50000 + i + (1000 if i in bump else 0),
                publisher=publisher,
            )
        )
    return "".join(parts)
