"""Each guideline rule: one conforming and one (or more) violating fixture, derived by a small change
from one valid minimal factor (tests/data/shapes/factor.ttl) and its own tiny reference data
(tests/data/shapes/reference.ttl). A violating fixture must fail on exactly the expected
shape / constraint component / path, with an English and a Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from registry.rdf.namespaces import (
    DCAT,
    DCT,
    EF,
    FOAF,
    PREFIXES,
    QUDT,
    RDF,
    RDFS,
    SCHEMA,
    SH,
    SKOS,
    UNIT,
    XSD,
)
from registry.validation.reference import ValidationResult, load_shapes, validate

DATA = Path(__file__).parent / "data" / "shapes"
BASE = "http://registry.test/"
F = URIRef(BASE + "factor/ng/1")
DATASET = URIRef(BASE + "dataset/test/1")
AR6 = URIRef(BASE + "gwp/AR6-GWP100")
KG_PER_TJ = URIRef(BASE + "unit/KiloGM-PER-TeraJ")


def iri(path: str) -> URIRef:
    return URIRef(BASE + path)


@pytest.fixture(scope="module")
def base_graphs() -> tuple[Graph, Graph]:
    data = Graph().parse(DATA / "factor.ttl", publicID=BASE)
    ref = Graph().parse(DATA / "reference.ttl", publicID=BASE)
    return data, ref


# --- helpers that find the blank nodes of the minimal factor ------------------------------------


def component(g: Graph, gas: str) -> Node:
    return next(c for c in g.objects(F, EF.component) if g.value(c, EF.gas) == iri("gas/" + gas))


def co2e(g: Graph) -> Node:
    return g.value(F, EF.co2e)


def rating(g: Graph) -> Node:
    return g.value(F, EF.dataQuality)


def uncertainty(g: Graph) -> Node:
    return g.value(component(g, "CO2"), EF.uncertainty)


def period(g: Graph) -> Node:
    return g.value(F, DCT.temporal)


def gwp_value(g: Graph, gas: str) -> Node:
    return iri(f"gwp/AR6-GWP100/{gas}")


def drop(g: Graph, s: Node, p: URIRef) -> None:
    for o in list(g.objects(s, p)):
        g.remove((s, p, o))
        if isinstance(o, BNode):
            for t in list(g.triples((o, None, None))):
                g.remove(t)


def put(g: Graph, s: Node, p: URIRef, o: Node) -> None:
    g.set((s, p, o))


def add_turtle(g: Graph, text: str) -> None:
    prefixes = "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items())
    g.parse(data=prefixes + text, format="turtle", publicID=BASE)


def dec(value: str) -> Literal:
    return Literal(Decimal(value), datatype=XSD.decimal)


COPY = """
<factor/ng-copy/1> a ef:EmissionFactor ;
    rdfs:label "Natural gas (copy)"@en , "天然气（副本）"@zh ;
    dct:isPartOf <dataset/test/1> ;
    ef:activity <category/activity/natural-gas-combustion> ;
    ef:activityUnit unit:TeraJ ;
    ef:geography <geo/GLO> ;
    ef:referenceYear "{year}"^^xsd:gYear ;
    ef:boundary ef:Combustion ;
    ef:gasBasis ef:MultiGasBasis ;
    ef:co2e [ a ef:CO2eValue ; ef:gwpSet <gwp/AR6-GWP100> ; ef:value "56157.1"^^xsd:decimal ;
              ef:unit <unit/KiloGM-PER-TeraJ> ] ;
    ef:dataQuality [ ef:ter 1 ; ef:ger 2 ; ef:tir 3 ; ef:precision 2 ; ef:dqr "2.0"^^xsd:decimal ] ;
    dct:source <source/ipcc2006-v2-ch2-t2.2> ;
    dct:license <license/ipcc> ;
    dct:publisher <publisher/ipcc> .
