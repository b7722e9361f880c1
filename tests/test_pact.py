"""PACT footprints derived from the real TianGong processes: which are derivable, which are refused
and why, the RDF and its shapes, deprecation by a new dataset version, derivation at release."""

from __future__ import annotations

import copy

import pytest
from pact_support import (
    BASE,
    CONVERTER_STEEL,
    ELEC,
    FOOTPRINT,
    PROPYLENE,
    STRAW_POWER,
    load_tiangong,
    tiangong_store,
    validator,
)
from rdflib import URIRef
from rdflib.namespace import PROV

from registry.pact import records
from registry.pact.derive import footprint_id
from registry.rdf.namespaces import EF
from registry.validation.fast import get_validator
from registry.validation.reference import validate as pyshacl_validate

REQUIRED = {
    "productMassPerDeclaredUnit",
    "fossilCarbonContent",
    "pcfExcludingBiogenicUptake",
    "fossilGhgEmissions",
    "declaredUnitOfMeasurement",
    "crossSectoralStandards",
    "referencePeriodStart",
    "ipccCharacterizationFactors",
}


@pytest.fixture(scope="module")
def sample():
    store = tiangong_store()
    yield store
    store.close()


def by_product(fps, uuid):
    return next(fp for fp in fps if fp["productIds"] == [f"urn:uuid:{uuid}"])


def test_the_tiangong_sample_gives_footprints_or_named_refusals(sample):
    fps = records.footprints(sample)
    refused = records.refusals(sample)
    # the 36 imported processes: each has a footprint or at least one refusal naming a required field
    derived = {fp["productIds"][0].removeprefix("urn:uuid:") for fp in fps}
    refused_ids = {f.split("tiangong-", 1)[1].rsplit("/", 1)[0] for f, _field, _why in refused}
    assert len(derived) == 9 and not derived & refused_ids
    assert len(derived | refused_ids) == 36
    assert {field for _f, field, _why in refused} <= REQUIRED
    reasons = {(f.split("tiangong-", 1)[1].rsplit("/", 1)[0], field) for f, field, _w in refused}
    assert (PROPYLENE, "fossilCarbonContent") in reasons  # kg of a product: carbon content unknown
    assert (CONVERTER_STEEL, "productMassPerDeclaredUnit") in reasons  # m3: mass unknown
    assert (STRAW_POWER, "pcfExcludingBiogenicUptake") in reasons  # biogenic CO2
    assert all(why for _f, _field, why in refused)


def test_china_thermal_power_footprint(sample):
    fp = by_product(records.footprints(sample), ELEC)
    assert fp["id"] == footprint_id(f"{BASE}factor/tiangong-{ELEC}/1")
    assert fp["status"] == "Active" and "precedingPfIds" not in fp
    assert fp["specVersion"] == "3.0.0"
    assert fp["companyName"] == "Tiangong LCI Data Working Group"
    assert all(c.startswith("urn:uuid:") for c in fp["companyIds"])
    pcf = fp["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "kilowatt hour" and pcf["declaredUnitAmount"] == "1"
    assert pcf["productMassPerDeclaredUnit"] == "0" and pcf["fossilCarbonContent"] == "0"
    assert pcf["pcfExcludingBiogenicUptake"] == pcf["fossilGhgEmissions"] == "0.834091067"  # exact
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert pcf["geographyCountry"] == "CN"
    assert (pcf["referencePeriodStart"], pcf["referencePeriodEnd"]) == (
        "2019-01-01T00:00:00Z",
        "2020-01-01T00:00:00Z",
    )
    sources = pcf["secondaryEmissionFactorSources"]
    assert sources[0] == {"name": f"TianGong ILCD process data set {ELEC}", "version": "00.01.005"}
    assert sources[1]["version"] == f"tiangong-{ELEC}/1"
    assert "Gate-to-gate" in pcf["boundaryProcessesDescription"]


def test_provincial_data_give_the_subdivision(sample):
    subdivisions = {fp["pcf"].get("geographyCountrySubdivision") for fp in records.footprints(sample)} - {
        None
    }
    assert {"CN-JS", "CN-SH", "CN-BJ"} <= subdivisions


def test_every_footprint_validates_against_the_pact_v3_schema(sample):
    check = validator(FOOTPRINT)
    for fp in records.footprints(sample):
        errors = [e.message for e in check.iter_errors(fp)]
        assert errors == [], (fp["id"], errors)


def test_the_footprint_is_linked_data_derived_from_the_dataset_version(sample):
    fp = by_product(records.footprints(sample), ELEC)
    g = records.document(sample, BASE, fp["id"])
    s = URIRef(records.footprint_iri(BASE, fp["id"]))
    assert (s, PROV.wasDerivedFrom, URIRef(f"{BASE}dataset/tiangong-{ELEC}/1")) in g
    pcf = g.value(s, EF.pcf)
    assert str(g.value(pcf, EF.pcfExcludingBiogenicUptake)) == "0.834091067"
    assert {o.language for o in g.objects(s, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))} == {
        "en",
        "zh",
    }
    assert not list(g.triples((None, records.JSON_PROP, None)))  # the private JSON stays private


