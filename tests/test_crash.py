"""Crash safety: ``efreg serve`` on an on-disk store is killed (SIGKILL) at random moments while it
takes a large commercial upload and publishes it; after a restart (which recovers) every dataset
version is wholly there — both its graphs with every triple, and a record — or wholly absent, a
version is public only once released, and no graph is left over."""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import requests

from registry.publishing import access
from registry.publishing import workflow as publishing
from registry.publishing.tokens import create_token, ensure_publisher
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import open_store
from registry.store.meta import VIEW_NODE, ensure_base_uri

from conftest import BASE, DATA, ROOT, free_port

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

FACTORS = 400
ITERATIONS = 6


class Server:
    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}/"
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "registry.cli",
                "serve",
                "--store",
                url,
                "--base-uri",
                BASE,
                "--port",
                str(self.port),
                "--no-seeds",
                "--workers",
                "4",
            ],
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text(errors="replace")[-2000:]
            try:
                if requests.get(self.root + "api/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()


def publish(root: str, dataset: str, body: bytes, tokens: dict[str, str], marks: dict[str, float]) -> None:
    """Upload, submit, approve; notes when each step answered (a killed server answers nothing)."""
    try:
        start = time.monotonic()
        r = requests.post(
            f"{root}api/datasets/{dataset}/versions?access=commercial",
            data=body,
            timeout=120,
            headers={"Authorization": f"Bearer {tokens['acme']}", "Content-Type": "text/turtle"},
        )
        assert r.status_code == 201, r.text
        marks["uploaded"] = time.monotonic() - start
        for action, who in (("submit", "acme"), ("approve", "reviewer")):
            r = requests.post(
                f"{root}api/datasets/{dataset}/versions/1/{action}",
                timeout=60,
                headers={"Authorization": f"Bearer {tokens[who]}"},
            )
            assert r.status_code == 200, r.text
        marks["published"] = time.monotonic() - start
    except requests.ConnectionError:
        marks["killed"] = time.monotonic() - start


def check(url: str, expected: dict[str, int] | None, datasets: list[str]) -> dict[str, str]:
    """Every dataset wholly there or wholly absent, public only when published; nothing left over."""
    store = open_store(url)
    try:
        counts = store.graphs()
        versions = access.snapshot(store).versions
        public = set(access.public_graphs(store))
        states = {}
        for ds in datasets:
            graph = BASE + f"dataset/{ds}/1"
            parts = [graph, graph + "/values"]
            v = versions.get(graph)
            if v is None:
                assert not any(p in counts for p in parts), f"{ds}: graphs without a record"
                states[ds] = "absent"
                continue
            assert v.recorded and v.in_store and v.values == graph + "/values"
            if expected is not None:
                assert [counts.get(p) for p in parts] == [expected["graph"], expected["values"]], ds
            assert (graph in public) == (v.status == "Published"), ds
            assert v.values not in public
            states[ds] = v.status or "?"
        leftovers = [
            g
            for g in counts
            if g.startswith(BASE + "dataset/")
            and g not in versions
            and g.removesuffix("/values") not in versions
        ]
        assert not leftovers, leftovers
        assert not store.ask(f"ASK {{ GRAPH <{SYSTEM_GRAPH}> {{ <{publishing.PENDING}> ?p ?o }} }}")
        assert_public_view(store)
        return states
    finally:
        store.close()


def _triples(store, graph: str) -> set[bytes]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return set((ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b"").splitlines())


def assert_public_view(store) -> None:
    """The public read model (checked by the sync at start) holds exactly the public graphs, triple
    for triple, and nothing else; no note of a change left uncarried."""
    public = set(access.public_graphs(store))
    assert {g.value for g in store.view.named_graphs()} == public
    for graph in public:
        assert _triples(store.view, graph) == _triples(store.pyoxigraph, graph), graph
    assert not store.ask(f"ASK {{ GRAPH <{SYSTEM_GRAPH}> {{ <{VIEW_NODE}> ?p ?o }} }}")


def test_killed_during_upload_and_publish(tmp_path):
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    store = open_store(url)
    ensure_base_uri(store, BASE)
    for publisher in ("acme", "efreg"):
        ensure_publisher(store, BASE, publisher)
    tokens = {
        "acme": create_token(store, "acme", "publisher"),
        "reviewer": create_token(store, "efreg", "reviewer"),
    }
    store.close()
    log = tmp_path / "server.log"
    rng = random.Random(int(os.environ.get("EFREG_CRASH_SEED", "6")))

    # calibration: one publish that is not interrupted gives the size of a whole version and the timing
    server = Server(url, log)
    marks: dict[str, float] = {}
    publish(
        server.root, "crash-0", _module.factors("crash-0", 1, "acme", range(FACTORS)).encode(), tokens, marks
    )
    server.kill()
    assert "published" in marks
    calibration = marks
    estimate = marks["uploaded"]  #: when the upload answers, from the latest run that saw it
    whole = open_store(url)
    counts = whole.graphs()
    whole.close()
    expected = {
        "graph": counts[BASE + "dataset/crash-0/1"],
        "values": counts[BASE + "dataset/crash-0/1/values"],
    }
    assert expected["values"] > FACTORS * 4
    datasets = ["crash-0"]
    outcomes: list[tuple[float, str, dict[str, float]]] = []
    for i in range(1, ITERATIONS + 1):
        dataset = f"crash-{i}"
        datasets.append(dataset)
        body = _module.factors(dataset, 1, "acme", range(FACTORS)).encode()
        server = Server(url, log)
        marks = {}
        worker = threading.Thread(target=publish, args=(server.root, dataset, body, tokens, marks))
        # around the end of the upload (the validation takes most of it): the write, submit and release
        delay = estimate + rng.uniform(-0.3, 0.15)
        worker.start()
        time.sleep(delay)
        server.kill()
        worker.join(timeout=120)
        estimate = marks.get("uploaded", estimate)
        restarted = Server(url, log)  # recovers at start
        restarted.kill()
        states = check(url, expected, datasets)
        outcomes.append((round(delay, 2), states[dataset], dict(marks)))
    assert check(url, expected, datasets)["crash-0"] == "Published"
    print("calibration:", calibration, "kill delay, state after restart, steps answered:", outcomes)


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
