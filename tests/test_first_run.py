"""The first run shows the real data at hand: `efreg serve` on a fresh store loads the seeds and the
prebuilt sample data (TianGong, MIT; the Open Emission Factors DB, CC BY-SA 4.0) as their own
publishers and datasets with licences and attribution — at least 6,000 factors from at least 4
publishers — within 30 s of CPU; a restart does not load them again; --no-samples leaves them out; a
registry in use never gets them added; the shipped files pass the gate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from registry.ingest.gate import admit
from registry.ingest.quads import ImportData
from registry.ingest.seeds import SAMPLES, first_run_only, load_first_run, read_sample
from registry.rdf.terms import to_rdflib
from registry.store import open_store
from registry.store.meta import ensure_base_uri
from registry.store.oxigraph import parse_quads

from conftest import BASE, free_port

CPU_BUDGET = 30.0  #: seconds of CPU from start to the first answer (the machine may be shared)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve(
    store: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    efreg = shutil.which("efreg", path=str(Path(sys.executable).parent)) or "efreg"
    proc = subprocess.Popen(
        [efreg, "serve", "--port", str(port), "--store", "oxigraph://" + store.as_posix(), *args],
        env={**os.environ, "EFREG_BASE_URI": BASE, "EFREG_COMPACT_DELAY": "0", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                requests.get(url, headers={"Accept": "application/json"}, timeout=5)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((proc.stdout.read() if proc.stdout else b"").decode()) from None
                time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def counts(url: str) -> dict[str, int]:
    return requests.get(url, headers={"Accept": "application/json"}, timeout=60).json()


def test_a_first_run_serves_the_real_data(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with serve(store) as (url, proc):
        used = cpu_seconds(proc.pid)
        found = counts(url)
        print(f"first run: {used:.1f} s of CPU to the first answer; {found}")
        assert found["factors"] >= 6000 and found["publishers"] >= 4, found
        assert used <= CPU_BUDGET, f"the first run took {used:.1f} s of CPU"
        page = requests.get(url + "dataset/oefdb-openemissionfactorsdb/1.html", timeout=60).text
        assert "6,181 factors" in page and "by-sa/4.0" in page and "Climatiq" in page
        tiangong = requests.get(url + "dataset/", timeout=60).text
        assert "tiangong-" in tiangong
        ttl = requests.get(
            url + "dataset/tiangong-0059b3c2-8989-44a7-882e-c26a3dc06a2f/1.ttl", timeout=60
        ).text
        assert "MIT License" in ttl and "TianGong-LCA-Data" in ttl
        home = requests.get(url, timeout=60).text
        assert "Open Emission Factors Database" in home and "Tiangong LCI Data Working Group" in home
    first = found
    from registry.pact import records

    with open_store("oxigraph://" + store.as_posix()) as loaded:  # released like any load: footprints
        assert len(records.footprints(loaded)) >= 9  # the TianGong thermal-power processes (docs/pact.md)
    with serve(store) as (url, proc):  # a restart: nothing loaded again
        assert counts(url) == first
    with serve(tmp_path / "plain", "--no-samples") as (url, _proc):
        assert counts(url)["factors"] == 41


def test_samples_load_only_into_a_first_run_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store("memory:")
    ensure_base_uri(store, BASE)
    from registry.ingest.seeds import load_seeds

    load_seeds(store, BASE)
    store.update(f"INSERT DATA {{ GRAPH <{BASE}dataset/mine/1> {{ <{BASE}x> <{BASE}p> 1 }} }}")
    assert not first_run_only(store, BASE)
    assert load_first_run(store, BASE) == (0, [])  # a registry in use is left alone
    # an installation without the prebuilt files serves the seeds only
    empty = open_store("memory:")
    ensure_base_uri(empty, BASE)
    monkeypatch.setattr("registry.ingest.seeds.SAMPLES_DIR", tmp_path / "none")
    seeded, loaded = load_first_run(empty, BASE)
    assert seeded > 0 and loaded == [] and all(not s.file.is_file() for s in SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_the_shipped_samples_pass_the_gate(sample) -> None:
    """The prebuilt files are what the gate admits: validated again (a dry run), under another base."""
    base = "https://registry.example/"
    store = open_store("memory:")
    ensure_base_uri(store, base)
    from registry.ingest.seeds import load_seeds

    load_seeds(store, base)
    data = ImportData()
    for quad in parse_quads(read_sample(sample, base), "nquads", None, None):
        data.graph(quad.graph_name.value).add(
            (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
        )
    verdict = admit(store, lambda _next: data, base_uri=base, dry_run=True)
    assert verdict.report.conforms, verdict.report.to_summary("en")
    assert all(g.startswith(base + "dataset/") for g in verdict.graphs)
    assert "localhost:8080" not in read_sample(sample, base).decode("utf-8")
