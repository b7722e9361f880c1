"""Reads under writes (issue 14, deliverable 4): many readers and a few publishers at once, over
real HTTP against ``efreg serve`` (waitress) on loopback.

    python -m benchmarks.readwrite --clients 64 --seconds 60 [--factors 10000]
        [--code /path/to/another/tree --code .]   # the same run against several code trees

The store is generated once (``benchmarks.generate``), released, given four publishers and a
reviewer with real tokens, and copied afresh for every server. Then, for ``--seconds``:

* ``clients - writers`` readers (``wrk`` with ``deref.lua``, keep-alive connections) GET a shuffled
  mix of factor and dataset documents (Turtle, HTML), SPARQL queries of the benchmark mix (a few
  hundred texts, each asked again and again, as clients do), searches and the VoID description;
* ``writers`` publishers (Python threads, one token each) upload a small dataset (``--rows``
  factors, Turtle) as a draft, submit it and have the reviewer approve it, over and over.

Before the measured seconds every distinct read is requested once (``--warm``, the default since
session 7; ``--no-warm``: only a 2 s warm-up, as the earlier sessions measured).

Of the readers, ``--probes`` (4) are Python threads that time each read by kind (factor Turtle and
HTML, dataset page, SPARQL, search, VoID) and note whether an approve was under way: the table by
kind says which reads make the tail. ``--timeline FILE``: each probe's read and each write, timed
from the measured start; ``--profile PREFIX``: py-spy's stacks of the server for the measured
seconds (``PREFIX.idle.txt`` every thread, waiting or not; ``PREFIX.gil.txt`` the GIL's holder).

Afterwards every acknowledged write is read back (a lost write is one answered 201/200 whose
version is not there in that state), and the server's log is searched for tracebacks. With several
``--code`` trees the runs alternate tree by tree (``--rounds``), each on a fresh copy of the same
store, so that before/after figures are measured side by side on a shared, noisy machine. Results
go to ``benchmarks/out/readwrite.json`` and a Markdown table on standard output; nothing here asserts.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import requests

from benchmarks.generate import Sizes, generate, layout, publishing_factors
from benchmarks.queries import MIX, factor_path
from benchmarks.run import OUT, percentile, run_wrk
from benchmarks.virtuoso import free_port
from registry.publishing.catalog import refresh_versions
from registry.publishing.tokens import create_token, ensure_publisher
from registry.store import open_store
from registry.store.meta import ensure_base_uri

BASE = "http://localhost:8080/"
ROOT = Path(__file__).resolve().parents[1]
WRITERS = ("w0", "w1", "w2", "w3")
#: The light questions of the mix (the heavy ones take seconds at 100k factors whatever the load).
QUESTIONS = ("describe", "select-fallback", "label-search", "provenance", "facets", "latest-versions")
SEARCHES = ("coal", "natural gas", "steel", "cement", "电力", "diesel")


def prepare(workdir: Path, factors: int, seed: int) -> tuple[Path, dict[str, str]]:
    """A released store of ``factors`` generated factors, with the writers' tokens."""
    data = workdir / "data.nq"
    with data.open("wb") as fh:
        generate(fh, Sizes(factors=factors), seed, BASE)
    store_dir = workdir / "template"
    store = open_store("oxigraph://" + store_dir.as_posix())
    ensure_base_uri(store, BASE)
    store.load(data, "nquads")
    refresh_versions(store, BASE)
    for name in WRITERS:
        ensure_publisher(store, BASE, name, f"Writer {name}")
    tokens = {name: create_token(store, name, "publisher") for name in WRITERS}
    tokens["reviewer"] = create_token(store, "efreg", "reviewer")
    store.pyoxigraph.optimize()
    store.close()
    return store_dir, tokens


def read_mix(sizes: Sizes, seed: int, count: int = 2000) -> list[str]:
    """``count`` read requests as ``Accept<TAB>path`` lines (deref.lua), shuffled."""
    rng = random.Random(seed)
    mix = {q.name: q for q in MIX}
    queries = [mix[name] for name in QUESTIONS if name in mix]
    datasets = len(layout(sizes))
    lines = []
    for i in range(count):
        kind = i % 10
        if kind < 4:
            lines.append("text/turtle\t/" + factor_path(rng, sizes) + ".ttl")
        elif kind == 4:
            lines.append("text/html\t/" + factor_path(rng, sizes) + ".html")
        elif kind == 5:
            lines.append(f"text/html\t/dataset/bench-{rng.randrange(datasets):05d}/1.html")
        elif kind < 8:
            q = queries[rng.randrange(len(queries))]
            text = q.render(random.Random(rng.randrange(50)), sizes, BASE)
            lines.append(f"{q.accept}\t/sparql?" + urlencode({"query": text}, quote_via=quote))
        elif kind == 8:
            lines.append("text/html\t/search?" + urlencode({"q": rng.choice(SEARCHES)}, quote_via=quote))
        else:
            lines.append("text/turtle\t/void.ttl")
    rng.shuffle(lines)
    return lines