@pytest.mark.parametrize("validate", [get_validator("fast"), pyshacl_validate], ids=["fast", "pyshacl"])
@pytest.mark.parametrize(
    "field", ["fossilCarbonContent", "productMassPerDeclaredUnit", "ipccCharacterizationFactors"]
)
def test_shapes_make_a_missing_required_field_a_violation(sample, validate, field):
    fp = copy.deepcopy(by_product(records.footprints(sample), ELEC))
    good = records.to_graph(BASE, fp, "http://x/f", "http://x/g")
    assert validate(good, base_iri=BASE).conforms
    del fp["pcf"][field]
    report = validate(records.to_graph(BASE, fp, "http://x/f", "http://x/g"), base_iri=BASE)
    assert not report.conforms
    assert {str(r.path).rsplit("#", 1)[-1] for r in report.violations} == {
        {"ipccCharacterizationFactors": "ipccCharacterizationFactor"}.get(field, field)
    }
    assert all(r.message_zh for r in report.violations)


def test_a_new_dataset_version_deprecates_the_previous_footprint():
    store = tiangong_store([ELEC])
    first = records.footprints(store)
    assert [fp["status"] for fp in first] == ["Active"]
    load_tiangong(store, [ELEC])  # the same process again: dataset/tiangong-…/2
    fps = {fp["id"]: fp for fp in records.footprints(store)}
    old, new = fps[first[0]["id"]], fps[footprint_id(f"{BASE}factor/tiangong-{ELEC}/2")]
    assert old["status"] == "Deprecated" and old["created"] == first[0]["created"]
    assert new["status"] == "Active" and new["precedingPfIds"] == [old["id"]]
    g = records.document(store, BASE, new["id"])
    assert (
        URIRef(records.footprint_iri(BASE, new["id"])),
        EF.precedingFootprint,
        URIRef(records.footprint_iri(BASE, old["id"])),
    ) in g
    store.close()


def test_efreg_load_derives_footprints_and_pact_commands(tmp_path):
    """`efreg load` derives at release (and reports the refusals); `efreg pact client create` prints
    the credentials once; `efreg pact export` writes what ListFootprints serves; `efreg pact derive`
    reports again."""
    import json

    from click.testing import CliRunner
    from pact_support import TIANGONG

    from registry.cli import main
    from registry.store import open_store

    opts = ["--store", f"oxigraph:{tmp_path / 'store'}", "--base-uri", BASE]
    runner = CliRunner()
    files = [str(TIANGONG / f"{ELEC}.xml"), str(TIANGONG / f"{PROPYLENE}.xml")]
    done = runner.invoke(main, ["load", *files, *opts])
    assert done.exit_code == 0, done.output
    assert "PACT: 1 footprint(s) derived, 1 refused" in done.output
    assert f"tiangong-{PROPYLENE}/1: fossilCarbonContent:" in done.output
    made = runner.invoke(main, ["pact", "client", "create", "--name", "Partner Co", *opts])
    assert made.exit_code == 0, made.output
    creds = json.loads(made.output)
    assert set(creds) == {"client_id", "client_secret"}
    bad = runner.invoke(main, ["pact", "client", "create", "--name", "X", "--events-url", "ftp://x", *opts])
    assert bad.exit_code == 2 and "events URL" in bad.output
    out = tmp_path / "pact.json"
    assert runner.invoke(main, ["pact", "export", "--out", str(out), *opts]).exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [fp["productIds"] for fp in exported["data"]] == [[f"urn:uuid:{ELEC}"]]
    assert [e.message for e in validator(FOOTPRINT).iter_errors(exported["data"][0])] == []
    report = runner.invoke(main, ["pact", "derive", "--json", *opts])
    assert json.loads(report.output)["footprints"] == 1
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        dump = store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert not any(creds["client_secret"] in str(r["o"]) for r in dump)  # kept hashed
    finally:
        store.close()


def test_approving_an_upload_derives_its_footprint(store, settings):
    from pact_support import TIANGONG

    from registry.publishing import workflow as publishing
    from registry.publishing.tokens import Caller

    acme = Caller(publisher="acme", role="publisher", token_id="t1")
    reviewer = Caller(publisher="reviewers", role="reviewer", token_id="t2")
    outcome = publishing.upload(store, settings, acme, "power", [TIANGONG / f"{ELEC}.xml"])
    assert outcome.stored
    publishing.act(store, BASE, acme, "power", "1", "submit")
    assert records.footprints(store) == []  # a draft or a submitted version has none
    publishing.act(store, BASE, reviewer, "power", "1", "approve")
    assert [fp["productIds"] for fp in records.footprints(store)] == [[f"urn:uuid:{ELEC}"]]
    publishing.act(store, BASE, acme, "power", "1", "withdraw")
    assert records.footprints(store) == []  # withdrawn data: no footprint


def test_a_derived_footprint_the_shapes_refuse_is_not_kept(monkeypatch):
    """Derivation and shapes are two checks: a footprint that violates shapes/pact.ttl (here one whose
    derivation lost a required field) is refused and named, not kept."""
    from registry.pact import derive as derive_module

    real = derive_module.derive

    def losing(facts, **kwargs):
        out = real(facts, **kwargs)
        if isinstance(out, dict):
            del out["pcf"]["exemptedEmissionsPercent"]
        return out

    monkeypatch.setattr(records, "derive", losing)
    store = tiangong_store([ELEC])
    assert records.footprints(store) == []
    assert [(field, why[:13]) for _f, field, why in records.refusals(store)] == [
        ("exemptedEmissionsPercent", "PACT requires")
    ]
    store.close()
