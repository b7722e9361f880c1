"""The seed data (seeds/*.trig): parses, states the cited figures exactly, is rebuilt byte for byte."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from registry.rdf.namespaces import DCAT, DCT, EF, FOAF, QUDT, RDF, RDFS, SKOS, UNIT, XSD
from registry.validation.reference import validate

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FACTS = Path(__file__).resolve().parent / "data" / "seed-facts"
BASE = "http://localhost:8080/"
FILES = ["reference.trig", "gwp100.trig", "ipcc2006-t2.2.trig", "cn-electricity.trig"]
GRAPHS = {
    "reference.trig": "dataset/efreg-reference/1",
    "gwp100.trig": "dataset/ipcc-gwp100/1",
    "ipcc2006-t2.2.trig": "dataset/ipcc2006-v2-ch2-t2.2/1",
    "cn-electricity.trig": "dataset/cn-mee-electricity-2021-2022/1",
}
ELECTRICITY_SCOPES = {
    "national average": "grid-electricity-consumption",
    "national average excluding market-traded non-fossil electricity": "grid-electricity-consumption-excluding-market-traded-non-fossil",
    "national fossil-fuel electricity": "fossil-fuel-electricity-generation",
    "regional grid": "grid-electricity-consumption",
    "province": "grid-electricity-consumption",
}
GRID_IRIS = {
    "North China grid": "CN-GRID-NORTH",
    "Northeast grid": "CN-GRID-NORTHEAST",
    "East China grid": "CN-GRID-EAST",
    "Central China grid": "CN-GRID-CENTRAL",
    "Northwest grid": "CN-GRID-NORTHWEST",
    "South grid": "CN-GRID-SOUTH",
    "Southwest grid": "CN-GRID-SOUTHWEST",
}
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; rdflib's DCAT lacks it
GWP_COLUMNS = {"AR4-GWP100": "ar4", "AR5-GWP100": "ar5", "AR6-GWP100": "ar6"}


def u(ref: str) -> URIRef:
    return URIRef(BASE + ref)


def read_csv(name: str) -> list[dict[str, str]]:
    with (FACTS / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.fixture(scope="module")
def datasets() -> dict[str, Dataset]:
    out = {}
    for name in FILES:
        ds = Dataset()
        ds.parse(SEEDS / name, format="trig", publicID=BASE)
        out[name] = ds
    return out


@pytest.fixture(scope="module")
def union(datasets: dict[str, Dataset]) -> Graph:
    """All seed triples in one graph (the default union view a store gives)."""
    g = Graph()
    for ds in datasets.values():
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
    return g


def graph_of(datasets: dict[str, Dataset], name: str) -> Graph:
    return datasets[name].graph(u(GRAPHS[name]))


def decimal_of(node) -> Decimal:
    assert isinstance(node, Literal), node
    assert node.datatype == XSD.decimal, f"{node!r} is not xsd:decimal"
    return Decimal(str(node))


def components(g: Graph, factor: URIRef) -> dict[str, Decimal]:
    out = {}
    for comp in g.objects(factor, EF.component):
        gas = g.value(comp, EF.gas)
        out[str(gas).removeprefix(BASE + "gas/")] = decimal_of(g.value(comp, EF.value))
    return out


def co2e_values(g: Graph, factor: URIRef) -> dict[str, Decimal]:
    out = {}
    for node in g.objects(factor, EF.co2e):
        gwp = g.value(node, EF.gwpSet)
        out[str(gwp).removeprefix(BASE + "gwp/")] = decimal_of(g.value(node, EF.value))
    return out


def gwp_values(g: Graph) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for gwp_set in g.subjects(RDF.type, EF.GWPSet):
        key = str(gwp_set).removeprefix(BASE + "gwp/")
        values = out.setdefault(key, {})
        for node in g.objects(gwp_set, EF.gwpValue):
            gas = str(g.value(node, EF.gas)).removeprefix(BASE + "gas/")
            assert gas not in values, f"two GWP values for {gas} in {key}"
            values[gas] = decimal_of(g.value(node, EF.value))
    return out


# --- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_parses_with_rdflib_into_its_one_named_graph(datasets: dict[str, Dataset], name: str) -> None:
    ds = datasets[name]
    graphs = {str(c) for _, _, _, c in ds.quads((None, None, None, None))}
    assert graphs == {BASE + GRAPHS[name]}
    assert len(ds) > 50
    record = u(GRAPHS[name])
    g = graph_of(datasets, name)
    assert (record, RDF.type, DCAT.Dataset) in g
    assert g.value(record, DCAT_VERSION) == Literal("1")
    assert g.value(record, EF.accessLevel) == EF.Open
    assert g.value(record, EF.reviewStatus) == EF.Published
    assert g.value(record, DCT.isVersionOf) == u(GRAPHS[name].removesuffix("/1"))
    for prop in (DCT.publisher, DCT.license, DCT.issued):
        assert g.value(record, prop) is not None, prop
    assert {t.language for t in g.objects(record, DCT.title)} >= {"en", "zh"}


@pytest.mark.parametrize("name", FILES)
def test_parses_with_pyoxigraph_to_the_same_quads(datasets: dict[str, Dataset], name: str) -> None:
    quads = list(ox.parse(path=str(SEEDS / name), format=ox.RdfFormat.TRIG, base_iri=BASE))
    assert len(quads) == len(datasets[name])
    assert {q.graph_name.value for q in quads} == {BASE + GRAPHS[name]}


@pytest.mark.parametrize("name", FILES)
def test_files_use_relative_iris_without_base(name: str) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    assert "@base" not in text and "BASE" not in text
    assert "localhost" not in text
    assert f"<{GRAPHS[name]}> {{" in text


def test_every_value_is_a_decimal(union: Graph) -> None:
    checked = 0
    for prop in (EF.value, EF.lowerBound, EF.upperBound, EF.confidenceLevel):
        for obj in union.objects(None, prop):
            decimal_of(obj)
            checked += 1
    ipcc = read_csv("ipcc2006_v2_ch2_table2_2.csv")
    gwp_rows = read_csv("gwp100.csv")
    expected = (
        3 * len(ipcc)
        + 3 * (len(ipcc) - 1)
        + 3 * sum(1 for r in ipcc if r["co2_lower"])
        + 3 * len(gwp_rows)
        + 2
        + len(read_csv("cn_electricity_2021_2022.csv"))
    )
    assert checked == expected == 198


# --- the figures --------------------------------------------------------------------------------


def test_ipcc_factors_state_table_2_2_exactly(datasets: dict[str, Dataset]) -> None:
    g = graph_of(datasets, "ipcc2006-t2.2.trig")
    rows = read_csv("ipcc2006_v2_ch2_table2_2.csv")
    assert len(set(g.subjects(RDF.type, EF.EmissionFactor))) == len(rows) == 19
    for row in rows:
        factor = u(f"factor/ipcc2006-t2.2-{slug(row['fuel'])}/1")
        biomass = row["fuel_group"] == "biomass"
        co2, ch4 = ("CO2-biogenic", "CH4-non-fossil") if biomass else ("CO2", "CH4-fossil")
        assert components(g, factor) == {
            co2: Decimal(row["co2_kg_per_tj"]),
            ch4: Decimal(row["ch4_kg_per_tj"]),
            "N2O": Decimal(row["n2o_kg_per_tj"]),
        }, row["fuel"]
        assert g.value(factor, EF.activityUnit) == UNIT.TeraJ
        assert g.value(factor, EF.geography) == u("geo/GLO")
        assert g.value(factor, EF.activityCategory) == u("category/ipcc2006/1.A.1")
        assert g.value(factor, EF.activity) == u(f"category/activity/{slug(row['fuel'])}-combustion")
        assert g.value(factor, EF.referenceYear) == Literal("2006", datatype=XSD.gYear)
        assert g.value(factor, EF.calorificBasis) == EF.NetCalorificValue
        assert g.value(factor, EF.ghgScope) == EF.Scope1
        assert g.value(factor, EF.gasBasis) == EF.MultiGasBasis
        assert g.value(factor, EF.boundary) == EF.Combustion
        assert {lit.language: str(lit) for lit in g.objects(factor, RDFS.label)}["zh"].startswith(
            row["fuel_zh"]
        )
        co2_node = next(c for c in g.objects(factor, EF.component) if g.value(c, EF.gas) == u(f"gas/{co2}"))
        unc = g.value(co2_node, EF.uncertainty)
        if row["co2_lower"]:
            assert decimal_of(g.value(unc, EF.lowerBound)) == Decimal(row["co2_lower"])
            assert decimal_of(g.value(unc, EF.upperBound)) == Decimal(row["co2_upper"])
            assert decimal_of(g.value(unc, EF.confidenceLevel)) == Decimal(95)
        else:
            assert unc is None
        for comp in g.objects(factor, EF.component):
            assert g.value(comp, EF.unit) == u("unit/KiloGM-PER-TeraJ")


def test_natural_gas_matches_the_model_contract_example(datasets: dict[str, Dataset]) -> None:
    g = graph_of(datasets, "ipcc2006-t2.2.trig")
    factor = u("factor/ipcc2006-t2.2-natural-gas/1")
    assert components(g, factor) == {"CO2": Decimal("56100"), "CH4-fossil": Decimal(1), "N2O": Decimal("0.1")}
    assert co2e_values(g, factor) == {
        "AR4-GWP100": Decimal("56154.8"),
        "AR5-GWP100": Decimal("56154.5"),
        "AR6-GWP100": Decimal("56157.1"),
    }


def test_gwp_sets_state_gwp100_csv_exactly(datasets: dict[str, Dataset]) -> None:
    g = graph_of(datasets, "gwp100.trig")
    values = gwp_values(g)
    assert set(values) == set(GWP_COLUMNS)
    ids = {
        "Carbon dioxide": "CO2",
        "Methane (fossil)": "CH4-fossil",
        "Methane (non-fossil)": "CH4-non-fossil",
        "Nitrous oxide": "N2O",
        "Sulphur hexafluoride": "SF6",
        "Nitrogen trifluoride": "NF3",
        "PFC-14 (CF4)": "PFC-14",
        "PFC-116 (C2F6)": "PFC-116",
    }
    rows = read_csv("gwp100.csv")
    for set_id, column in GWP_COLUMNS.items():
        expected = {ids.get(r["gas"], r["gas"]): Decimal(r[column]) for r in rows}
        if set_id != "AR6-GWP100":
            expected["CH4"] = expected["CH4-fossil"]
        assert values[set_id] == expected, set_id
        gwp_set = u(f"gwp/{set_id}")
        assert g.value(gwp_set, EF.timeHorizon) == Literal(100)
        assert g.value(gwp_set, DCT.source) is not None
    assert values["AR6-GWP100"]["CH4-fossil"] == Decimal("29.8")
    assert values["AR6-GWP100"]["CH4-non-fossil"] == Decimal("27.0")
    assert "CH4" not in values["AR6-GWP100"]
    assert values["AR5-GWP100"]["N2O"] == Decimal(265)


def test_every_co2e_is_the_exact_gwp_weighted_sum(datasets: dict[str, Dataset], union: Graph) -> None:
    gwps = gwp_values(graph_of(datasets, "gwp100.trig"))
    checked = 0
    for factor in union.subjects(RDF.type, EF.EmissionFactor):
        comps = components(union, factor)
        for set_id, value in co2e_values(union, factor).items():
            assert value == sum(v * gwps[set_id][gas] for gas, v in comps.items()), (factor, set_id)
            checked += 1
    assert checked == 18 * 3  # 19 fuels, no CO2e for wood (biogenic CO2)
    wood = u("factor/ipcc2006-t2.2-wood-wood-waste/1")
    assert co2e_values(union, wood) == {}
    assert "CO2-biogenic" in components(union, wood)
    assert all("CO2-biogenic" not in values for values in gwps.values())


def test_cn_electricity_factors_state_the_csv_exactly(datasets: dict[str, Dataset]) -> None:
    g = graph_of(datasets, "cn-electricity.trig")
    rows = read_csv("cn_electricity_2021_2022.csv")
    assert len(set(g.subjects(RDF.type, EF.EmissionFactor))) == len(rows) == 22
    for row in rows:
        region = GRID_IRIS[row["region_en"]] if row["scope"] == "regional grid" else row["region_code"]
        factor = u(f"factor/cn-mee-{row['year']}-{slug(row['scope'])}-{region.lower()}/1")
        assert components(g, factor) == {"CO2": Decimal(row["kg_co2_per_kwh"])}, factor
        assert g.value(factor, EF.geography) == u(f"geo/{region}")
        assert g.value(factor, EF.activity) == u(f"category/activity/{ELECTRICITY_SCOPES[row['scope']]}")
        assert g.value(factor, EF.referenceYear) == Literal(row["year"], datatype=XSD.gYear)
        assert g.value(factor, EF.activityUnit) == UNIT["KiloW-HR"]
        assert g.value(factor, EF.gasBasis) == EF.CO2Basis
        assert g.value(factor, EF.ghgScope) == EF.Scope2
        assert not list(g.objects(factor, EF.co2e))
        comp = g.value(factor, EF.component)
        assert g.value(comp, EF.unit) == u("unit/KiloGM-PER-KiloW-HR")
        assert g.value(factor, DCT.publisher) == u("publisher/mee")
        assert g.value(factor, DCT.contributor) == u("publisher/nbs")
    national_2022 = u("factor/cn-mee-2022-national-average-cn/1")
    assert components(g, national_2022) == {"CO2": Decimal("0.5366")}
    assert g.value(national_2022, DCT.source) == u("source/mee-nbs-2022-electricity-co2")
    assert g.value(u("factor/cn-mee-2021-national-average-cn/1"), DCT.source) == u(
        "source/mee-nbs-2021-electricity-co2"
    )


def test_factor_keys_are_unique_per_dataset(datasets: dict[str, Dataset]) -> None:
    for name in ("ipcc2006-t2.2.trig", "cn-electricity.trig"):
        g = graph_of(datasets, name)
        keys = [
            tuple(
                g.value(f, p) for p in (EF.activity, EF.geography, EF.referenceYear, EF.boundary, EF.gasBasis)
            )
            for f in g.subjects(RDF.type, EF.EmissionFactor)
        ]
        assert len(keys) == len(set(keys)), name


# --- metadata every factor must carry -----------------------------------------------------------


def test_every_factor_carries_identity_provenance_and_access(union: Graph) -> None:
    factors = list(union.subjects(RDF.type, EF.EmissionFactor))
    assert len(factors) == 41
    for f in factors:
        ident = union.value(f, DCT.identifier)
        assert str(f) == f"{BASE}factor/{ident}/1"
        assert union.value(f, DCAT_VERSION) == Literal("1")
        assert union.value(f, DCT.isVersionOf) == u(f"factor/{ident}")
        dataset = union.value(f, DCT.isPartOf)
        assert (dataset, RDF.type, DCAT.Dataset) in union
        assert union.value(f, EF.accessLevel) == EF.Open
        source = union.value(f, DCT.source)
        assert (source, RDF.type, EF.Source) in union
        assert union.value(source, EF.table) is not None, source
        assert union.value(source, DCT.isPartOf) is not None, source
        lic = union.value(f, DCT.license)
        assert (lic, RDF.type, DCT.LicenseDocument) in union
        pub = union.value(f, DCT.publisher)
        assert (pub, RDF.type, FOAF.Organization) in union
        assert union.value(f, DCT.publisher) == union.value(dataset, DCT.publisher)
        for c in union.objects(f, EF.component):  # a part IRI a partner can cite: {factor}#{gas id}
            assert str(c) == f"{f}#{str(union.value(c, EF.gas)).rsplit('/', 1)[-1]}", c
        assert list(union.objects(f, EF.component)), f


def _languages(g: Graph, node: URIRef) -> set[str]:
    return {lit.language for lit in g.objects(node, RDFS.label)}


@pytest.mark.parametrize(
    "cls",
    [
        EF.EmissionFactor,
        EF.Gas,
        EF.Geography,
        QUDT.Unit,
        SKOS.Concept,
        SKOS.ConceptScheme,
        FOAF.Organization,
        EF.GWPSet,
        EF.Source,
        DCT.LicenseDocument,
        DCAT.Dataset,
    ],
)
def test_labels_in_english_and_chinese(union: Graph, cls: URIRef) -> None:
    nodes = set(union.subjects(RDF.type, cls))
    assert nodes, cls
    for node in nodes:
        assert _languages(union, node) >= {"en", "zh"}, node
        for lang in ("en", "zh"):
            assert len([x for x in union.objects(node, RDFS.label) if x.language == lang]) == 1, node


def test_every_referenced_seed_resource_is_described(union: Graph) -> None:
    """Every relative IRI used as an object (gas, geo, unit, category, source, ...) has a type."""
    families = ("gas/", "geo/", "unit/", "category/", "source/", "publisher/", "license/", "gwp/")
    missing = set()
    for obj in set(union.objects()):
        if isinstance(obj, URIRef) and str(obj).startswith(BASE):
            if str(obj).removeprefix(BASE).startswith(families) and (obj, RDF.type, None) not in union:
                missing.add(obj)
    for unit in (UNIT.TeraJ, UNIT["KiloW-HR"], UNIT.KiloGM):
        assert (unit, QUDT.ucumCode, None) in union
    assert not missing


def test_reference_geography(union: Graph) -> None:
    provinces = {
        s for s in union.subjects(SKOS.broader, u("geo/CN")) if (s, SKOS.inScheme, u("geo/iso3166")) in union
    }
    assert len(provinces) == 34
    assert (u("geo/CN"), SKOS.broader, u("geo/GLO")) in union
    assert (u("geo/CN-HE"), SKOS.notation, Literal("CN-HE")) in union
    grids = {
        s for s in union.subjects(RDF.type, EF.RegistryRegion) if str(s).startswith(BASE + "geo/CN-GRID-")
    }
    assert len(grids) == 7
    covered = [o for g in grids for o in union.objects(g, EF.coversRegion)]
    assert len(covered) == len(set(covered)) == 30  # 34 less HK, MO, TW and the split Inner Mongolia
    assert u("geo/CN-NM") not in covered
    assert (u("geo/CN-GRID-SOUTHWEST"), EF.coversRegion, u("geo/CN-XZ")) in union


def test_reference_gases_and_units(union: Graph) -> None:
    assert (u("gas/CH4-fossil"), SKOS.broader, u("gas/CH4")) in union
    assert (u("gas/CH4-non-fossil"), SKOS.broader, u("gas/CH4")) in union
    assert (u("gas/CO2-biogenic"), SKOS.broader, u("gas/CO2")) in union
    assert union.value(u("gas/N2O"), EF.casNumber) == Literal("10024-97-2")
    assert union.value(u("gas/CH4"), SKOS.exactMatch) == URIRef("http://www.wikidata.org/entity/Q37129")
    gases = set(union.subjects(RDF.type, EF.Gas))
    assert len(gases) == len(read_csv("gwp100.csv")) + 2  # + CH4 parent, CO2-biogenic
    ratio = u("unit/KiloGM-PER-KiloW-HR")
    assert union.value(ratio, EF.numeratorUnit) == UNIT.KiloGM
    assert union.value(ratio, EF.denominatorUnit) == UNIT["KiloW-HR"]
    assert union.value(ratio, QUDT.ucumCode) == Literal("kg/(kW.h)")
    assert union.value(u("unit/KiloGM-PER-TeraJ"), QUDT.ucumCode) == Literal("kg/TJ")
    assert (u("category/ipcc2006/1.A.1.a"), SKOS.broader, u("category/ipcc2006/1.A.1")) in union


# --- reproducibility and validation -------------------------------------------------------------


def test_rebuild_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SEEDS / "build.py"), "--facts", str(FACTS), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_build_refuses_a_gas_it_cannot_label(tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    for p in FACTS.glob("*.csv"):
        (facts / p.name).write_bytes(p.read_bytes())
    with (facts / "gwp100.csv").open("a", encoding="utf-8") as handle:
        handle.write("Unobtainium,Xx,0-00-0,1,1,1\n")
    result = subprocess.run(
        [sys.executable, str(SEEDS / "build.py"), "--facts", str(facts), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Unobtainium" in result.stderr


def test_all_seed_files_together_conform_to_the_shapes() -> None:
    """All four files as the data, the ontology alone as reference data.

    validate()'s default reference data is reference.trig and gwp100.trig themselves; parsed a
    second time their GWP values are new blank nodes, so each gas would have its GWP twice. With the
    reference datasets in the data, the reference is the ontology only.
    """
    ds = Dataset()
    for name in FILES:
        ds.parse(SEEDS / name, format="trig", publicID=BASE)
    report = validate(ds, base_iri=BASE, reference=Graph().parse(ROOT / "ontology" / "efreg.ttl"))
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("name", ["ipcc2006-t2.2.trig", "cn-electricity.trig"])
def test_factor_datasets_conform_against_the_default_reference_data(name: str) -> None:
    """What an upload of these datasets would get: validate() mixes in the reference seeds."""
    ds = Dataset()
    ds.parse(SEEDS / name, format="trig", publicID=BASE)
    report = validate(ds, base_iri=BASE)
    assert report.conforms, report.to_text()
