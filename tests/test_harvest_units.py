# ruff: noqa: F811  (the mapped_store fixture imported from test_harvest is a parameter here)
"""ECFO partners name units as Wikidata items (as ECFO's own knowledge graph does: kilogram
``https://www.wikidata.org/wiki/Q11570``, kilowatt hour ``…/Q182098``), QUDT units or UCUM codes: a
harvest from a live partner endpoint (Virtuoso) maps each through the unit mappings to ours."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from test_harvest import BASE, IPCC_LICENSE, PARTNER, graph_of, load_into_virtuoso, mapped_store  # noqa: F401

from registry.config import Settings
from registry.ecfo.conversion import Resolver, canonical_iri
from registry.federation.harvest import harvest
from registry.ingest import units
from registry.rdf.namespaces import EF

from conftest import DATA

WIKIDATA_FILE = DATA / "mapping" / "ecfo-wikidata-units.ttl"


def values_of(g: Graph, factor: URIRef) -> dict[str, tuple[Decimal, str]]:
    return {
        str(g.value(c, EF.gas)).rsplit("/", 1)[-1]: (
            g.value(c, EF.value).toPython(),
            str(g.value(c, EF.unit)),
        )
        for c in g.objects(factor, EF.component)
    }


def test_a_partner_in_wikidata_units_harvests(
    mapped_store, virtuoso_server, tmp_path: Path, settings: Settings
) -> None:
    load_into_virtuoso(
        virtuoso_server, Graph().parse(WIKIDATA_FILE, format="turtle"), tmp_path, "wikidata-units"
    )
    partner = virtuoso_server.sparql_url
    report = harvest(
        mapped_store,
        partner,
        dataset_id="partner-wd",
        publisher="partner-kg",
        settings=replace(settings, service_allowlist=(partner,)),
        publisher_name="Test partner KG",
        license=IPCC_LICENSE,
    )
    assert report.read == 6 and report.stored, report.unconverted
    assert report.factors == 4, report.unconverted
    unconverted = dict(report.unconverted)
    assert set(unconverted) == {PARTNER + "W_90"}
    assert "source unit <https://www.wikidata.org/wiki/Q25236>" in unconverted[PARTNER + "W_90"]

    g = graph_of(mapped_store, report.dataset_iri)
    # W_1 (wiki-page IRIs) and W_2 (entity IRIs): China's grid, per kWh, kg CO2
    for record, year, value in (("W_1", "2022", "0.5366"), ("W_2", "2021", "0.5568")):
        factor = URIRef(f"{BASE}factor/partner-wd-{record}/1")
        assert g.value(factor, EF.activityUnit) == URIRef("http://qudt.org/vocab/unit/KiloW-HR"), record
        assert g.value(factor, EF.geography) == URIRef(f"{BASE}geo/CN")
        assert str(g.value(factor, EF.referenceYear)) == year
        assert values_of(g, factor) == {"CO2": (Decimal(value), f"{BASE}unit/KiloGM-PER-KiloW-HR")}
    # W_3: tonnes per gigajoule (Wikidata) → kg per GJ, the value converted exactly
    per_gj = URIRef(f"{BASE}factor/partner-wd-W_3/1")
    assert g.value(per_gj, EF.activityUnit) == URIRef("http://qudt.org/vocab/unit/GigaJ")
    assert values_of(g, per_gj) == {"CO2": (Decimal("56.1"), f"{BASE}unit/KiloGM-PER-GigaJ")}
    # W_4 (UCUM codes) and W_5 (QUDT) name the same units: one factor per TJ with both gases
    per_tj = URIRef(f"{BASE}factor/partner-wd-W_4/1")
    assert g.value(per_tj, EF.activityUnit) == URIRef("http://qudt.org/vocab/unit/TeraJ")
    assert values_of(g, per_tj) == {
        "CH4": (Decimal("1"), f"{BASE}unit/KiloGM-PER-TeraJ"),
        "N2O": (Decimal("0.1"), f"{BASE}unit/KiloGM-PER-TeraJ"),
    }


@pytest.mark.parametrize(
    ("ref", "unit"),
    [
        ("http://www.wikidata.org/entity/Q11570", "KiloGM"),
        ("https://www.wikidata.org/wiki/Q11570", "KiloGM"),
        ("https://www.wikidata.org/entity/Q182098", "KiloW-HR"),
        ("http://www.wikidata.org/wiki/Q191118", "TONNE"),
        ("https://www.wikidata.org/wiki/Q11582", "L"),
        ("http://qudt.org/vocab/unit/TeraJ", "TeraJ"),
        ("https://units-of-measurement.org/kW.h", "KiloW-HR"),
        ("https://units-of-measurement.org/t", "TONNE"),
        ("kW.h", "KiloW-HR"),
        ("kg", "KiloGM"),
        ("https://www.wikidata.org/wiki/Q25236", None),
        ("https://example.org/units/kg", None),
        ("http://example.org/x> } ; DROP ALL ; <", None),
    ],
)
def test_unit_references_resolve_through_the_mappings(store, ref: str, unit: str | None) -> None:
    found = Resolver(store, BASE).unit(ref)
    assert (found.id if isinstance(found, units.UnitInfo) else found) == unit


def test_wikidata_forms_are_one_item() -> None:
    entity = "http://www.wikidata.org/entity/Q148"
    assert canonical_iri("https://www.wikidata.org/wiki/Q148") == entity
    assert canonical_iri(entity) == entity
    assert (
        canonical_iri("https://www.wikidata.org/wiki/Special:Search")
        == "https://www.wikidata.org/wiki/Special:Search"
    )