"""

Mutation = Callable[[Graph, Graph], None]
Expected = set[tuple[str, str, str, str | None]]  # (severity, shape, component, path)


def V(shape: str, component_: str, path: str | None) -> tuple[str, str, str, str | None]:  # noqa: N802
    return ("Violation", shape, component_, path)


def W(shape: str, component_: str, path: str | None) -> tuple[str, str, str, str | None]:  # noqa: N802
    return ("Warning", shape, component_, path)


def _no_change(d: Graph, r: Graph) -> None:
    return None


# (id, validate the reference data instead of the factor data?, mutation, expected results)
CASES: list[tuple[str, bool, Mutation, Expected]] = [
    # F-VALUE: at least one component or CO2e value
    ("value/ok-co2e-only", False, lambda d, r: drop(d, F, EF.component), set()),
    ("value/ok-components-only", False, lambda d, r: drop(d, F, EF.co2e), set()),
    (
        "value/none",
        False,
        lambda d, r: (drop(d, F, EF.component), drop(d, F, EF.co2e)),
        {V("FactorValueShape", "Or", None)},
    ),
    # F-ACT
    (
        "activity/missing",
        False,
        lambda d, r: drop(d, F, EF.activity),
        {V("Factor-activity", "MinCount", "activity")},
    ),
    (
        "activity/two",
        False,
        lambda d, r: d.add((F, EF.activity, iri("category/activity/other"))),
        {V("Factor-activity", "MaxCount", "activity")},
    ),
    (
        "activity/literal",
        False,
        lambda d, r: put(d, F, EF.activity, Literal("natural gas")),
        {V("Factor-activity-kind", "NodeKind", "activity")},
    ),
    # F-GEO
    ("geography/ok-province", False, lambda d, r: put(d, F, EF.geography, iri("geo/CN-HE")), set()),
    ("geography/ok-region", False, lambda d, r: put(d, F, EF.geography, iri("geo/CN-GRID-NORTH")), set()),
    (
        "geography/missing",
        False,
        lambda d, r: drop(d, F, EF.geography),
        {V("Factor-geography", "MinCount", "geography")},
    ),
    (
        "geography/unknown",
        False,
        lambda d, r: put(d, F, EF.geography, iri("geo/XX")),
        {V("Factor-geography-class", "Class", "geography")},
    ),
    # F-TIME and T-PERIOD
    ("time/ok-period-only", False, lambda d, r: drop(d, F, EF.referenceYear), set()),
    ("time/ok-year-only", False, lambda d, r: drop(d, F, DCT.temporal), set()),
    (
        "time/none",
        False,
        lambda d, r: (drop(d, F, EF.referenceYear), drop(d, F, DCT.temporal)),
        {V("FactorTimeShape", "Or", None)},
    ),
    (
        "time/year-integer",
        False,
        lambda d, r: put(d, F, EF.referenceYear, Literal(2006)),
        {V("Factor-referenceYear", "Datatype", "referenceYear")},
    ),
    (
        "period/not-a-period",
        False,
        lambda d, r: d.remove((period(d), RDF.type, DCT.PeriodOfTime)),
        {V("Factor-temporal", "Class", "temporal")},
    ),
    (
        "period/ok-one-day",
        False,
        lambda d, r: put(d, period(d), DCAT.endDate, Literal("2006-01-01", datatype=XSD.date)),
        set(),
    ),
    (
        "period/start-after-end",
        False,
        lambda d, r: put(d, period(d), DCAT.startDate, Literal("2007-01-01", datatype=XSD.date)),
        {V("Period-order", "LessThanOrEquals", "startDate")},
    ),
    # a string end date cannot be compared with the start date either (SHACL: incomparable = violation)
    (
        "period/end-string",
        False,
        lambda d, r: put(d, period(d), DCAT.endDate, Literal("end of 2006")),
        {V("Period-endDate", "Datatype", "endDate"), V("Period-order", "LessThanOrEquals", "startDate")},
    ),
    (
        "period/no-start",
        False,
        lambda d, r: drop(d, period(d), DCAT.startDate),
        {V("Period-startDate", "MinCount", "startDate")},
    ),
    # F-BOUNDARY
    ("boundary/ok-other", False, lambda d, r: put(d, F, EF.boundary, EF.CradleToGate), set()),
    (
        "boundary/missing",
        False,
        lambda d, r: drop(d, F, EF.boundary),
        {V("Factor-boundary", "MinCount", "boundary")},
    ),
    (
        "boundary/unknown",
        False,
        lambda d, r: put(d, F, EF.boundary, EF.Everywhere),
        {V("Factor-boundary-class", "Class", "boundary")},
    ),
    # F-GASBASIS
    (
        "gasBasis/missing",
        False,
        lambda d, r: drop(d, F, EF.gasBasis),
        {V("Factor-gasBasis", "MinCount", "gasBasis")},
    ),
    (
        "gasBasis/other",
        False,
        lambda d, r: put(d, F, EF.gasBasis, EF.SomeBasis),
        {V("Factor-gasBasis-in", "In", "gasBasis")},
    ),
    # F-UNIT
    (
        "activityUnit/missing",
        False,
        lambda d, r: drop(d, F, EF.activityUnit),
        {V("Factor-activityUnit", "MinCount", "activityUnit")},
    ),
    (
        "activityUnit/unknown",
        False,
        lambda d, r: put(d, F, EF.activityUnit, UNIT.FURLONG),
        {V("Factor-activityUnit-class", "Class", "activityUnit")},
    ),
    # F-SOURCE, F-LICENSE, F-PUBLISHER
    (
        "source/missing",
        False,
        lambda d, r: drop(d, F, DCT.source),
        {V("Factor-source", "MinCount", "source")},
    ),
    (
        "source/unknown",
        False,
        lambda d, r: put(d, F, DCT.source, iri("source/nowhere")),
        {V("Factor-source-class", "Class", "source")},
    ),
    (
        "license/missing",
        False,
        lambda d, r: drop(d, F, DCT.license),
        {V("Factor-license", "MinCount", "license")},
    ),
    (
        "license/literal",
        False,
        lambda d, r: put(d, F, DCT.license, Literal("CC BY 4.0")),
        {V("Factor-license", "NodeKind", "license")},
    ),
    (
        "publisher/missing",
        False,
        lambda d, r: drop(d, F, DCT.publisher),
        {V("Factor-publisher", "MinCount", "publisher")},
    ),
    (
        "publisher/unknown",
        False,
        lambda d, r: put(d, F, DCT.publisher, iri("publisher/nobody")),
        {V("Factor-publisher-class", "Class", "publisher")},
    ),
    # F-LABEL
    (
        "label/no-en",
        False,
        lambda d, r: d.remove(
            (F, RDFS.label, Literal("Natural Gas, stationary combustion in energy industries", lang="en"))
        ),
        {V("Factor-label-en", "QualifiedMinCount", "label")},
    ),
    (
        "label/no-zh-warning",
        False,
        lambda d, r: d.remove((F, RDFS.label, Literal("天然气，能源工业固定源燃烧", lang="zh"))),
        {W("Factor-label-zh", "QualifiedMinCount", "label")},
    ),
    # F-ACCESS, F-DQR, F-SCOPE
    ("access/ok-absent", False, lambda d, r: drop(d, F, EF.accessLevel), set()),
    ("access/ok-commercial", False, lambda d, r: put(d, F, EF.accessLevel, EF.Commercial), set()),
    (
        "access/other",
        False,
        lambda d, r: put(d, F, EF.accessLevel, EF.Secret),
        {V("Factor-accessLevel", "In", "accessLevel")},
    ),
    (
        "dataQuality/two",
        False,
        lambda d, r: add_turtle(
            d,
            """<factor/ng/1> ef:dataQuality [ ef:ter 1 ; ef:ger 2 ;
        ef:tir 3 ; ef:precision 2 ; ef:dqr "2.0"^^xsd:decimal ] .""",
        ),
        {V("Factor-dataQuality", "MaxCount", "dataQuality")},
    ),
    (
        "dataQuality/missing-warning",
        False,
        lambda d, r: drop(d, F, EF.dataQuality),
        {W("Factor-dataQuality-recommended", "MinCount", "dataQuality")},
    ),
    ("scope/ok-two", False, lambda d, r: d.add((F, EF.ghgScope, EF.Scope3)), set()),
    (
        "scope/four",
        False,
        lambda d, r: put(d, F, EF.ghgScope, EF.Scope4),
        {V("Factor-ghgScope", "In", "ghgScope")},
    ),
    # V-VALUE, V-DECIMAL, V-UNIT
    (
        "value/missing",
        False,
        lambda d, r: drop(d, co2e(d), EF.value),
        {V("Value-value", "MinCount", "value")},
    ),
    *[
        (
            f"value/{dt.split('#')[-1]}",
            False,
            lambda d, r, dt=dt: put(d, component(d, "CO2"), EF.value, Literal("56100", datatype=URIRef(dt))),
            {V("Value-value-decimal", "Datatype", "value")},
        )
        for dt in (str(XSD.double), str(XSD.float), str(XSD.integer))
    ],
    (
        "value/negative",
        False,
        lambda d, r: (drop(d, F, EF.component), put(d, co2e(d), EF.value, dec("-1"))),
        {V("Value-value-nonnegative", "MinInclusive", "value")},
    ),
    ("unit/missing", False, lambda d, r: drop(d, co2e(d), EF.unit), {V("Value-unit", "MinCount", "unit")}),
    (
        "unit/unknown",
        False,
        lambda d, r: [put(d, n, EF.unit, iri("unit/NOPE")) for n in [*d.objects(F, EF.component), co2e(d)]],
        {V("Value-unit-class", "Class", "unit")},
    ),
    # V-GAS, V-GWP
    (
        "gas/missing",
        False,
        lambda d, r: (drop(d, F, EF.co2e), drop(d, component(d, "N2O"), EF.gas)),
        {V("Component-gas", "MinCount", "gas")},
    ),
    (
        "gas/unknown",
        False,
        lambda d, r: (drop(d, F, EF.co2e), put(d, component(d, "N2O"), EF.gas, iri("gas/XX"))),
        {V("Component-gas-class", "Class", "gas")},
    ),
    (
        "gwpSet/two",
        False,
        lambda d, r: d.add((co2e(d), EF.gwpSet, iri("gwp/AR5-GWP100"))),
        {V("CO2e-gwpSet", "MaxCount", "gwpSet"), V("CO2e-gwpSet-class", "Class", "gwpSet")},
    ),
    (
        "gwpSet/unknown",
        False,
        lambda d, r: put(d, co2e(d), EF.gwpSet, iri("gwp/AR99")),
        {V("CO2e-gwpSet-class", "Class", "gwpSet")},
    ),
    # V-CO2E, V-GWPCOVER, V-SAMEUNIT
    ("co2e/ok-within-0.5%", False, lambda d, r: put(d, co2e(d), EF.value, dec("56400")), set()),
    (
        "co2e/inconsistent",
        False,
        lambda d, r: put(d, co2e(d), EF.value, dec("56500")),
        {V("Factor-co2e-consistent", "SPARQL", "co2e")},
    ),
    (
        "co2e/gas-without-gwp",
        False,
        lambda d, r: r.remove((AR6, EF.gwpValue, gwp_value(r, "N2O"))),
        {V("Factor-component-gwp", "SPARQL", "component")},
    ),
    (
        "co2e/mixed-units",
        False,
        lambda d, r: put(d, component(d, "N2O"), EF.unit, UNIT.TeraJ),
        {V("FactorSameUnitShape", "SPARQL", None)},
    ),
    # Q-DQR
    ("dqr/ok-within-0.05", False, lambda d, r: put(d, rating(d), EF.dqr, dec("2.04")), set()),
    (
        "dqr/ter-7",
        False,
        lambda d, r: (put(d, rating(d), EF.ter, Literal(7)), put(d, rating(d), EF.dqr, dec("3.5"))),
        {V("DQR-ter", "MaxInclusive", "ter")},
    ),
    (
        "dqr/ger-0",
        False,
        lambda d, r: (put(d, rating(d), EF.ger, Literal(0)), put(d, rating(d), EF.dqr, dec("1.5"))),
        {V("DQR-ger", "MinInclusive", "ger")},
    ),
    (
        "dqr/tir-decimal",
        False,
        lambda d, r: put(d, rating(d), EF.tir, dec("3")),
        {V("DQR-tir", "Datatype", "tir")},
    ),
    (
        "dqr/no-precision",
        False,
        lambda d, r: drop(d, rating(d), EF.precision),
        {V("DQR-precision", "MinCount", "precision")},
    ),
    (
        "dqr/double",
        False,
        lambda d, r: put(d, rating(d), EF.dqr, Literal(2.0)),
        {V("DQR-dqr", "Datatype", "dqr")},
    ),
    (
        "dqr/not-mean",
        False,
        lambda d, r: put(d, rating(d), EF.dqr, dec("2.5")),
        {V("DQR-mean", "SPARQL", "dqr")},
    ),
    # U-*
    (
        "uncertainty/ok-100%",
        False,
        lambda d, r: put(d, uncertainty(d), EF.confidenceLevel, dec("100")),
        set(),
    ),
    (
        "uncertainty/lower-above-upper",
        False,
        lambda d, r: put(d, uncertainty(d), EF.lowerBound, dec("60000")),
        {V("Uncertainty-bounds", "LessThanOrEquals", "lowerBound")},
    ),
    (
        "uncertainty/confidence-0",
        False,
        lambda d, r: put(d, uncertainty(d), EF.confidenceLevel, dec("0")),
        {V("Uncertainty-confidence", "MinExclusive", "confidenceLevel")},
    ),
    (
        "uncertainty/confidence-120",
        False,
        lambda d, r: put(d, uncertainty(d), EF.confidenceLevel, dec("120")),
        {V("Uncertainty-confidence", "MaxInclusive", "confidenceLevel")},
    ),
    (
        "uncertainty/double-bound",
        False,
        lambda d, r: put(d, uncertainty(d), EF.upperBound, Literal(58300.0)),
        {V("Uncertainty-decimal", "Datatype", "(lowerBound|upperBound|standardDeviation|confidenceLevel)")},
    ),
    (
        "uncertainty/negative-sd",
        False,
        lambda d, r: put(d, uncertainty(d), EF.standardDeviation, dec("-5")),
        {V("Uncertainty-sd", "MinInclusive", "standardDeviation")},
    ),
    (
        "uncertainty/distribution",
        False,
        lambda d, r: put(d, uncertainty(d), EF.distribution, EF.Gamma),
        {V("Uncertainty-distribution", "In", "distribution")},
    ),
    # K-UNIQUE
    ("key/ok-other-year", False, lambda d, r: add_turtle(d, COPY.replace("{year}", "2007")), set()),
    (
        "key/ok-other-dataset",
        False,
        lambda d, r: add_turtle(
            d, COPY.replace("{year}", "2006").replace("<dataset/test/1> ;", "<dataset/other/1> ;")
        ),
        set(),
    ),
    (
        "key/duplicate",
        False,
        lambda d, r: add_turtle(d, COPY.replace("{year}", "2006")),
        {V("FactorKeyShape", "SPARQL", None)},
    ),
    (
        "key/duplicate-missing-parts-equal",
        False,
        lambda d, r: (
            add_turtle(d, COPY.replace("{year}", "2006")),
            drop(d, F, DCT.temporal),
            drop(d, F, EF.activity),
            drop(d, iri("factor/ng-copy/1"), EF.activity),
        ),
        {V("FactorKeyShape", "SPARQL", None), V("Factor-activity", "MinCount", "activity")},
    ),
    # D-META, D-VERSION
    (
        "dataset/no-title",
        False,
        lambda d, r: drop(d, DATASET, DCT.title),
        {V("Dataset-title", "MinCount", "title")},
    ),
    (
        "dataset/no-license",
        False,
        lambda d, r: drop(d, DATASET, DCT.license),
        {V("Dataset-license", "MinCount", "license")},
    ),
    (
        "dataset/unknown-publisher",
        False,
        lambda d, r: put(d, DATASET, DCT.publisher, iri("publisher/nobody")),
        {V("Dataset-publisher", "Class", "publisher")},
    ),
    (
        "dataset/no-version",
        False,
        lambda d, r: drop(d, DATASET, DCAT.version),
        {V("Dataset-version", "MinCount", "version")},
    ),
    (
        "dataset/ok-version-independent-record",
        False,
        lambda d, r: add_turtle(
            d,
            """
        <dataset/test> a dcat:Dataset ; dct:title "Shape test factors"@en ; dct:publisher <publisher/ipcc> ;
            dct:license <license/ipcc> ; dcat:hasVersion <dataset/test/1> .""",
        ),
        set(),
    ),
    # reference data, validated as the data
    ("ref/ok", True, _no_change, set()),
    (
        "gas/cas-check-digit",
        True,
        lambda d, r: put(r, iri("gas/CH4-fossil"), EF.casNumber, Literal("74-82-9")),
        {V("Gas-cas-checkdigit", "SPARQL", "casNumber")},
    ),
    (
        "gas/cas-pattern",
        True,
        lambda d, r: put(r, iri("gas/CH4-fossil"), EF.casNumber, Literal("7482-8")),
        {V("Gas-cas-pattern", "Pattern", "casNumber")},
    ),
    (
        "gas/no-cas-warning",
        True,
        lambda d, r: drop(r, iri("gas/N2O"), EF.casNumber),
        {W("Gas-cas-recommended", "MinCount", "casNumber")},
    ),
    (
        "geo/name-not-code",
        True,
        lambda d, r: put(r, iri("geo/CN"), SKOS.notation, Literal("China")),
        {V("Geography-notation-pattern", "Pattern", "notation")},
    ),
    (
        "geo/alpha-3",
        True,
        lambda d, r: put(r, iri("geo/CN"), SKOS.notation, Literal("CHN")),
        {V("Geography-notation-pattern", "Pattern", "notation")},
    ),
    (
        "geo/grid-region-not-typed",
        True,
        lambda d, r: r.remove((iri("geo/CN-GRID-NORTH"), RDF.type, EF.RegistryRegion)),
        {V("Geography-notation-pattern", "Pattern", "notation")},
    ),
    (
        "geo/no-code",
        True,
        lambda d, r: drop(r, iri("geo/CN-HE"), SKOS.notation),
        {V("Geography-notation", "MinCount", "notation")},
    ),
    (
        "geo/region-no-code",
        True,
        lambda d, r: drop(r, iri("geo/CN-GRID-NORTH"), SKOS.notation),
        {V("RegistryRegion-notation", "MinCount", "notation")},
    ),
    (
        "gwp/empty-set",
        True,
        lambda d, r: drop(r, AR6, EF.gwpValue),
        {V("GWPSet-gwpValue", "MinCount", "gwpValue")},
    ),
    (
        "gwp/double",
        True,
        lambda d, r: put(r, gwp_value(r, "N2O"), EF.value, Literal(273.0)),
        {V("GWPValue-value", "Datatype", "value")},
    ),
    (
        "gwp/unknown-gas",
        True,
        lambda d, r: put(r, gwp_value(r, "N2O"), EF.gas, iri("gas/XX")),
        {V("GWPValue-gas", "Class", "gas")},
    ),
    (
        "gwp/two-values-one-gas",
        True,
        lambda d, r: put(r, gwp_value(r, "N2O"), EF.gas, iri("gas/CH4-fossil")),
        {V("GWPSet-unique-gas", "SPARQL", "gwpValue")},
    ),
    (
        "unit/minted-no-ucum",
        True,
        lambda d, r: drop(r, KG_PER_TJ, QUDT.ucumCode),
        {V("Unit-ucumCode", "MinCount", "ucumCode")},
    ),
    ("unit/ok-qudt-no-ucum", True, lambda d, r: drop(r, UNIT.TeraJ, QUDT.ucumCode), set()),
    (
        "source/no-title",
        True,
        lambda d, r: drop(r, iri("source/ipcc2006-v2-ch2-t2.2"), DCT.title),
        {V("Source-title", "MinCount", "title")},
    ),
    (
        "source/no-table-warning",
        True,
        lambda d, r: drop(r, iri("source/ipcc2006-v2-ch2-t2.2"), EF.table),
        {W("Source-table", "MinCount", "table")},
    ),
    # V-PLAUSIBLE, R-URL
    (
        "value/implausible-1e400",
        False,
        lambda d, r: (drop(d, F, EF.component), put(d, co2e(d), EF.value, dec("1" + "0" * 400))),
        {V("Value-value-plausible", "Pattern", "value")},
    ),
    (
        "value/ok-15-digits",
        False,
        lambda d, r: (drop(d, F, EF.component), put(d, co2e(d), EF.value, dec("999999999999999.5"))),
        set(),
    ),
    (
        "uncertainty/implausible-sd",
        False,
        lambda d, r: put(
            d, uncertainty(d), EF.standardDeviation, Literal("0." + "0" * 30 + "1", datatype=XSD.decimal)
        ),
        {V("Uncertainty-plausible", "Pattern", "(lowerBound|upperBound|standardDeviation)")},
    ),
    (
        "source/file-url",
        True,
        lambda d, r: put(
            r,
            iri("source/ipcc2006-v2-ch2-t2.2"),
            SCHEMA.url,
            Literal("file:///etc/passwd", datatype=XSD.anyURI),
        ),
        {V("WebLink-url", "Pattern", "url")},
    ),
    (
        "source/ok-https-url",
        True,
        lambda d, r: put(
            r,
            iri("source/ipcc2006-v2-ch2-t2.2"),
            SCHEMA.url,
            Literal("https://www.ipcc-nggip.iges.or.jp/", datatype=XSD.anyURI),
        ),
        set(),
    ),
    (
        "publisher/javascript-homepage",
        True,
        lambda d, r: put(
            r, iri("publisher/ipcc"), FOAF.homepage, Literal("javascript:alert(1)", datatype=XSD.anyURI)
        ),
        {V("WebLink-homepage", "Pattern", "homepage")},
    ),
]


def _local(term: Node | None) -> str | None:
    if term is None:
        return None
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _key(r: ValidationResult, report_graph: Graph) -> tuple[str, str, str, str | None]:
    constraint = (_local(r.constraint) or "").removesuffix("ConstraintComponent")
    if r.path is None or isinstance(r.path, URIRef):
        path = _local(r.path)
    else:  # sh:alternativePath
        alternatives = report_graph.value(r.path, SH.alternativePath)
        path = "(" + "|".join(_local(t) or "" for t in report_graph.items(alternatives)) + ")"
    return (r.severity, _local(r.source_shape) or "", constraint, path)


@pytest.mark.parametrize(("case_id", "on_reference", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule(
    base_graphs: tuple[Graph, Graph], case_id: str, on_reference: bool, mutate: Mutation, expected: Expected
) -> None:
    data, ref = Graph(), Graph()
    data += base_graphs[0]
    ref += base_graphs[1]
    mutate(data, ref)
    if on_reference:
        report = validate(ref, base_iri=BASE, reference=Graph())
    else:
        report = validate(data, base_iri=BASE, reference=ref)

    got = {_key(r, report.graph) for r in report.results}
    assert got == expected, report.to_text()
    assert report.conforms == (not any(sev == "Violation" for sev, *_ in expected))
    for r in report.results:
        assert r.message_en and not any("\u4e00" <= ch <= "\u9fff" for ch in r.message_en), r
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.message_zh), r


def test_every_rule_is_covered_by_a_violating_case() -> None:
    """Every named shape that can produce a result appears in some case's expectations."""
    shapes = load_shapes()
    covered = {shape for _id, _ref, _m, expected in CASES for _sev, shape, _c, _p in expected}
    named = set()
    for s in set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.subjects(RDF.type, SH.NodeShape)):
        if not isinstance(s, URIRef):
            continue
        has_own_constraint = any(
            (s, p, None) in shapes
            for p in (
                SH.minCount,
                SH.maxCount,
                SH["class"],
                SH.datatype,
                SH["in"],
                SH.pattern,
                SH.nodeKind,
                SH["or"],
                SH.sparql,
                SH.minInclusive,
                SH.maxInclusive,
                SH.minExclusive,
                SH.lessThanOrEquals,
                SH.qualifiedMinCount,
            )
        )
        if has_own_constraint:
            named.add(_local(s))
    assert named - covered == set()


def test_every_shape_has_bilingual_messages_and_names_its_rule() -> None:
    shapes = load_shapes()
    for s in set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.subjects(RDF.type, SH.NodeShape)):
        if not isinstance(s, URIRef):
            continue
        comment = str(shapes.value(s, RDFS.comment) or shapes.value(s, SH.description) or "")
        assert "Guideline rule" in comment, s
        carriers = [s, *shapes.objects(s, SH.sparql)]
        if not any((c, p, None) in shapes for c in carriers for p in (SH.message,)):
            # a node shape that only groups property shapes (or only targets) needs no message
            assert (s, SH.property, None) in shapes or (s, SH.target, None) in shapes, s
            continue
        langs = {m.language for c in carriers for m in shapes.objects(c, SH.message)}
        assert {"en", "zh"} <= langs, s
