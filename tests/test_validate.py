"""The validator's API: loading shapes and reference data, the typed report and its renderings."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from registry.rdf.namespaces import DCT, EF, RDF, RDFS, SH, XSD
from registry.validation import reference as gate
from registry.validation.reference import (
    ValidationReport,
    ValidationSetupError,
    load_shapes,
    reference_graph,
    validate,
)

DATA = Path(__file__).parent / "data" / "shapes"
BASE = "http://registry.test/"
F = URIRef(BASE + "factor/ng/1")


@pytest.fixture()
def data() -> Graph:
    return Graph().parse(DATA / "factor.ttl", publicID=BASE)


@pytest.fixture(scope="module")
def ref() -> Graph:
    return Graph().parse(DATA / "reference.ttl", publicID=BASE)


def broken(data: Graph) -> Graph:
    """Two violations (unknown geography; CO2e typed xsd:double) and one warning (no Chinese label)."""
    data.set((F, EF.geography, URIRef(BASE + "geo/XX")))
    data.remove((F, RDFS.label, Literal("天然气，能源工业固定源燃烧", lang="zh")))
    co2e = data.value(F, EF.co2e)
    data.set((co2e, EF.value, Literal("56157.1", datatype=XSD.double)))
    return data


def test_valid_factor_conforms_without_results(data: Graph, ref: Graph) -> None:
    report = validate(data, base_iri=BASE, reference=ref)
    assert isinstance(report, ValidationReport)
    assert report.conforms is True
    assert report.results == [] and report.violations == [] and report.warnings == []
    assert (None, SH.conforms, Literal(True)) in report.graph


def test_results_are_typed_and_sorted(data: Graph, ref: Graph) -> None:
    report = validate(broken(data), base_iri=BASE, reference=ref)
    assert report.conforms is False
    assert [r.severity for r in report.results] == ["Violation", "Violation", "Warning"]
    geo = next(r for r in report.violations if r.path == EF.geography)
    assert geo.focus_node == F and geo.owner == F
    assert geo.value == URIRef(BASE + "geo/XX")
    assert geo.source_shape == URIRef("https://w3id.org/efreg/shapes#Factor-geography-class")
    assert geo.constraint == SH.ClassConstraintComponent
    assert geo.message_en.startswith("The geography is not a known ef:Geography")
    assert "地理范围" in geo.message_zh
    assert geo.source_record == "ipcc2006-t2.2.csv, row 7"
    # a blank-node result (the CO2e value) is traced to its factor and the factor's source record
    dbl = next(r for r in report.violations if r.path == EF.value)
    assert dbl.owner == F and dbl.focus_node != F
    assert dbl.source_record == "ipcc2006-t2.2.csv, row 7"
    assert "xsd:decimal" in dbl.message_en and "xsd:decimal" in dbl.message_zh
    assert [w.source_shape.split("#")[-1] for w in report.warnings] == ["Factor-label-zh"]


def test_only_warnings_still_conforms(data: Graph, ref: Graph) -> None:
    data.remove((F, RDFS.label, Literal("天然气，能源工业固定源燃烧", lang="zh")))
    data.remove((F, EF.dataQuality, data.value(F, EF.dataQuality)))
    report = validate(data, base_iri=BASE, reference=ref)
    assert report.conforms is True
    assert len(report.warnings) == 2 and report.violations == []
    assert (None, SH.conforms, Literal(True)) in report.graph


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "Conforms: no",
                "[Violation]",
                "[Warning]",
                "Rule:",
                "Source record:",
                "The geography is not a known ef:Geography",
            ],
        ),
        ("zh", ["是否符合: 否", "[违规]", "[警告]", "规则:", "源记录:", "地理范围不是已知的 ef:Geography"]),
    ],
)
def test_to_text_names_factor_rule_and_message(data: Graph, ref: Graph, lang: str, words: list[str]) -> None:
    text = validate(broken(data), base_iri=BASE, reference=ref).to_text(lang)
    assert str(F) in text
    assert "efsh:Factor-geography-class (sh:ClassConstraintComponent)" in text
    for word in words:
        assert word in text, word
    assert text.count("\n\n[") == 3  # one block per result


def test_to_text_rejects_unknown_language(data: Graph, ref: Graph) -> None:
    with pytest.raises(ValueError, match="lang"):
        validate(data, base_iri=BASE, reference=ref).to_text("fr")


def test_to_json_round_trips_with_both_languages(data: Graph, ref: Graph) -> None:
    report = validate(broken(data), base_iri=BASE, reference=ref)
    doc = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    assert doc["conforms"] is False and doc["violations"] == 2 and doc["warnings"] == 1
    geo = next(r for r in doc["results"] if r["path"] == f"<{EF.geography}>")
    assert geo["focusNode"] == str(F)
    assert geo["value"] == BASE + "geo/XX"
    assert geo["constraint"] == str(SH.ClassConstraintComponent)
    assert geo["message"]["en"].startswith("The geography") and "地理范围" in geo["message"]["zh"]
    assert geo["sourceRecord"] == "ipcc2006-t2.2.csv, row 7"
    dbl = next(r for r in doc["results"] if r["path"] == f"<{EF.value}>")
    assert dbl["value"] == {"@value": "56157.1", "@type": str(XSD.double)}
    assert dbl["focusNode"].startswith("_:") and dbl["owner"] == str(F)


def test_to_turtle_parses_to_the_report(data: Graph, ref: Graph) -> None:
    report = validate(broken(data), base_iri=BASE, reference=ref)
    g = Graph().parse(data=report.to_turtle(), format="turtle")
    assert len(list(g.subjects(RDF.type, SH.ValidationResult))) == 3
    assert (None, SH.conforms, Literal(False)) in g
    assert (None, SH.focusNode, F) in g
    messages = {m.language for m in g.objects(None, SH.resultMessage)}
    assert {"en", "zh"} <= messages


def test_sparql_messages_are_filled_in_both_languages(data: Graph, ref: Graph) -> None:
    data.set((data.value(F, EF.co2e), EF.value, Literal(Decimal("56500"), datatype=XSD.decimal)))
    (result,) = validate(data, base_iri=BASE, reference=ref).results
    assert "56500" in result.message_en and "56157.1" in result.message_en and "0.5 %" in result.message_en
    assert "56500" in result.message_zh and "0.5%" in result.message_zh and "不一致" in result.message_zh


def test_dataset_graphs_are_merged(data: Graph, ref: Graph) -> None:
    ds = Dataset()
    factor_graph = ds.graph(URIRef(BASE + "dataset/test/1"))
    factor_graph += data
    ds.graph(URIRef(BASE + "dataset/efreg-reference/1")).__iadd__(ref)
    report = validate(ds, base_iri=BASE, reference=Graph())
    assert report.conforms, report.to_text()
    # without the reference graph the gases, units, … are unknown
    alone = Dataset()
    alone.graph(URIRef(BASE + "dataset/test/1")).__iadd__(data)
    assert not validate(alone, base_iri=BASE, reference=Graph()).conforms


def test_results_about_reference_data_are_left_out(data: Graph, ref: Graph) -> None:
    bad_ref = Graph()
    bad_ref += ref
    bad_ref.remove((URIRef(BASE + "source/ipcc2006-v2-ch2-t2.2"), DCT.title, None))
    assert validate(data, base_iri=BASE, reference=bad_ref).conforms
    assert not validate(bad_ref, base_iri=BASE, reference=Graph()).conforms


GWP_SET = """@prefix ef: <https://w3id.org/efreg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<gwp/AR5-GWP100> a ef:GWPSet ;
    ef:gwpValue [ a ef:GWPValue ; ef:gas <gas/CO2> ; ef:value "1"^^xsd:decimal ] ,
                [ a ef:GWPValue ; ef:gas <gas/N2O> ; ef:value "273"^^xsd:decimal ] .