def kind_of(line: str) -> str:
    """The kind of a read line of :func:`read_mix` (the per-kind figures of :class:`Probes`)."""
    accept, path = line.split("\t", 1)
    if path.startswith("/sparql"):
        return "sparql"
    if path.startswith("/search"):
        return "search"
    if path.startswith("/void"):
        return "void"
    if path.startswith("/dataset/"):
        return "dataset-html"
    return "factor-html" if accept == "text/html" else "factor-ttl"


@dataclass
class Probes:
    """A few readers besides wrk (``--probes``) that time each read by kind and note when it began,
    so the tail can be put down to a kind of read, and to the releases under way at the time."""

    samples: list[tuple[float, str, float, int]] = field(default_factory=list)  #: (start, kind, s, status)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, url: str, lines: list[str], offset: int, deadline: float) -> None:
        session = requests.Session()
        i = offset
        while time.perf_counter() < deadline:
            line = lines[i % len(lines)]
            i += 1
            accept, path = line.split("\t", 1)
            started = time.perf_counter()
            try:
                status = session.get(
                    url.rstrip("/") + path, headers={"Accept": accept}, timeout=60
                ).status_code
            except requests.RequestException:
                status = 0
            with self.lock:
                self.samples.append((started, kind_of(line), time.perf_counter() - started, status))

    def figures(self, releases: list[tuple[float, float]]) -> dict[str, dict]:
        """p50/p99/max (ms) by kind, and of all reads begun during a release (approve) or outside."""

        def during(start: float, seconds: float) -> bool:
            return any(a < start + seconds and start < b for a, b in releases)

        groups: dict[str, list[float]] = {}
        for start, kind, seconds, _status in self.samples:
            for name in (kind, "during-approve" if during(start, seconds) else "outside-approve", "all"):
                groups.setdefault(name, []).append(seconds)
        return {
            name: {
                "n": len(v),
                "p50_ms": round(percentile(v, 0.5) * 1000, 1),
                "p99_ms": round(percentile(v, 0.99) * 1000, 1),
                "max_ms": round(max(v) * 1000, 1),
            }
            for name, v in sorted(groups.items())
        }


def warm(url: str, lines: list[str], threads: int = 8) -> None:
    """Every distinct read of the mix once (``threads`` at a time), before anything is measured: the
    run then measures a server whose kept documents and answers are built, under writes, not its
    first builds (a cold start, which the measured seconds would otherwise mostly be at 5,000+
    factors: ~36 s of single-thread building for the mix's ~1,100 distinct reads)."""

    def get(line: str) -> None:
        accept, path = line.split("\t", 1)
        requests.get(url.rstrip("/") + path, headers={"Accept": accept}, timeout=300)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, sorted(set(lines))))


