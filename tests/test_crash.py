"""Crash safety: ``efreg serve`` on an on-disk store is killed (SIGKILL) at random moments while it
takes a large commercial upload and publishes it, and so is ``efreg dataset upload / submit /
approve``; after a restart (which recovers) or ``efreg dataset recover``, every dataset version is
wholly there — both its graphs with every triple, and a record — or wholly absent, a version is
public only once released, no graph is left over and the public read model equals the public graphs
(the checks of benchmarks/crash.py, which runs the same trials 50 times at 100k factors)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from benchmarks import crash
from benchmarks.crash import assert_public_view
from registry.config import Settings
from registry.publishing import access
from registry.publishing import workflow as publishing
from registry.publishing.tokens import authenticate, create_token, ensure_publisher
from registry.store import StoreError, open_store
from registry.store.meta import ensure_base_uri

from conftest import BASE, ROOT

FACTORS = 2000
TRIALS = 2
ITERATIONS = 6


def test_killed_during_an_import_through_the_api_and_the_cli(tmp_path):
    """A few trials of benchmarks/crash.py at a few thousand factors: the server (API) or the
    command running (CLI) is killed at a moment drawn over the calibrated import, and once around
    the end of the upload, where the write happens (the validation takes most of the upload)."""
    rng = random.Random(int(os.environ.get("EFREG_CRASH_SEED", "6")))
    template = crash.make_template(tmp_path, FACTORS)
    for way in crash.WAYS:
        crash.calibrate(template, way, tmp_path)
    assert template.expected["values"] > FACTORS * 4
    outcomes = []
    for number in range(TRIALS):
        for way in crash.WAYS:
            upload = template.durations[way]["upload"]
            delay = rng.uniform(0.0, template.durations[way]["approve"]) if number else upload * 0.9
            found = crash.trial(template, way, number, rng, tmp_path, delay)
            assert found.error is None, found
            outcomes.append((way, found.delay, found.state, found.steps))
    print("calibration:", template.durations, "trials:", outcomes)


#: Run in a process that the test kills: publishes and withdraws the generated datasets over and
#: over, each through the catalog refresh that syncs the public read model. Like every writer of
#: the catalog, the status change notes itself for the model in the same update.
CHURN = """
import sys
from registry.publishing.catalog import refresh_versions
from registry.store import open_store
from registry.store.meta import VIEW_CATALOG, view_stale_update
url, base = sys.argv[1], sys.argv[2]
store = open_store(url)
graphs = sorted(g for g in store.graph_names() if '/dataset/bench-' in g and 'reference' not in g)
status = '<https://w3id.org/efreg/ontology#reviewStatus>'
for round_no in range(1000):
    for graph in graphs[round_no % 2 :: 2]:
        for old, new in (('Published', 'Withdrawn'), ('Withdrawn', 'Published')):
            store.update(
                f'DELETE {{ GRAPH <{base}catalog> {{ <{graph}> {status} ?s }} }} '
                f'WHERE {{ GRAPH <{base}catalog> {{ <{graph}> {status} ?s }} }} ; '
                f'INSERT DATA {{ GRAPH <{base}catalog> {{ <{graph}> {status} '
                f'<https://w3id.org/efreg/ontology#{new}> }} }} ; ' + view_stale_update(VIEW_CATALOG)
            )
            refresh_versions(store, base)
            print(round_no, graph, new, flush=True)
"""


def test_killed_while_the_public_view_syncs(tmp_path):
    """kill -9 at random moments of a process that releases and withdraws datasets (copying graphs
    into the public read model, dropping them, switching the catalog); after each, the sync at start
    makes the model equal to what the catalog says is public."""
    from benchmarks.generate import Sizes, generate

    data = tmp_path / "data.nq"
    with data.open("wb") as fh:
        generate(fh, Sizes(factors=1500), 1, BASE)
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    store = open_store(url)
    ensure_base_uri(store, BASE)
    store.load(data, "nquads")
    store.close()
    rng = random.Random(int(os.environ.get("EFREG_CRASH_SEED", "6")))
    outcomes = []
    for i in range(ITERATIONS):
        rebuild = i % 3 == 1  # the model is gone: the first sync makes it anew from a checkpoint
        if rebuild:
            shutil.rmtree(tmp_path / "store" / "public")
        process = subprocess.Popen(
            [sys.executable, "-c", CHURN, url, BASE], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        if not rebuild:  # else killed at any moment of the rebuild, or after it
            first = process.stdout.readline()  # the start-up sync and one release are done
            assert first, process.stderr.read().decode(errors="replace")[-2000:]
        time.sleep(rng.uniform(0.0, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        lines = len(process.stdout.read().splitlines()) + (0 if rebuild else 1)
        store = open_store(url)
        try:
            publishing.recover(store, BASE)  # what `serve` runs at start
            assert store.view_current()
            assert_public_view(store)
            outcomes.append(lines)
        finally:
            store.close()
    print("releases before each kill:", outcomes)


def test_an_upload_failing_after_its_bulk_load_leaves_only_what_recovery_drops(tmp_path, monkeypatch):
    """An upload's graphs are bulk-loaded (no transaction) after their pending note and before the
    record: a failure in between leaves the graphs noted pending and no record, which recovery drops;
    the store is then as before."""
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    store = open_store(url)
    try:
        ensure_base_uri(store, BASE)
        for publisher in ("acme", "efreg"):
            ensure_publisher(store, BASE, publisher)
        caller = authenticate(store, create_token(store, "acme", "publisher"))
        publishing.recover(store, BASE)
        before = store.graphs()
        path = tmp_path / "up.ttl"
        path.write_bytes(crash.publishing_factors("up", 1, "acme", range(20)).encode("utf-8"))
        settings = Settings(store=url, base_uri=BASE, load_seeds=False)

        def record_fails(quads):  # noqa: ANN001, ANN202 - the transaction after the bulk load
            raise StoreError("the disk is full")

        monkeypatch.setattr(store, "load_quads", record_fails)
        with pytest.raises(StoreError):
            publishing.upload(store, settings, caller, "up", [path], access_level="Commercial")
        monkeypatch.undo()
        graph = BASE + "dataset/up/1"
        counts = store.graphs()
        assert counts[graph] > 0 and counts[graph + "/values"] > 0  # written, not recorded
        assert not access.snapshot(store).versions[graph].recorded
        assert publishing.recover(store, BASE) == [graph, graph + "/values"]
        assert store.graphs() == before
        assert_public_view(store)
    finally:
        store.close()
