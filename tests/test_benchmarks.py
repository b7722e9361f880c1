"""Smoke test of the benchmark runner (CI): a tiny size, one round, one second of dereferencing, a
1,050-factor SHACL sample (a whole dataset: its factor keys must be unique), against a Virtuoso 7
on loopback when installed. It asserts that the run completed with every query answered (by both
systems, with the same number of solutions), no dereferencing error, a conforming sample and a
RESULTS-style Markdown report — never a time."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks.virtuoso import VirtuosoServer

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is beside the package, not installed with it
    sys.path.insert(0, str(ROOT))

from benchmarks import run  # noqa: E402
from benchmarks.generate import Sizes, generate  # noqa: E402
from benchmarks.queries import MIX  # noqa: E402


def test_generated_data_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.nq", tmp_path / "b.nq"
    with first.open("wb") as fh:
        count = generate(fh, Sizes(factors=120), seed=7)
    with second.open("wb") as fh:
        generate(fh, Sizes(factors=120), seed=7)
    assert first.read_bytes() == second.read_bytes() and count > 120 * 15


def test_runner_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "--factors",
        "300",
        "--repeat",
        "1",
        "--deref-seconds",
        "1",
        "--concurrency",
        "2",
        "--client-processes",
        "1",
        "--shacl-factors",
        "1050",
        "--out",
        str(tmp_path),
    ]
    with_virtuoso = VirtuosoServer.available()
    if not with_virtuoso:
        args.append("--no-virtuoso")
    assert run.main(args) == 0
    report = capsys.readouterr().out
    (result,) = json.loads((tmp_path / "results.json").read_text())
    assert set(result["queries"]) >= {q.name for q in MIX} and set(result["queries_evaluated"]) >= {
        q.name for q in MIX
    }
    assert result["kept"]["facets"] == 1  # the same text as in the warm-up round: a kept answer
    # what each request cost the server's processes (the evaluated pass): never nothing
    assert all(result["queries_evaluated"][q.name]["efreg"]["cpu_median_ms"] > 0 for q in MIX)
    for q in MIX:
        assert q.name in report
        if q.name != "select-fallback":  # one province, category and year: may be empty when tiny
            assert result["rows"][q.name]["efreg"] > 0, q.name
        if with_virtuoso:
            assert result["queries"][q.name]["virtuoso"]["median_ms"] > 0
    if with_virtuoso:
        assert "_geomean_ratio" in result["queries"] and "geometric-mean ratio" in report
        assert result["queries_evaluated"]["_geomean_cpu_ratio"] > 0 and "CPU ms per request" in report
        for q in MIX:
            if q.name != "describe":  # Oxigraph may repeat a constructed triple; Virtuoso does not
                assert result["rows"][q.name]["efreg"] == result["rows"][q.name]["virtuoso"], q.name
    for key in ("dereference_cold", "dereference"):
        assert result[key]["requests"] > 0 and result[key]["errors"] == 0, key
    assert result["import_shacl"]["conforms"] is True
    assert "| query | efreg median ms" in report and "server peak RSS" in report


def test_runner_serves_a_prepared_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--store``: a store filled beforehand (as ``benchmarks.analytic`` leaves it) is served as it
    is — no generation, no fill — and the mix and the questions answer from it; the option refuses
    what it cannot do (Virtuoso needs the data file)."""
    from benchmarks.public_model import BASE
    from registry.publishing.catalog import refresh_versions
    from registry.store import open_store
    from registry.store.meta import ensure_base_uri

    data, store_dir = tmp_path / "d.nq", tmp_path / "analytic-200"
    with data.open("wb") as fh:
        generate(fh, Sizes(factors=200), seed=1, base=BASE)
    store = open_store("oxigraph://" + store_dir.as_posix())
    store.pyoxigraph.bulk_load(path=str(data))  # type: ignore[attr-defined]
    ensure_base_uri(store, BASE)
    refresh_versions(store, BASE)
    store.close()
    data.unlink()
    common = ["--factors", "200", "--repeat", "1", "--shacl-factors", "0", "--store", str(store_dir)]
    with pytest.raises(SystemExit) as refused:
        run.main([*common, "--queries-only"])  # with Virtuoso: no data to load into it
    assert refused.value.code == 2
    assert run.main([*common, "--no-virtuoso", "--queries-only", "--out", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    (result,) = json.loads((tmp_path / "results.json").read_text())
    assert result["store"] == str(store_dir) and "quads" not in result and not list(tmp_path.glob("*.nq"))
    assert result["rows"]["facets"]["efreg"] > 0 and result["adhoc_rows"]["counts-per-dataset"]["efreg"] > 0
    assert "200 factors (the store" in report and "server peak RSS" in report