class Server:
    """``efreg serve`` from the code tree ``code`` on a copy of the store."""

    def __init__(self, code: Path, store_dir: Path, log: Path, threads: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log
        env = {**os.environ, "PYTHONPATH": str(code)}
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "registry.cli",
                    "serve",
                    "--store",
                    "oxigraph://" + store_dir.as_posix(),
                ]
                + ["--base-uri", BASE, "--port", str(self.port), "--no-seeds", "--workers", str(threads)],
                cwd=code,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("efreg serve exited: " + log.read_text(errors="replace")[-2000:])
            try:
                if requests.get(self.url + "sparql", params={"query": "ASK {}"}, timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("efreg serve did not answer in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Writes:
    latencies: list[float] = field(default_factory=list)
    #: (start, end) of each approve (a release), for :meth:`Probes.figures`
    releases: list[tuple[float, float]] = field(default_factory=list)
    #: (step, start, end) of every write, for the time line (``--timeline``)
    steps: list[tuple[str, float, float]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)  #: dataset -> last state answered
    attempted: dict[str, str] = field(default_factory=dict)  #: dataset -> the state asked for next
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, started: float, status: str) -> None:
        with self.lock:
            self.latencies.append(time.perf_counter() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1


def writer(url: str, name: str, tokens: dict[str, str], rows: int, deadline: float, out: Writes) -> None:
    """Upload, submit and approve new datasets of ``rows`` factors until ``deadline``."""
    session = requests.Session()
    mine = {"Authorization": f"Bearer {tokens[name]}"}
    reviewer = {"Authorization": f"Bearer {tokens['reviewer']}"}
    n = 0
    while time.perf_counter() < deadline:
        dataset = f"rw-{name}-{n}"
        n += 1
        body = publishing_factors(dataset, 1, name, range(rows)).encode("utf-8")
        steps = [
            ("Draft", f"api/datasets/{dataset}/versions", mine, body, 201),
            ("Submitted", f"api/datasets/{dataset}/versions/1/submit", mine, None, 200),
            ("Published", f"api/datasets/{dataset}/versions/1/approve", reviewer, None, 200),
        ]
        for state, path, headers, data, expected in steps:
            with out.lock:
                out.attempted[dataset] = state
            started = time.perf_counter()
            try:
                response = session.post(
                    url + path, data=data, timeout=120, headers={**headers, "Content-Type": "text/turtle"}
                )
                status = str(response.status_code)
            except requests.RequestException as exc:
                status = type(exc).__name__
            out.note(started, status)
            with out.lock:
                out.steps.append((state, started, time.perf_counter()))
                if state == "Published":
                    out.releases.append((started, time.perf_counter()))
            if status != str(expected):
                break
            with out.lock:
                out.acknowledged[dataset] = state


def lost_writes(url: str, tokens: dict[str, str], writes: Writes) -> list[str]:
    """The acknowledged writes whose version is not there in the state last answered (or in the
    state of the step asked for after it, which may have been done without its answer arriving)."""
    session = requests.Session()
    lost = []
    for dataset, state in writes.acknowledged.items():
        owner = dataset.split("-")[1]
        response = session.get(  # the server may still be working off the readers' backlog
            url + f"api/datasets/{dataset}/versions/1",
            headers={"Authorization": f"Bearer {tokens[owner]}", "Accept": "application/json"},
            timeout=900,
        )
        found = response.json().get("status", "") if response.ok else f"HTTP {response.status_code}"
        if str(found).lower() not in (state.lower(), writes.attempted[dataset].lower()):
            lost.append(f"{dataset}: acknowledged {state}, found {found}")
    return lost


def run_once(
    code: Path, template: Path, tokens: dict[str, str], args: argparse.Namespace, workdir: Path
) -> dict:
    store_dir = workdir / "store"
    shutil.rmtree(store_dir, ignore_errors=True)
    shutil.copytree(template, store_dir)
    log = workdir / f"server-{code.name}.log"
    server = Server(code, store_dir, log, args.threads)
    sizes = Sizes(factors=args.factors)
    lines = read_mix(sizes, args.seed)
    try:
        if args.warm:
            warm(server.url, lines)
        run_wrk("wrk", server.url, lines, 2, min(8, args.clients), 1)  # warm-up, not recorded
        writes, probes = Writes(), Probes()
        deadline = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(target=writer, args=(server.url, name, tokens, args.rows, deadline, writes))
            for name in WRITERS[: args.writers]
        ] + [
            threading.Thread(target=probes.run, args=(server.url, lines, 137 * k, deadline))
            for k in range(args.probes)
        ]
        for t in threads:
            t.start()
        spies = []
        for how in ("idle", "gil") if args.profile else ():  # every thread's stack; the GIL holder's
            spies.append(
                subprocess.Popen(
                    [shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")), "record"]
                    + ["--nonblocking", "--threads", f"--{how}", "-r", "50", "-f", "raw"]
                    + ["-d", str(round(args.seconds)), "-p", str(server.process.pid)]
                    + ["-o", f"{args.profile}.{how}.txt"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        readers = args.clients - args.writers - args.probes
        reads = run_wrk("wrk", server.url, lines, args.seconds, readers, args.wrk_threads)
        for spy in spies:
            spy.wait(timeout=120)
        if args.timeline:  # every probe's read and every write, in seconds from the measured start
            start = deadline - args.seconds
            args.timeline.write_text(
                json.dumps(
                    {
                        "reads": [
                            (round(a - start, 4), k, round(s, 4), st) for a, k, s, st in probes.samples
                        ],
                        "writes": [(w, round(a - start, 4), round(b - start, 4)) for w, a, b in writes.steps],
                    }
                )
            )
        for t in threads:
            t.join(timeout=300)
        lost = lost_writes(server.url, tokens, writes)
        alive = server.process.poll() is None
    finally:
        server.stop()
    text = log.read_text(errors="replace")
    statuses = reads["error_statuses"]
    seconds = reads["duration_us"] / 1e6
    write_5xx = sum(n for s, n in writes.statuses.items() if s.startswith("5"))
    return {
        "code": str(code),
        "reads": reads["requests"],
        "reads_per_s": reads["requests"] / seconds,
        "requests_per_s": (reads["requests"] + len(probes.samples) + len(writes.latencies)) / seconds,
        "read_p50_ms": reads["p50_us"] / 1000,
        "read_p99_ms": reads["p99_us"] / 1000,
        "read_max_ms": reads["max_us"] / 1000,
        "read_errors": statuses,
        "by_kind": probes.figures(writes.releases),
        "read_5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "writes": len(writes.latencies),
        "write_statuses": writes.statuses,
        "write_5xx": write_5xx,
        "write_p50_ms": percentile(writes.latencies, 0.5) * 1000 if writes.latencies else None,
        "write_p99_ms": percentile(writes.latencies, 0.99) * 1000 if writes.latencies else None,
        "datasets_published": sum(1 for s in writes.acknowledged.values() if s == "Published"),
        "lost_writes": lost,
        "server_alive": alive,
        "tracebacks": text.count("Traceback"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64, help="connections in all (readers + writers)")
    parser.add_argument("--writers", type=int, default=4, choices=range(0, len(WRITERS) + 1))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--factors", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=20, help="factors of each uploaded dataset")
    parser.add_argument("--threads", type=int, default=8, help="efreg serve --workers")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--probes", type=int, default=4, help="of the readers, those timing each read by kind (Python)"
    )
    parser.add_argument(
        "--timeline", type=Path, default=None, help="the probes' reads and the writes, timed, to this file"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="py-spy's collapsed stacks of the server (PROFILE.idle.txt: every thread; PROFILE.gil.txt: "
        "the thread holding the GIL)",
    )
    parser.add_argument(
        "--code", type=Path, action="append", help="code tree(s) to serve (default: this one)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs per code tree, alternating")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="request every distinct read once before the run (--no-warm: a 2 s warm-up only, "
        "as before session 7)",
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("needs wrk on PATH (apt-get install wrk)")
    codes = [c.resolve() for c in (args.code or [ROOT])]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="efreg-readwrite-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"preparing {args.factors} factors in {workdir}", file=sys.stderr)
    template, tokens = prepare(workdir, args.factors, args.seed)
    runs = []
    for round_no in range(args.rounds):
        for code in codes if round_no % 2 == 0 else list(reversed(codes)):
            print(f"round {round_no + 1}: {code}", file=sys.stderr)
            result = run_once(code, template, tokens, args, workdir)
            result["round"] = round_no + 1
            runs.append(result)
            print(json.dumps(result), file=sys.stderr)
    report = {
        "command": " ".join(
            ["python -m benchmarks.readwrite", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end",
        "clients": args.clients,
        "writers": args.writers,
        "seconds": args.seconds,
        "factors": args.factors,
        "runs": runs,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "readwrite.json").write_text(json.dumps(report, indent=2))
    print("| code | round | req/s | reads/s | read p50 ms | read p99 ms | 5xx | writes | published | lost |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {Path(r['code']).name} | {r['round']} | {r['requests_per_s']:.0f} | {r['reads_per_s']:.0f} "
            f"| {r['read_p50_ms']:.0f} | {r['read_p99_ms']:.0f} | {r['read_5xx'] + r['write_5xx']} "
            f"| {r['writes']} | {r['datasets_published']} | {len(r['lost_writes'])} |"
        )
    print("\n| code | round | kind | reads | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|")
    for r in runs:
        for kind, f in r["by_kind"].items():
            print(
                f"| {Path(r['code']).name} | {r['round']} | {kind} | {f['n']} | {f['p50_ms']} "
                f"| {f['p99_ms']} | {f['max_ms']} |"
            )
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