"""


def test_data_replaces_the_reference_copy_of_what_it_describes(ref: Graph) -> None:
    """Validating a new version of reference data does not see the old copy's blank nodes twice."""
    reference = Graph()
    reference += ref
    reference.parse(data=GWP_SET, format="turtle", publicID=BASE)  # the stored version (own blank nodes)
    new_version = Graph().parse(data=GWP_SET, format="turtle", publicID=BASE)
    report = validate(new_version, base_iri=BASE, reference=reference)
    assert report.conforms, report.to_text()
    extra = BNode()
    new_version.add((URIRef(BASE + "gwp/AR5-GWP100"), EF.gwpValue, extra))
    new_version.add((extra, EF.gas, URIRef(BASE + "gas/N2O")))
    new_version.add((extra, EF.value, Literal(Decimal("265"), datatype=XSD.decimal)))
    report = validate(new_version, base_iri=BASE, reference=reference)
    assert [r.source_shape.split("#")[-1] for r in report.violations] == ["GWPSet-unique-gas"]


def test_bad_input_gets_a_clear_error(data: Graph) -> None:
    with pytest.raises(TypeError, match="rdflib Graph"):
        validate("<a> <b> <c> .", base_iri=BASE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="absolute http"):
        validate(data, base_iri="registry.test")


