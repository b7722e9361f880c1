"""The fast SHACL validator (registry.validation.fast) gives pySHACL's verdicts: the same results (focus node,
path, value, constraint component, source shape, severity, messages in English and Chinese) on every
fixture of test_shapes.py, the seed files, the Tiangong sample, an OEFDB slice and generated
benchmark data. Speed is the benchmarks' job; nothing here is timed."""

from __future__ import annotations

import dataclasses
import io
import logging
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node
from test_shapes import BASE as SHAPES_BASE
from test_shapes import CASES, DATA, Mutation

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is beside the package, not installed with it
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import Sizes, generate  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.ingest import import_paths, read_paths  # noqa: E402
from registry.store import Store  # noqa: E402
from registry.validation import fast as shacl  # noqa: E402
from registry.validation.fast import Unsupported, get_validator, validate_fast  # noqa: E402
from registry.validation.fast.plan import for_oxigraph  # noqa: E402
from registry.validation.reference import ValidationReport, _show_path, validate  # noqa: E402

BASE = "http://localhost:8080/"
INGEST = ROOT / "tests" / "data" / "ingest"
SEEDS = ("reference.trig", "gwp100.trig", "ipcc2006-t2.2.trig", "cn-electricity.trig")

Key = tuple[Node, str | None, Node | None, Node | None, str, Node | None, str, str, str | None]


def keys(report: ValidationReport) -> list[Key]:
    return sorted(
        (
            (
                r.focus_node,
                None if r.path is None else _show_path(report.graph, r.path, full=True),
                r.constraint,
                r.source_shape,
                r.severity,
                r.value,
                r.message_en,
                r.message_zh,
                r.source_record,
            )
            for r in report.results
        ),
        key=repr,
    )


def assert_same(data: Graph, base: str, reference: Graph | None = None) -> ValidationReport:
    fast = validate_fast(data, base_iri=base, reference=reference)
    slow = validate(data, base_iri=base, reference=reference)
    assert keys(fast) == keys(slow), fast.to_text() + "\n---- pySHACL ----\n" + slow.to_text()
    assert fast.conforms == slow.conforms
    assert [r.owner for r in fast.results] == [r.owner for r in slow.results]  # the same order, too
    whole = dataclasses.replace(fast, triples_source=None)  # shows terms from the whole report graph
    assert fast.to_text() == whole.to_text() and fast.to_json() == whole.to_json()
    return fast


@pytest.fixture(scope="module")
def shape_graphs() -> tuple[Graph, Graph]:
    return (
        Graph().parse(DATA / "factor.ttl", publicID=SHAPES_BASE),
        Graph().parse(DATA / "reference.ttl", publicID=SHAPES_BASE),
    )


