"""Mapping sets: SSSOM and flow-mapping CSV in and out, stored as datasets, bad input reported by row."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import yaml
from rdflib import Graph, Literal, URIRef

from registry.mapping.flowmap import read_flowmap
from registry.mapping.sets import (
    EF,
    SEMAPV,
    SSSOM,
    MappingError,
    MappingSet,
    current_version,
    mappings_from_skos,
    read_set,
    store_set,
)
from registry.mapping.sssom import read_sssom, write_sssom
from registry.rdf.namespaces import OWL, SKOS, UNIT

from conftest import BASE, DATA

MAPPING_DATA = DATA / "mapping"
USLCI = DATA / "mapping" / "uslci" / "USLCIv2019Q4_to_FEDEFL.csv"
MIT = URIRef("http://spdx.org/licenses/MIT")


def graph_of(store, iri: str) -> Graph:
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


# --- an SSSOM validator driven by the SSSOM schema itself (sssom-schema 1.0.0, BSD-3) ----------------------


def sssom_problems(text: str) -> list[str]:
    """What makes ``text`` invalid SSSOM/TSV according to the slots, requirements, enums and patterns of the
    SSSOM LinkML schema (tests/data/mapping/sssom_schema-1.0.0.yaml)."""
    schema = yaml.safe_load((MAPPING_DATA / "sssom_schema-1.0.0.yaml").read_text(encoding="utf-8"))
    slots, classes = schema["slots"], schema["classes"]
    set_slots, mapping_slots = set(classes["mapping set"]["slots"]), set(classes["mapping"]["slots"])
    lines = text.splitlines()
    meta = yaml.safe_load("\n".join(line[1:] for line in lines if line.startswith("#")))
    problems = [f"unknown mapping set slot {k}" for k in meta if k not in set_slots]
    problems += [f"missing {k}" for k in ("mapping_set_id", "license") if not meta.get(k)]
    prefixes = dict(meta.get("curie_map") or {})
    prefixes.setdefault("semapv", "https://w3id.org/semapv/vocab/")
    extensions = {e["slot_name"] for e in meta.get("extension_definitions", [])}
    table = [line.split("\t") for line in lines if not line.startswith("#")]
    header, rows = table[0], table[1:]
    problems += [f"unknown column {c}" for c in header if c not in mapping_slots and c not in extensions]
    problems += [
        f"missing column {c}"
        for c in ("subject_id", "predicate_id", "object_id", "mapping_justification")
        if c not in header
    ]
    pattern = re.compile(slots["mapping_justification"]["pattern"])
    entity_columns = [c for c in header if c in mapping_slots and slots[c].get("range") == "EntityReference"]
    for n, row in enumerate(rows, 2):
        cells = dict(zip(header, row, strict=True))
        if not pattern.match(cells["mapping_justification"]):
            problems.append(f"row {n}: bad justification {cells['mapping_justification']}")
        for column in entity_columns:
            value = cells[column]
            if (
                value
                and ":" in value
                and not value.startswith(("http", "urn:"))
                and value.split(":")[0] not in prefixes
            ):
                problems.append(f"row {n}: {column} {value} uses an undeclared prefix")
        if cells.get("confidence") and not 0 <= float(cells["confidence"]) <= 1:
            problems.append(f"row {n}: confidence out of range")
        if cells.get("predicate_modifier") and cells["predicate_modifier"] not in ("Not",):
            problems.append(f"row {n}: bad predicate_modifier")
        if cells.get("mapping_date") and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells["mapping_date"]):
            problems.append(f"row {n}: bad mapping_date")
    return problems


def test_the_validator_catches_what_it_should() -> None:
    bad = (
        "#curie_map:\n#  x: http://x/\n#mapping_set_id: http://x/set\n#nonsense: 1\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\tfoo\n"
        "x:1\tskos:exactMatch\ty:2\tsemapv:Guessing\t3\n"
    )
    problems = sssom_problems(bad)
    assert "missing license" in problems and "unknown mapping set slot nonsense" in problems
    assert "unknown column foo" in problems
    assert any("bad justification" in p for p in problems) and any("undeclared prefix" in p for p in problems)


# --- the done-when: USLCI → FEDEFL imports and exports as valid SSSOM ---------------------------------------


@pytest.fixture(scope="module")
def uslci() -> MappingSet:
    return read_flowmap(
        USLCI.read_text(encoding="utf-8"),
        set_id="uslci-fedefl",
        base_uri=BASE,
        title="USLCI 2019 Q4 → FEDEFL",
        license=MIT,
        publisher="us-epa",
        publisher_name="U.S. Environmental Protection Agency",
        source=str(USLCI),
    )


def test_flowmap_rows_become_mappings(uslci: MappingSet) -> None:
    assert len(uslci.mappings) == 4339
    kinds = {
        p: sum(1 for m in uslci.mappings if m.predicate == p)
        for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch)
    }
    assert kinds == {SKOS.exactMatch: 4108, SKOS.closeMatch: 147, SKOS.broadMatch: 60, SKOS.narrowMatch: 24}
    first = uslci.mappings[0]  # "1,1,1,3,3-Pentafluoropropane, HFC-245fa" (air/unspecified) = HFC-245fa
    assert first.subject == URIRef("urn:uuid:264153e7-9586-31fa-a728-4dc8c9aa4050")
    assert first.object == URIRef("urn:uuid:13e3ee0f-45d2-3061-b7b4-eb2e73ec53d3")
    assert (first.subject_label, first.subject_category, first.object_category) == (
        "1,1,1,3,3-Pentafluoropropane, HFC-245fa",
        "air/unspecified",
        "emission/air",
    )
    assert first.conversion_factor is None and str(first.mapping_date) == "2019-10-03"
    # a unit-changing row: "Biomass, feedstock" MJ → Biomass kg, factor 0.059410646
    biomass = next(m for m in uslci.mappings if m.subject_label == "Biomass, feedstock")
    assert biomass.conversion_factor == Decimal("0.059410646")
    assert (biomass.source_unit, biomass.target_unit) == (UNIT.MegaJ, UNIT.KiloGM)
    exponent = [m for m in uslci.mappings if m.conversion_factor == Decimal("8.329999999999999e-05")]
    assert len(exponent) == 14, "the file's 8.329999999999999e-05 is read exactly, not as a float"


def test_uslci_imports_as_a_mapping_set_and_exports_as_valid_sssom(store, uslci: MappingSet) -> None:
    outcome = store_set(store, uslci, BASE)
    assert outcome.rejected == [] and outcome.stored == 4339
    iri = f"{BASE}dataset/uslci-fedefl/1"
    assert outcome.dataset_iri == iri
    g = graph_of(store, iri)
    ds = URIRef(iri)
    assert (ds, URIRef("http://purl.org/dc/terms/license"), MIT) in g
    assert (
        URIRef(f"{BASE}publisher/us-epa"),
        URIRef("http://xmlns.com/foaf/0.1/name"),
        Literal("U.S. Environmental Protection Agency", lang="en"),
    ) in g
    assert len(set(g.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), EF.Mapping))) == 4339
    node = URIRef(f"{BASE}mapping/uslci-fedefl/1")
    assert g.value(node, OWL.annotatedSource) == URIRef("urn:uuid:264153e7-9586-31fa-a728-4dc8c9aa4050")
    assert g.value(node, SSSOM.mapping_justification) == SEMAPV.ManualMappingCuration
    # exact and close matches are also plain SKOS triples; broad/narrow ones only reified
    assert (
        URIRef("urn:uuid:264153e7-9586-31fa-a728-4dc8c9aa4050"),
        SKOS.exactMatch,
        URIRef("urn:uuid:13e3ee0f-45d2-3061-b7b4-eb2e73ec53d3"),
    ) in g
    assert not list(g.triples((None, SKOS.broadMatch, None)))
    cf = [o for o in g.objects(None, EF.conversionFactor)]
    assert (
        Literal("0.00008329999999999999", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")) in cf
    )

    mset, version = read_set(store, BASE, "uslci-fedefl")
    text = write_sssom(mset, mapping_set_id=iri, version=version, base_prefixes={"efreg": BASE})
    assert sssom_problems(text) == []
    again = read_sssom(text, set_id="uslci-fedefl", publisher="us-epa")
    assert sorted(m.content() for m in again.mappings) == sorted(m.content() for m in uslci.mappings)
    # importing the same mappings again makes no new version
    assert store_set(store, again, BASE).unchanged
    assert current_version(store, BASE, "uslci-fedefl") == 1


def test_a_changed_set_is_a_new_version_that_keeps_mapping_numbers(store) -> None:
    text = (MAPPING_DATA / "partner-sources.sssom.tsv").read_text(encoding="utf-8")
    first = store_set(store, read_sssom(text, set_id="partner"), BASE)
    assert first.version == 1 and first.stored == 2
    assert [str(r) for r in first.rejected] == [
        "row 16: <https://example.org/ecfkg-test/i/Coal_power> skos:exactMatch "
        "<http://localhost:8080/category/activity/no-such-activity>: "
        "<http://localhost:8080/category/activity/no-such-activity> is not a concept the registry knows"
    ]
    assert (None, SKOS.exactMatch, URIRef(f"{BASE}category/activity/no-such-activity")) not in graph_of(
        store, first.dataset_iri
    )
    lines = text.splitlines()
    second = store_set(store, read_sssom("\n".join(lines[:-2]) + "\n", set_id="partner"), BASE)
    assert second.version == 2 and second.stored == 1
    g = graph_of(store, second.dataset_iri)
    node = URIRef(f"{BASE}mapping/partner/1")
    assert g.value(node, OWL.annotatedSource) == URIRef("https://example.org/ecfkg-test/i/Natural_gas")
    assert (
        URIRef(second.dataset_iri),
        URIRef("http://www.w3.org/ns/prov#wasRevisionOf"),
        URIRef(first.dataset_iri),
    ) in g


@pytest.mark.parametrize(
    ("text", "row", "fragment"),
    [
        (
            "#mapping_set_id: http://x/s\n#curie_map:\n#\tx: http://x/\n"
            "subject_id\tpredicate_id\tobject_id\tmapping_justification\n",
            3,
            "not valid YAML",
        ),
        (
            "#mapping_set_id: http://x/s\nsubject_id\tpredicate_id\tobject_id\tmapping_justification\n",
            1,
            "lacks license",
        ),
        (
            "#mapping_set_id: http://x/s\n#license: http://l/\nsubject_id\tpredicate_id\tobject_id\n",
            3,
            "lacks column(s) mapping_justification",
        ),
        (
            "#mapping_set_id: http://x/s\n#license: http://l/\n"
            "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
            "wd:Q1\tskos:exactMatch\twd:Q2\tsemapv:ManualMappingCuration\n"
            "wd:Q1\tskos:exactMatch\tnope:Q2\tsemapv:ManualMappingCuration\n",
            5,
            "prefix 'nope' is not in the curie_map",
        ),
        (
            "#mapping_set_id: http://x/s\n#license: http://l/\n"
            "subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\n"
            "wd:Q1\tskos:exactMatch\twd:Q2\tsemapv:ManualMappingCuration\t1.5\n",
            4,
            "outside [0, 1]",
        ),
        (
            "#mapping_set_id: http://x/s\n#license: http://l/\n"
            "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
            "wd:Q1\tskos:exactMatch\twd:Q2\tsemapv:Guessing\n",
            4,
            "not a semapv justification",
        ),
        (
            "#mapping_set_id: http://x/s\n#license: http://l/\n"
            "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
            "wd:Q1\tskos:exactMatch\twd:Q2\n",
            4,
            "3 field(s), the header has 4",
        ),
    ],
)
def test_malformed_sssom_names_the_row(text: str, row: int, fragment: str) -> None:
    with pytest.raises(MappingError) as err:
        read_sssom(text, source="bad.sssom.tsv")
    assert err.value.row == row and fragment in str(err.value)
    assert str(err.value).startswith(f"bad.sssom.tsv, row {row}: ")


HEADER = (
    "SourceListName,SourceFlowName,SourceFlowUUID,SourceFlowContext,SourceUnit,MatchCondition,ConversionFactor,"
    "TargetFlowName,TargetFlowUUID,TargetFlowContext,TargetUnit,Mapper,Verifier,LastUpdated\n"
)
GOOD = (
    "L,Carbon dioxide,b6f010fb-a764-3063-af2d-bcb8309a97b7,air,kg,=,1.0,Carbon dioxide,"
    "b6f010fb-a764-3063-af2d-bcb8309a97b7,emission/air,kg,A,B,1/3/2020\n"
)


@pytest.mark.parametrize(
    ("bad_row", "fragment"),
    [
        (GOOD.replace(",=,", ",?,"), "MatchCondition '?'"),
        (GOOD.replace(",1.0,", ",one,"), "ConversionFactor 'one' is not a number"),
        (GOOD.replace(",1.0,", ",-2,"), "not a positive number"),
        (
            GOOD.replace("b6f010fb-a764-3063-af2d-bcb8309a97b7,emission", "not-a-uuid,emission"),
            "TargetFlowUUID",
        ),
        (GOOD.replace(",kg,A", ",furlong,A"), "TargetUnit 'furlong'"),
        (GOOD.replace("1/3/2020", "2020-13-45"), "LastUpdated"),
        (GOOD.replace("Carbon dioxide,b6", ",b6", 1), "SourceFlowName is empty"),
    ],
)
def test_malformed_flowmap_names_the_row(bad_row: str, fragment: str) -> None:
    with pytest.raises(MappingError) as err:
        read_flowmap(
            HEADER + GOOD + bad_row,
            set_id="x",
            base_uri=BASE,
            title="x",
            license=MIT,
            publisher="x",
            source="bad.csv",
        )
    assert err.value.row == 3 and fragment in str(err.value)


def test_flowmap_without_required_columns() -> None:
    with pytest.raises(MappingError, match="lacks column"):
        read_flowmap(
            "SourceFlowName,TargetFlowName\na,b\n",
            set_id="x",
            base_uri=BASE,
            title="x",
            license=MIT,
            publisher="x",
        )


def test_plain_skos_mappings_import_and_unknown_concepts_are_reported(store) -> None:
    g = Graph()
    g.add((URIRef(f"{BASE}geo/CN-SH"), SKOS.closeMatch, URIRef("http://www.wikidata.org/entity/Q8686")))
    g.add((URIRef(f"{BASE}geo/XX-NOWHERE"), SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q1")))
    g.add((URIRef(f"{BASE}gas/CO2"), SKOS.exactMatch, URIRef(str(EF) + "NoSuchTerm")))
    mset = MappingSet(
        "skos-test",
        "SKOS test",
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
        "efreg",
        mappings=mappings_from_skos(g),
    )
    outcome = store_set(store, mset, BASE)
    assert outcome.stored == 1
    reasons = sorted(r.reason for r in outcome.rejected)
    assert reasons == [
        f"<{BASE}geo/XX-NOWHERE> is not a concept the registry knows",
        f"<{EF}NoSuchTerm> is not a term of the efreg ontology",
    ]
    stored = graph_of(store, outcome.dataset_iri)
    assert (
        URIRef(f"{BASE}geo/CN-SH"),
        SKOS.closeMatch,
        URIRef("http://www.wikidata.org/entity/Q8686"),
    ) in stored
    assert not list(stored.triples((URIRef(f"{BASE}geo/XX-NOWHERE"), None, None)))


def test_a_set_of_only_unknown_concepts_is_refused(store) -> None:
    g = Graph()
    g.add((URIRef(f"{BASE}geo/XX-NOWHERE"), SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q1")))
    mset = MappingSet(
        "nothing",
        "x",
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
        "efreg",
        mappings=mappings_from_skos(g),
    )
    with pytest.raises(MappingError, match="none of its 1 mapping"):
        store_set(store, mset, BASE)
    assert current_version(store, BASE, "nothing") is None


def test_seed_mapping_sets_are_all_storable(store) -> None:
    """Every seed mapping names concepts the registry has (the rule the importer enforces)."""
    from registry.mapping.sets import check, list_sets

    sets = {s["id"]: int(s["mappings"]) for s in list_sets(store, BASE)}
    assert {
        "mappings-ipcc2006-isic4",
        "mappings-gases",
        "mappings-geo",
        "mappings-units",
        "mappings-ecfo",
    } <= set(sets)
    for set_id in sets:
        mset, _v = read_set(store, BASE, set_id)
        ok, rejected = check(store, BASE, mset)
        assert rejected == [] and len(ok) == sets[set_id] > 0
        assert all(m.justification == SEMAPV.ManualMappingCuration for m in ok)
        assert (
            sssom_problems(
                write_sssom(mset, mapping_set_id=f"{BASE}dataset/{set_id}/1", base_prefixes={"efreg": BASE})
            )
            == []
        )


def test_export_uses_the_configured_base_as_efreg_prefix(store) -> None:
    mset, _v = read_set(store, BASE, "mappings-geo")
    text = write_sssom(mset, mapping_set_id="x", base_prefixes={"efreg": BASE})
    lines = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    rows = [dict(zip(lines[0], row, strict=True)) for row in lines[1:]]
    triples = {(r["subject_id"], r["predicate_id"], r["object_id"]) for r in rows}
    assert ("efreg:geo/CN", "skos:exactMatch", "wd:Q148") in triples
    assert ("efreg:geo/CN", "skos:exactMatch", "M49:156") in triples