def test_shapes_are_cached_and_complete() -> None:
    shapes = load_shapes()
    assert load_shapes() is shapes
    assert (URIRef("https://w3id.org/efreg/shapes#EmissionFactorShape"), RDF.type, SH.NodeShape) in shapes
    assert (URIRef("https://w3id.org/efreg/shapes#Dataset-version"), RDF.type, SH.PropertyShape) in shapes


TRIG = """@prefix ef: <https://w3id.org/efreg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<dataset/efreg-reference/1> { <geo/CN> a ef:Geography ; skos:notation "CN" . }
"""


def test_reference_graph_resolves_relative_iris_and_skips_missing_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reference.trig").write_text(TRIG, encoding="utf-8")
    (tmp_path / "efreg.ttl").write_text(
        "<https://w3id.org/efreg/ontology#Gas> a <http://www.w3.org/2002/07/owl#Class> .", encoding="utf-8"
    )
    monkeypatch.setattr(gate, "ONTOLOGY_FILE", tmp_path / "efreg.ttl")
    monkeypatch.setattr(gate, "REFERENCE_FILES", (tmp_path / "reference.trig", tmp_path / "gwp100.trig"))
    g = reference_graph("http://example.org/reg")
    assert (URIRef("http://example.org/reg/geo/CN"), RDF.type, EF.Geography) in g
    assert (EF.Gas, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in g
    assert reference_graph("http://example.org/reg/") is g  # cached per base
    other = reference_graph("https://other.example/")
    assert (URIRef("https://other.example/geo/CN"), RDF.type, EF.Geography) in other


def test_unparseable_reference_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "reference.trig").write_text("<geo/CN> { this is not trig", encoding="utf-8")
    monkeypatch.setattr(gate, "ONTOLOGY_FILE", tmp_path / "missing.ttl")
    monkeypatch.setattr(gate, "REFERENCE_FILES", (tmp_path / "reference.trig",))
    with pytest.raises(ValidationSetupError, match="reference.trig"):
        reference_graph("http://example.org/")


def test_many_factors_in_one_dataset_conform(ref: Graph) -> None:
    """300 distinct factors in one dataset conform (the key rule compares factors pairwise; its speed
    is measured by the benchmarks' SHACL import figure, not here)."""
    text = (DATA / "factor.ttl").read_text(encoding="utf-8")
    head, body = text.split("<factor/ng/1> a ef:EmissionFactor ;")
    many = head + "".join(
        f"<factor/ng{i}/1> a ef:EmissionFactor ;" + body.replace("natural-gas-combustion", f"activity-{i}")
        for i in range(300)
    )
    graph = Graph().parse(data=many, format="turtle", publicID=BASE)
    validate(Graph().parse(DATA / "factor.ttl", publicID=BASE), base_iri=BASE, reference=ref)  # warm caches
    report = validate(graph, base_iri=BASE, reference=ref)
    assert report.conforms, report.to_text()
    assert not report.violations