@pytest.mark.parametrize(
    ("case_id", "on_reference", "mutate"), [c[:3] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_shapes_fixture(
    shape_graphs: tuple[Graph, Graph], case_id: str, on_reference: bool, mutate: Mutation
) -> None:
    data, ref = Graph(), Graph()
    data += shape_graphs[0]
    ref += shape_graphs[1]
    mutate(data, ref)
    if on_reference:
        assert_same(ref, SHAPES_BASE, Graph())
    else:
        assert_same(data, SHAPES_BASE, ref)


@pytest.mark.parametrize("name", SEEDS)
def test_seed_files(name: str) -> None:
    ds = Dataset()
    ds.parse(ROOT / "seeds" / name, format="trig", publicID=BASE)
    assert_same(ds, BASE)
    assert_same(ds, BASE, Graph())  # alone: the reference data it uses is unknown


def read(*paths: Path) -> Dataset:
    return read_paths(
        list(paths),
        format=None,
        base_uri=BASE,
        dataset_id=None,
        publisher=None,
        settings=Settings(),
        next_version=lambda _id: 1,
    ).dataset


def test_tiangong_sample() -> None:
    assert_same(read(*sorted((INGEST / "tiangong" / "processes").glob("*.xml"))), BASE)


def test_oefdb_slice() -> None:
    assert_same(read(INGEST / "oefdb" / "oefdb-slice.csv"), BASE)


@pytest.fixture(scope="module")
def bench() -> Dataset:
    buf = io.BytesIO()
    generate(buf, Sizes(factors=500), 7, BASE)
    ds = Dataset()
    ds.parse(data=buf.getvalue(), format="nquads")
    return ds


def test_generated_benchmark_data(bench: Dataset) -> None:
    assert_same(bench, BASE)


def test_generated_data_with_every_kind_of_fault(bench: Dataset) -> None:
    """Break a few factors of the benchmark data in ways that reach the SHACL-SPARQL constraints
    (results from Oxigraph, and results pySHACL words with computed values)."""
    from decimal import Decimal

    from rdflib import Literal

    from registry.rdf.namespaces import DCT, EF, XSD

    ds = Dataset()
    for g in bench.graphs():
        ds.graph(g.identifier).__iadd__(g)
    graph = next(g for g in ds.graphs() if (None, EF.co2e, None) in g)
    factors = sorted(set(graph.subjects(EF.co2e, None)))[:6]
    co2e = graph.value(factors[0], EF.co2e)
    graph.set((co2e, EF.value, Literal(Decimal("123456.7"), datatype=XSD.decimal)))  # V-CO2E
    rating = graph.value(factors[1], EF.dataQuality) or graph.value(factors[2], EF.dataQuality)
    if rating is not None:
        graph.set((rating, EF.dqr, Literal(Decimal("4.9"), datatype=XSD.decimal)))  # Q-DQR mean
    comp = graph.value(factors[2], EF.component)
    graph.set((comp, EF.unit, URIRef(BASE + "unit/KiloGM-PER-TeraJ")))  # V-SAMEUNIT (and maybe a class)
    graph.set((comp, EF.gas, URIRef(BASE + "gas/SF6")))  # V-GWPCOVER when no GWP value
    for p in (
        EF.activity,
        EF.geography,
        EF.referenceYear,
        EF.boundary,
        EF.gasBasis,
        DCT.temporal,
        DCT.isPartOf,
    ):
        for o in list(graph.objects(factors[3], p)):
            graph.set((factors[4], p, o))  # K-UNIQUE
    graph.set((factors[5], EF.referenceYear, Literal("2020")))  # F-TIME datatype
    report = assert_same(ds, BASE)
    assert not report.conforms
    found = {str(r.source_shape).split("#")[-1] for r in report.results}
    assert {"Factor-co2e-consistent", "FactorKeyShape", "Factor-referenceYear"} <= found, found


def test_unsupported_shapes_fall_back_to_pyshacl(
    shape_graphs: tuple[Graph, Graph], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(_shapes: Graph) -> None:
        raise Unsupported("the shapes use sh:xone")

    monkeypatch.setattr(shacl, "compile_plan", refuse)
    data = Graph()
    data += shape_graphs[0]
    with caplog.at_level(logging.WARNING, logger="registry.validation.fast"):
        report = validate_fast(data, base_iri=SHAPES_BASE, reference=shape_graphs[1])
    assert report.conforms
    assert "sh:xone" in caplog.text and "pySHACL" in caplog.text


def test_the_rewrite_for_oxigraph_keeps_other_text() -> None:
    text = "ASK { ?s ?p ?o FILTER NOT EXISTS { ?set ef:gwpValue/ef:gas ?gas } }"
    assert for_oxigraph(text) == (
        "ASK { ?s ?p ?o FILTER NOT EXISTS { ?set ef:gwpValue ?_efreg_seq1 . "
        "FILTER EXISTS { ?_efreg_seq1 ef:gas ?gas } } }"
    )
    assert (
        for_oxigraph("SELECT ?this WHERE { ?this ef:a/ef:b ?x }")
        == "SELECT ?this WHERE { ?this ef:a/ef:b ?x }"
    )


def test_validators_by_name() -> None:
    assert get_validator("fast") is validate_fast
    assert get_validator("pyshacl") is validate
    with pytest.raises(ValueError, match="pyshacl"):
        get_validator("jena")
    assert Settings().validator == "fast"
    assert Settings.load({"EFREG_VALIDATOR": "pyshacl"}).validator == "pyshacl"


@pytest.mark.parametrize("name", ["fast", "pyshacl"])
def test_the_gate_uses_the_configured_validator(
    store: Store, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[str] = []
    for table in (shacl.VALIDATORS, shacl.TRIPLE_VALIDATORS):
        for key, fn in list(table.items()):
            monkeypatch.setitem(table, key, lambda *a, _k=key, _fn=fn, **kw: used.append(_k) or _fn(*a, **kw))
    out = import_paths(
        store,
        [INGEST / "oefdb" / "oefdb-slice.csv"],
        dry_run=True,
        format=None,
        base_uri=BASE,
        dataset_id=None,
        publisher=None,
        settings=Settings(validator=name),
    )
    assert used == [name]
    assert out.report.conforms
