"""Crash safety at scale (issue 14, deliverable 5): ``kill -9`` at random points of a large import,
through the HTTP API and through the command line, then the checks.

    python -m benchmarks.crash --factors 100000 --trials 50 [--via api --via cli] [--seed 6]

A template store holds one commercial dataset of ``--factors`` factors, published (the calibration
run, which also gives each step's duration and the size of a whole version), the publisher's and a
reviewer's tokens. Every trial starts from a RocksDB checkpoint of the template (the store and its
public read model) and imports one more dataset of the same size as a commercial upload, a
submission and an approval:

* ``api``: ``efreg serve`` takes ``POST /api/datasets/{id}/versions``, ``…/submit``, ``…/approve``;
* ``cli``: ``efreg dataset upload --access commercial``, ``efreg dataset submit``, ``efreg dataset
  approve``, one process after the other;

and the process doing it gets SIGKILL at a moment drawn uniformly over the calibrated duration of
the three steps. Then ``efreg dataset recover`` (what ``efreg serve`` runs at start) and
:func:`check`: the store opens; every dataset version is wholly there (its graph and its values
graph, each with every triple, and a record) or wholly absent (no graph, no record, no pending
note); a version is public exactly when it is published, its values graph never; the public read
model holds exactly the public graphs, triple for triple, with no note left uncarried.
Results go to ``benchmarks/out/crash.json`` and a table on standard output. tests/test_crash.py
runs the same trials, a few, at a few thousand factors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

from benchmarks.generate import publishing_factors
from benchmarks.virtuoso import free_port
from registry.publishing import access
from registry.publishing import workflow as publishing
from registry.publishing.tokens import create_token, ensure_publisher
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import open_store
from registry.store.meta import VIEW_NODE, ensure_base_uri
from registry.store.public_model import VIEW_DIR

BASE = "http://localhost:8080/"
ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
PUBLISHER = "acme"
STEPS = ("upload", "submit", "approve")


def env(code: Path = ROOT) -> dict[str, str]:
    """The environment of the processes under test: 100k factors of Turtle are about 80 MB, more
    than the default upload limit (``max_upload_bytes``), which the trials raise."""
    return {
        **os.environ,
        "PYTHONPATH": str(code),
        "EFREG_BASE_URI": BASE,
        "EFREG_MAX_UPLOAD_BYTES": str(1 << 30),
    }


# --- the checks -----------------------------------------------------------------------------------


def _triples(store: ox.Store, graph: str) -> set[bytes]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return set((ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b"").splitlines())


def assert_public_view(store) -> None:  # noqa: ANN001 - an OxigraphStore
    """The public read model holds exactly the public graphs, triple for triple, and nothing else;
    no note of a change left uncarried."""
    public = set(access.public_graphs(store))
    assert {g.value for g in store.view.named_graphs()} == public
    for graph in public:
        assert _triples(store.view, graph) == _triples(store.pyoxigraph, graph), graph
    assert not store.ask(f"ASK {{ GRAPH <{SYSTEM_GRAPH}> {{ <{VIEW_NODE}> ?p ?o }} }}")


def check(url: str, expected: dict[str, int] | None, datasets: list[str]) -> dict[str, str]:
    """Every dataset (version 1, commercial) wholly there or wholly absent, public only when
    published; nothing left over; the public read model equal to the public graphs. ``expected``:
    the triple counts of a whole version's ``graph`` and ``values``. Returns each dataset's state."""
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
            assert v.recorded and v.in_store and v.values == graph + "/values", ds
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


# --- the template ---------------------------------------------------------------------------------


def checkpoint(source: Path, target: Path) -> None:
    """``target``: a RocksDB checkpoint of the store at ``source`` and of its public read model."""
    shutil.rmtree(target, ignore_errors=True)
    for part in ("", VIEW_DIR):
        store = ox.Store(str(source / part) if part else str(source))
        store.backup(str(target / part) if part else str(target))
        del store


@dataclass
class Template:
    store_dir: Path
    tokens: dict[str, str]
    body: Callable[[str], bytes]  #: the Turtle of a dataset of the template's size
    expected: dict[str, int] = field(default_factory=dict)  #: triples of a whole version
    dataset: str = ""  #: the template's own dataset (published by the first calibration)
    durations: dict[str, dict[str, float]] = field(default_factory=dict)  #: per way, per step


def make_template(workdir: Path, factors: int) -> Template:
    store_dir = workdir / "template"
    url = "oxigraph://" + store_dir.as_posix()
    store = open_store(url)
    ensure_base_uri(store, BASE)
    for publisher in (PUBLISHER, "efreg"):
        ensure_publisher(store, BASE, publisher)
    tokens = {
        PUBLISHER: create_token(store, PUBLISHER, "publisher"),
        "reviewer": create_token(store, "efreg", "reviewer"),
    }
    publishing.recover(store, BASE)  # the public read model made
    store.close()

    def body(dataset: str) -> bytes:
        return publishing_factors(dataset, 1, PUBLISHER, range(factors)).encode("utf-8")

    return Template(store_dir, tokens, body)


# --- the two ways of importing, each killed at a moment -------------------------------------------


class ApiWay:
    """``efreg serve`` on the store; the steps over HTTP; SIGKILL to the server."""

    name = "api"

    def __init__(self, store_dir: Path, log: Path, code: Path = ROOT) -> None:
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}/"
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--store", "oxigraph://" + store_dir.as_posix()]
            + ["--base-uri", BASE, "--port", str(self.port), "--no-seeds", "--workers", "4"],
            cwd=code,
            env=env(code),
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"efreg serve exited; see {log}")
            try:
                if requests.get(self.root + "api/openapi.json", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("efreg serve did not start")

    def run(self, dataset: str, body: bytes, tokens: dict[str, str], marks: dict[str, float]) -> None:
        started = time.monotonic()
        headers = {PUBLISHER: {"Authorization": f"Bearer {tokens[PUBLISHER]}"}}
        headers["reviewer"] = {"Authorization": f"Bearer {tokens['reviewer']}"}
        calls = [
            ("upload", f"api/datasets/{dataset}/versions?access=commercial", PUBLISHER, body, 201),
            ("submit", f"api/datasets/{dataset}/versions/1/submit", PUBLISHER, None, 200),
            ("approve", f"api/datasets/{dataset}/versions/1/approve", "reviewer", None, 200),
        ]
        try:
            for step, path, who, data, expected in calls:
                response = requests.post(
                    self.root + path,
                    data=data,
                    timeout=3600,
                    headers={**headers[who], "Content-Type": "text/turtle"},
                )
                assert response.status_code == expected, response.text[:2000]
                marks[step] = time.monotonic() - started
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):  # killed mid-answer
            marks["killed"] = time.monotonic() - started

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)
        self.log.close()


class CliWay:
    """``efreg dataset upload / submit / approve``, one process after the other; SIGKILL to the one
    running."""

    name = "cli"

    def __init__(self, store_dir: Path, log: Path, code: Path = ROOT) -> None:
        self.url, self.log, self.code = "oxigraph://" + store_dir.as_posix(), log.open("ab"), code
        self.current: subprocess.Popen | None = None
        self.killed = False
        self.lock = threading.Lock()

    def run(self, dataset: str, body: bytes, tokens: dict[str, str], marks: dict[str, float]) -> None:
        started = time.monotonic()
        path = Path(tempfile.mkdtemp(prefix="efreg-crash-")) / f"{dataset}.ttl"
        path.write_bytes(body)
        store = ["--store", self.url, "--base-uri", BASE]
        commands = [
            ("upload", ["upload", "--access", "commercial", "--publisher", PUBLISHER, dataset, str(path)]),
            ("submit", ["submit", dataset, "1", "--as", PUBLISHER]),
            ("approve", ["approve", dataset, "1"]),
        ]
        try:
            for step, args in commands:
                with self.lock:
                    if self.killed:
                        return
                    self.current = subprocess.Popen(
                        [sys.executable, "-m", "registry.cli", "dataset", *args, *store],
                        cwd=self.code,
                        env=env(self.code),
                        stdout=self.log,
                        stderr=self.log,
                    )
                code = self.current.wait()
                if code == -signal.SIGKILL:
                    marks["killed"] = time.monotonic() - started
                    return
                assert code == 0, f"efreg dataset {step} exited {code}"
                marks[step] = time.monotonic() - started
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)

    def kill(self) -> None:
        with self.lock:
            self.killed = True
            if self.current is not None and self.current.poll() is None:
                self.current.send_signal(signal.SIGKILL)
        self.log.close()


WAYS = {"api": ApiWay, "cli": CliWay}


def recover(store_dir: Path, log: Path, code: Path = ROOT) -> None:
    """``efreg dataset recover`` on the store (what ``efreg serve`` runs at start)."""
    with log.open("ab") as out:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "registry.cli",
                "dataset",
                "recover",
                "--store",
                "oxigraph://" + store_dir.as_posix(),
            ]
            + ["--base-uri", BASE],
            cwd=code,
            env=env(code),
            stdout=out,
            stderr=out,
            timeout=3600,
        )
    assert done.returncode == 0, f"efreg dataset recover exited {done.returncode}; see {log}"


def calibrate(template: Template, way: str, workdir: Path) -> None:
    """One import through ``way`` that is not interrupted, into the template itself the first time
    (its dataset stays there, published: every trial checks it is left whole) and into a checkpoint
    after: each step's duration, and the size of a whole version."""
    first = not template.expected
    target = template.store_dir if first else workdir / f"calibrate-{way}"
    if not first:
        checkpoint(template.store_dir, target)
    log = workdir / f"{way}.log"
    dataset = f"calibration-{way}"
    runner = WAYS[way](target, log)
    marks: dict[str, float] = {}
    runner.run(dataset, template.body(dataset), template.tokens, marks)
    runner.kill()  # the server (api); nothing is running any more (cli)
    assert all(step in marks for step in STEPS), f"the calibration import through {way} failed: {marks}"
    template.durations[way] = marks
    if first:
        store = open_store("oxigraph://" + target.as_posix())
        counts = store.graphs()
        store.close()
        graph = BASE + f"dataset/{dataset}/1"
        template.expected = {"graph": counts[graph], "values": counts[graph + "/values"]}
        template.dataset = dataset
        recover(target, log)
    else:
        shutil.rmtree(target, ignore_errors=True)


