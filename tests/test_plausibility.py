"""The guideline's plausibility of values (V-PLAUSIBLE, V-VALUE, V-DECIMAL) and links (R-URL): a
hostile value is a violation, reported the same by pySHACL and the fast validator, with the row or
UUID it came from; a CSV source_url that is not http(s) skips its row with the line."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from test_validate_fast import assert_same

from registry.config import Settings
from registry.ingest import IngestError, read_paths

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "efreg-template-example.csv"
PLAUSIBLE = "https://w3id.org/efreg/shapes#Value-value-plausible"
HUGE = "1" + "0" * 400
DIGITS = "0." + "1234567890" * 500


def read(path: Path, fmt: str | None = None) -> Dataset:
    return read_paths(
        [path], format=fmt, base_uri=BASE, dataset_id="plausible", publisher=None, settings=Settings()
    ).dataset


def violations(report, shape: str | None = None) -> list:
    return [
        r
        for r in report.results
        if r.severity == "Violation" and (shape is None or str(r.source_shape) == shape)
    ]


@pytest.mark.parametrize(
    "cell", ["1e400", "1e-400", HUGE, DIGITS, "0.000000000000000000000001", "1234567890123456"]
)
def test_csv_values_beyond_magnitude_or_precision_are_violations_with_the_row(tmp_path: Path, cell: str):
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "values.csv"
    path.write_text("\n".join([rows[0], rows[1].replace(",0.5366,", f",{cell},")]) + "\n", encoding="utf-8")
    report = assert_same(read(path), BASE)
    found = violations(report, PLAUSIBLE)
    assert found and not report.conforms
    assert all("values.csv line 2" in (r.source_record or "") for r in found)


@pytest.mark.parametrize("cell", ["0.000000000000000001", "999999999999999", "56100", "0"])
def test_plausible_values_pass(tmp_path: Path, cell: str):
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "values.csv"
    path.write_text("\n".join([rows[0], rows[1].replace(",0.5366,", f",{cell},")]) + "\n", encoding="utf-8")
    assert not violations(assert_same(read(path), BASE), PLAUSIBLE)


@pytest.mark.parametrize(
    "literal,shape",
    [
        ('"INF"^^xsd:double', "Value-value-decimal"),
        ('"NaN"^^xsd:double', "Value-value-decimal"),
        ('"-INF"^^xsd:float', "Value-value-decimal"),
        ('"-5"^^xsd:decimal', "Value-value-nonnegative"),
        (f'"{HUGE}"^^xsd:decimal', "Value-value-plausible"),
        (f'"{DIGITS}"^^xsd:decimal', "Value-value-plausible"),
    ],
)
def test_rdf_values_nan_infinity_negative_and_huge_are_violations(tmp_path: Path, literal: str, shape: str):
    text = _module.factors("plausible", 1, "acme", [1]).replace('"50001"^^xsd:decimal', literal)
    path = tmp_path / "f.ttl"
    path.write_text(text, encoding="utf-8")
    report = assert_same(read(path), BASE)
    assert any(str(r.source_shape).endswith("#" + shape) for r in violations(report)), report.to_text("en")


@pytest.mark.parametrize("lexical", ["NaN", "sNaN", "INF", "-Infinity", "1e400", "1E-400"])
def test_an_ill_typed_decimal_is_refused_when_read(tmp_path: Path, lexical: str):
    """rdflib reads "NaN"^^xsd:decimal as Decimal('NaN'), on which pySHACL's comparisons raise."""
    text = _module.factors("plausible", 1, "acme", [1]).replace(
        '"50001"^^xsd:decimal', f'"{lexical}"^^xsd:decimal'
    )
    path = tmp_path / "f.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match="is not an xsd:decimal"):
        read(path)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,x", "ftp://x/y"]
)
def test_source_urls_must_be_http(tmp_path: Path, url: str):
    text = _module.factors("plausible", 1, "acme", [1])
    text += f'\n<source/ipcc2006-v2-ch2-t2.2> <http://schema.org/url> "{url}"^^xsd:anyURI .\n'
    text += f'\n<publisher/acme> <http://xmlns.com/foaf/0.1/homepage> "{url}"^^xsd:anyURI .\n'
    path = tmp_path / "f.ttl"
    path.write_text(text, encoding="utf-8")
    report = assert_same(read(path), BASE)
    shapes = {str(r.source_shape).rsplit("#", 1)[-1] for r in violations(report)}
    assert {"WebLink-url", "WebLink-homepage"} <= shapes
    assert any(r.focus_node == URIRef(BASE + "source/ipcc2006-v2-ch2-t2.2") for r in violations(report))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "FILE:///c:/x"])
def test_csv_source_url_not_http_skips_the_row_with_its_line(tmp_path: Path, url: str):
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "urls.csv"
    path.write_text(
        "\n".join([rows[0], rows[1].replace("https://www.mee.gov.cn/", url), rows[2]]) + "\n",
        encoding="utf-8",
    )
    result = read_paths(
        [path], format=None, base_uri=BASE, dataset_id="p", publisher=None, settings=Settings()
    )
    assert result.imported == 1 and len(result.skipped) == 1
    assert result.skipped[0].where == "urls.csv line 2" and "http(s)" in result.skipped[0].reason


def test_the_shapes_hold_the_default_bounds_the_settings_generate():
    """The shapes stay the reference: their pattern is the one the default settings generate."""
    from registry.rdf.namespaces import SH
    from registry.validation import plausibility
    from registry.validation.reference import load_shapes

    defaults = Settings()
    expected = plausibility.pattern(defaults.max_value_integer_digits, defaults.max_value_fraction_digits)
    shapes = load_shapes()
    for shape in plausibility.SHAPES:
        assert str(shapes.value(shape, SH.pattern)) == expected
        assert all("max_value_integer_digits" in str(m) for m in shapes.objects(shape, SH.message))


@pytest.fixture
def narrow():
    from registry.validation import plausibility

    plausibility.configure(3, 2)
    yield
    plausibility.configure(plausibility.DEFAULT_INTEGER_DIGITS, plausibility.DEFAULT_FRACTION_DIGITS)


def test_settings_narrow_the_bounds_and_the_message_says_them(tmp_path: Path, narrow):
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for cell, refused in (("1234", True), ("0.123", True), ("999.99", False)):
        path = tmp_path / "values.csv"
        path.write_text(
            "\n".join([rows[0], rows[1].replace(",0.5366,", f",{cell},")]) + "\n", encoding="utf-8"
        )
        found = violations(assert_same(read(path), BASE), PLAUSIBLE)
        assert bool(found) is refused, cell
        if refused:
            message = " ".join(r.message_en + r.message_zh for r in found)
            assert "at most 3 digits before the decimal point and 2 after it" in message
            assert "max_value_integer_digits" in message and "整数部分最多 3 位，小数部分最多 2 位" in message


@pytest.mark.parametrize("value", ["0", "-1", "1001", "x"])
def test_a_bound_outside_its_range_is_a_configuration_error_naming_the_setting(value: str):
    with pytest.raises(ValueError, match="max_value_integer_digits"):
        Settings.load(environ={"EFREG_MAX_VALUE_INTEGER_DIGITS": value})