@dataclass
class Trial:
    way: str
    number: int
    delay: float  #: seconds after the first step began when the kill came
    state: str  #: of the trial's dataset after recovery: absent, Draft, Submitted, Published
    steps: dict[str, float]  #: the steps that answered, and when
    seconds: float  #: the whole trial (checkpoint, start, import, kill, recovery, checks)
    error: str | None = None  #: a check that failed


def trial(
    template: Template, way: str, number: int, rng: random.Random, workdir: Path, delay: float | None = None
) -> Trial:
    """Import one dataset through ``way`` into a checkpoint of the template, kill it after
    ``delay`` seconds (default: drawn uniformly over the calibrated import), recover and check."""
    started = time.monotonic()
    store_dir = workdir / "trial"
    checkpoint(template.store_dir, store_dir)
    log = workdir / f"{way}.log"
    runner = WAYS[way](store_dir, log)
    dataset = f"crash-{way}-{number}"
    body = template.body(dataset)
    if delay is None:
        delay = rng.uniform(0.0, template.durations[way]["approve"])
    marks: dict[str, float] = {}
    worker = threading.Thread(target=runner.run, args=(dataset, body, template.tokens, marks))
    worker.start()
    time.sleep(delay)
    runner.kill()
    worker.join(timeout=600)
    error = None
    state = "?"
    try:
        recover(store_dir, log)
        states = check("oxigraph://" + store_dir.as_posix(), template.expected, [template.dataset, dataset])
        assert states[template.dataset] == "Published", states
        state = states[dataset]
    except AssertionError as exc:
        error = str(exc)[:2000] or repr(exc)
        shutil.copytree(store_dir, workdir / f"failed-{way}-{number}", dirs_exist_ok=True)
    shutil.rmtree(store_dir, ignore_errors=True)
    steps = {k: round(v, 2) for k, v in marks.items()}
    return Trial(way, number, round(delay, 2), state, steps, round(time.monotonic() - started, 1), error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=50, help="per way")
    parser.add_argument("--via", action="append", choices=sorted(WAYS), help="api, cli (default: both)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    ways = args.via or ["api", "cli"]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="efreg-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    started = time.monotonic()
    template = make_template(workdir, args.factors)
    for way in ways:
        print(f"calibrating {way} at {args.factors} factors", file=sys.stderr)
        calibrate(template, way, workdir)
        print(f"  {template.durations[way]}", file=sys.stderr)
    trials: list[Trial] = []
    command = " ".join(["python -m benchmarks.crash", *(argv if argv is not None else sys.argv[1:])])
    OUT.mkdir(exist_ok=True)
    for number in range(args.trials):
        for way in ways:
            found = trial(template, way, number, rng, workdir)
            trials.append(found)
            print(json.dumps(found.__dict__), file=sys.stderr)
            report = {  # written after every trial: a long run stopped early still leaves its figures
                "command": command,
                "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores",
                "factors": args.factors,
                "whole_version_triples": template.expected,
                "calibration_seconds": template.durations,
                "hours": round((time.monotonic() - started) / 3600, 2),
                "trials": [t.__dict__ for t in trials],
            }
            (OUT / "crash.json").write_text(json.dumps(report, indent=2))
    print("| way | trials | failed checks | absent | Draft | Submitted | Published |")
    print("|---|---|---|---|---|---|---|")
    for way in ways:
        mine = [t for t in trials if t.way == way]
        states = Counter(t.state for t in mine)
        print(
            f"| {way} | {len(mine)} | {sum(1 for t in mine if t.error)} | {states['absent']} "
            f"| {states['Draft']} | {states['Submitted']} | {states['Published']} |"
        )
    if args.workdir is None and not any(t.error for t in trials):
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if any(t.error for t in trials) else 0


if __name__ == "__main__":
    sys.exit(main())
