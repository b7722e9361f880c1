"""Benchmark runner: efreg (embedded Oxigraph, over HTTP) against Virtuoso 7 on the same data.

    python -m benchmarks --factors 10000 [--factors 100000] [--repeat 15] [--no-virtuoso]

For each size it generates the data (``benchmarks.generate``), loads the same N-Quads into a fresh
efreg store and a throwaway Virtuoso (``benchmarks.virtuoso``), starts ``efreg serve`` as its own
process, then runs the query mix (``benchmarks.queries``) against both ``/sparql`` endpoints from one
client, interleaved (the order alternates per round) — once as clients ask (efreg gives the answers
it kept when a text comes again) and once with every answer evaluated — and measures dereferencing
under concurrency, import throughput with and without SHACL, the server's peak RSS and its start-up
time. Results go to
``benchmarks/out/results.json`` and a Markdown table on standard output; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import math
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import requests

from benchmarks.generate import Sizes, generate
from benchmarks.queries import MIX, QUESTIONS, Query, factor_path
from benchmarks.virtuoso import VirtuosoServer, free_port
from registry.publishing import public_view
from registry.publishing.catalog import refresh_versions
from registry.store import open_store
from registry.store.meta import ensure_base_uri

BASE = "http://localhost:8080/"
OUT = Path(__file__).resolve().parent / "out"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class EfregServer:
    """``efreg serve`` as a child process on a free loopback port."""

    def __init__(self, store_dir: Path, threads: int = 8, analytic: bool = True) -> None:
        self.store_dir, self.threads, self.port = store_dir, threads, free_port()
        self.analytic = analytic
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 120.0) -> float:
        """Start and wait until ``/sparql`` answers; returns the seconds that took."""
        efreg = shutil.which("efreg", path=str(Path(sys.executable).parent)) or "efreg"
        env = {**os.environ, "EFREG_BASE_URI": BASE, "EFREG_QUERY_TIMEOUT": "120"}
        env["EFREG_ANALYTIC_REPLICA"] = "true" if self.analytic else "false"
        # The server's log goes to a file: a pipe nobody reads fills up (waitress logs a warning
        # whenever its task queue is deep) and then blocks the server's I/O loop.
        log = tempfile.TemporaryFile()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                efreg,
                "serve",
                "--no-seeds",
                "--port",
                str(self.port),
                "--workers",
                str(self.threads),
                "--store",
                "oxigraph://" + self.store_dir.as_posix(),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                log.seek(0)
                raise RuntimeError("efreg serve exited: " + log.read().decode()[-2000:])
            try:
                if requests.get(self.url + "sparql", params={"query": "ASK {}"}, timeout=2).ok:
                    return time.perf_counter() - started
            except (requests.ConnectionError, requests.Timeout):  # not listening yet; busy starting
                pass
            time.sleep(0.02)
        raise RuntimeError("efreg serve did not answer in time")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def _query(
    session: requests.Session | None, endpoint: str, query: str, accept: str
) -> tuple[float, bytes, bool]:
    """(seconds, body, whether the answer was kept from an earlier evaluation: efreg's
    ``Efreg-Answer: kept``). Without ``session``, on a connection of its own, opened and closed
    within the time measured (see :func:`run_mix`)."""
    if session is not None:
        started = time.perf_counter()
        response = session.post(endpoint, data={"query": query}, headers={"Accept": accept}, timeout=300)
        body = response.content
        elapsed = time.perf_counter() - started
        status, kept = response.status_code, response.headers.get("Efreg-Answer") == "kept"
    else:
        parts = urlsplit(endpoint)
        payload = urlencode({"query": query}).encode()
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
        try:
            conn.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""), payload, headers)
            answer = conn.getresponse()
            body = answer.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        status, kept = answer.status, answer.getheader("Efreg-Answer") == "kept"
    if status != 200:
        raise RuntimeError(f"{endpoint} answered {status}: {body[:300]!r}\n{query}")
    return elapsed, body, kept


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (efreg's query workers are forked children of the server)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                todo += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
            except OSError:
                pass
    return found


def cpu_seconds(pids: list[int]) -> float:
    """CPU time of every thread of ``pids`` so far (Linux ``schedstat``, nanoseconds; threads that
    ended are not counted): what a request cost a server, whatever else the machine is running."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total / 1e9


def count_rows(body: bytes, accept: str) -> int:
    """Solutions (SPARQL JSON) or triples (N-Triples) in an answer."""
    if accept == "application/sparql-results+json":
        return len(json.loads(body)["results"]["bindings"])
    return sum(1 for line in body.splitlines() if line.strip() and not line.startswith(b"#"))


def run_mix(
    endpoints: dict[str, str],
    sizes: Sizes,
    repeat: int,
    seed: int,
    rows: dict[str, dict[str, int]] | None = None,
    evaluate: bool = False,
    kept: dict[str, int] | None = None,
    queries: tuple[Query, ...] = MIX,
    keep_alive: bool = False,
    pids: dict[str, int] | None = None,
    cpu: dict[str, dict[str, list[float]]] | None = None,
) -> dict[str, dict[str, list[float]]]:
    """Every query of the mix, ``repeat`` rounds, both systems per round with alternating order.
    ``rows`` receives the answer size of each query in the (unrecorded) warm-up round, per system,
    so that a run where the systems disagree shows it; ``kept`` the number of answers per query that
    efreg gave from its kept answers. With ``evaluate``, each round's text ends with a comment of
    its own (to both systems), so that no answer is given from a table of kept answers.

    Each query goes on a connection of its own (as SPARQLWrapper and curl send them), unless
    ``keep_alive``: on one kept-alive connection per system, Virtuoso 7.2 (whose HTTP server leaves
    Nagle's algorithm on) waits for the client's delayed ACK, about 40 ms, on answers of some sizes
    (a 35 KB or 87 KB JSON answer: benchmarks/RESULTS.md, "Session 7"), a transport stall that is
    no part of evaluating the query and decided crosswalk's Virtuoso figure at random.

    ``cpu`` receives, per query and system of ``pids`` (the server's process id), the CPU seconds
    its process tree spent on each request: a figure a loaded machine distorts far less than time."""
    rng = random.Random(seed)
    session = requests.Session() if keep_alive else None
    times: dict[str, dict[str, list[float]]] = {q.name: {name: [] for name in endpoints} for q in queries}
    for q in queries:  # warm-up round, not recorded
        text = q.render(random.Random(seed), sizes, BASE)
        for name, endpoint in endpoints.items():
            body = _query(session, endpoint, text, q.accept)[1]
            if rows is not None:
                rows.setdefault(q.name, {})[name] = count_rows(body, q.accept)
    for round_no in range(repeat):
        order = list(endpoints.items()) if round_no % 2 == 0 else list(reversed(endpoints.items()))
        for q in queries:
            text = q.render(rng, sizes, BASE) + (f"\n# evaluated round {round_no}" if evaluate else "")
            for name, endpoint in order:
                tree = process_tree(pids[name]) if pids and name in pids else None
                before = cpu_seconds(tree) if tree else 0.0
                elapsed, _, was_kept = _query(session, endpoint, text, q.accept)
                times[q.name][name].append(elapsed)
                if tree is not None and cpu is not None:  # workers forked meanwhile count from birth
                    cpu.setdefault(q.name, {}).setdefault(name, []).append(
                        cpu_seconds(process_tree(pids[name])) - before
                    )
                if kept is not None:
                    kept[q.name] = kept.get(q.name, 0) + was_kept
    return times


def _deref_worker(
    url: str, paths: list[str], seconds: float, threads: int, offset: int, out: multiprocessing.Queue
) -> None:
    """One client process: ``threads`` keep-alive connections (http.client, lighter than requests)
    GETting ``paths`` round-robin until ``seconds`` have passed; puts (latencies, error statuses)."""
    parts = urlsplit(url)
    latencies: list[float] = []
    errors: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        i = offset + k
        mine: list[float] = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", parts.path + paths[i % len(paths)])
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            mine.append(time.perf_counter() - started)
            if status != "200":
                with lock:
                    errors[status] += 1
            i += threads * 97
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, dict(errors)))


def dereference(
    url: str,
    sizes: Sizes,
    seconds: float,
    concurrency: int,
    seed: int,
    processes: int = 2,
    warm: bool = False,
) -> dict[str, float]:
    """GET factor documents (Turtle), 500 paths round-robin, over ``concurrency`` keep-alive
    connections for ``seconds``; bounded by time, after a warm-up of up to a second that is not
    recorded (with ``warm``, first one GET of every path, so that every document is built). The load
    comes from ``wrk`` (C, ``processes`` threads) when it is on PATH, otherwise from ``processes``
    Python client processes (one Python process cannot load a server on the same cores). Every answer
    other than 200, and every socket error, counts as an error."""
    rng = random.Random(seed)
    paths = [factor_path(rng, sizes) + ".ttl" for _ in range(500)]
    if warm:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        for path in paths:
            conn.request("GET", parts.path + path)
            conn.getresponse().read()
        conn.close()
    wrk = shutil.which("wrk")
    if wrk:
        return _dereference_wrk(wrk, url, paths, seconds, concurrency, processes)
    ctx = multiprocessing.get_context("spawn")
    _run_clients(ctx, url, paths, min(1.0, seconds), concurrency, processes)  # warm-up
    started = time.perf_counter()
    results = _run_clients(ctx, url, paths, seconds, concurrency, processes)
    wall = time.perf_counter() - started
    latencies = [x for lat, _ in results for x in lat]
    errors: collections.Counter[str] = collections.Counter()
    for _, errs in results:
        errors.update(errs)
    return {
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_statuses": dict(errors),
        "req_per_s": len(latencies) / wall,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies, default=0.0) * 1000,
        "concurrency": concurrency,
        "client_processes": processes,
        "client": "python",
    }


WRK_SCRIPT = Path(__file__).resolve().parent / "deref.lua"


def run_wrk(wrk: str, url: str, lines: list[str], seconds: float, connections: int, threads: int) -> dict:
    """``wrk`` with ``deref.lua`` GETting ``lines`` (server-relative paths, or ``Accept<TAB>path``)
    over ``connections`` for whole ``seconds`` (at least one): the figures its ``done()`` prints."""
    with tempfile.NamedTemporaryFile("w", prefix="efreg-wrk-", suffix=".txt") as fh:
        fh.write("".join(line + "\n" for line in lines))
        fh.flush()
        duration = max(1, round(seconds))
        done = subprocess.run(
            [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "30s"]
            + ["--latency", "-s", str(WRK_SCRIPT), url, "--", fh.name],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 180,
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith("EFREG_RESULT ")), None)
    if line is None:
        raise RuntimeError("wrk printed no result: " + (done.stdout + done.stderr)[-2000:])
    return json.loads(line.split(" ", 1)[1])


def _dereference_wrk(
    wrk: str, url: str, paths: list[str], seconds: float, concurrency: int, threads: int
) -> dict[str, float]:
    """``dereference`` by wrk and ``deref.lua`` (whole seconds, at least one)."""
    threads = max(1, min(threads, concurrency))
    prefix = urlsplit(url).path
    lines = [prefix + p for p in paths]
    run_wrk(wrk, url, lines, 1, concurrency, threads)  # warm-up
    out = run_wrk(wrk, url, lines, seconds, concurrency, threads)
    statuses = out["error_statuses"]
    sockets = sum(n for key, n in statuses.items() if key.startswith("socket "))
    requests = out["requests"] + sockets
    return {
        "requests": requests,
        "errors": sum(statuses.values()),
        "error_statuses": statuses,
        "req_per_s": out["requests"] / (out["duration_us"] / 1e6),
        "p50_ms": out["p50_us"] / 1000,
        "p99_ms": out["p99_us"] / 1000,
        "max_ms": out["max_us"] / 1000,
        "concurrency": concurrency,
        "client_processes": 1,
        "client_threads": threads,
        "client": "wrk",
    }


def _run_clients(
    ctx: multiprocessing.context.BaseContext,
    url: str,
    paths: list[str],
    seconds: float,
    concurrency: int,
    processes: int,
) -> list[tuple[list[float], dict[str, int]]]:
    out = ctx.Queue()
    per = [concurrency // processes + (k < concurrency % processes) for k in range(processes)]
    procs = [
        ctx.Process(target=_deref_worker, args=(url, paths, seconds, n, k * 1000, out))
        for k, n in enumerate(per)
        if n
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return results


def shacl_import_rate(factors: int, seed: int, workdir: Path) -> dict[str, float]:
    """Input triples per second through the whole import gate (read + SHACL validation + store) on
    ``factors`` generated factors; also the quads stored (the data and the SHACL report of its
    warnings)."""
    from registry.config import Settings
    from registry.ingest import import_paths

    path = workdir / "shacl-slice.nq"
    with path.open("wb") as fh:
        triples = generate(fh, Sizes(factors=factors), seed, BASE)
    store = open_store("memory:")
    started = time.perf_counter()
    outcome = import_paths(
        store,
        [path],
        format="nquads",
        base_uri=BASE,
        dataset_id=None,
        publisher=None,
        settings=Settings(store="memory:", base_uri=BASE),
    )
    elapsed = time.perf_counter() - started
    return {
        "factors": factors,
        "triples": triples,
        "stored_quads": sum(store.graphs().values()),
        "seconds": elapsed,
        "triples_per_s": triples / elapsed,
        "conforms": outcome.report.conforms,
    }


def bench_size(factors: int, args: argparse.Namespace, workdir: Path) -> dict:
    sizes = Sizes(factors=factors)
    if args.store is not None:  # prepared by ``benchmarks.analytic`` (same generator and seed): no fill
        return serve_and_measure(
            factors, sizes, args.store, None, {"factors": factors, "store": str(args.store)}, args
        )
    data = workdir / f"bench-{factors}.nq"
    with data.open("wb") as fh:
        quads = generate(fh, sizes, args.seed, BASE)
    result: dict = {"factors": factors, "quads": quads}
    print(f"[{factors}] generated {quads} quads", file=sys.stderr)

    store_dir = workdir / f"efreg-{factors}"
    started = time.perf_counter()
    store = open_store("oxigraph://" + store_dir.as_posix())
    if args.bulk:  # the initial fill of an empty store, as Virtuoso's bulk loader fills its own
        store.pyoxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        result["bulk_load"] = {
            "seconds": time.perf_counter() - started,
            "triples_per_s": quads / (time.perf_counter() - started),
        }
    else:
        store.load(data, "nquads")
        load_s = time.perf_counter() - started
        result["import_no_shacl"] = {"seconds": load_s, "triples_per_s": quads / load_s}
    started = time.perf_counter()
    refresh_versions(store, BASE)
    result["catalog_refresh_s"] = time.perf_counter() - started
    started = time.perf_counter()  # compact after the fill, as Virtuoso's loader ends with a checkpoint
    store.pyoxigraph.optimize()
    result["optimize_s"] = time.perf_counter() - started
    if not args.no_analytic:  # the analytic replica, as the server would build it at its first start
        started = time.perf_counter()
        ensure_base_uri(store, BASE)  # the model filled now, as the server's start would fill it
        public_view.sync(store)
        replica = store.keep_analytic_replica(background=False)
        result["analytic_build_s"] = time.perf_counter() - started
        result["analytic_mb"] = replica.disk_bytes() / 1e6 if replica is not None else None
    store.close()
    result = serve_and_measure(factors, sizes, store_dir, data, result, args)
    if args.shacl_factors:
        result["import_shacl"] = shacl_import_rate(args.shacl_factors, args.seed, workdir)
        if args.bulk:  # the transactional import path, on the same sample as the SHACL figure
            result["import_no_shacl"] = transactional_import_rate(workdir / "shacl-slice.nq")
    return result


def serve_and_measure(
    factors: int, sizes: Sizes, store_dir: Path, data: Path | None, result: dict, args: argparse.Namespace
) -> dict:
    """``efreg serve`` on the filled store (and Virtuoso on ``data``): the mix, the questions and,
    unless ``--queries-only``, the rest."""
    server = EfregServer(store_dir, analytic=not args.no_analytic)
    virtuoso = None
    try:
        result["startup_s"] = server.start()
        endpoints = {"efreg": server.url + "sparql"}
        if not args.no_virtuoso:
            virtuoso = VirtuosoServer(
                buffers=args.virtuoso_buffers, dirty_buffers=args.virtuoso_buffers * 3 // 4
            )
            virtuoso.start()
            started = time.perf_counter()
            assert data is not None
            virtuoso.bulk_load(data)
            result["virtuoso_load_s"] = time.perf_counter() - started
            endpoints["virtuoso"] = virtuoso.sparql_url
        print(f"[{factors}] running the mix ({args.repeat} rounds)", file=sys.stderr)
        rows: dict[str, dict[str, int]] = {}
        kept: dict[str, int] = {}
        keep = args.keep_alive
        times = run_mix(endpoints, sizes, args.repeat, args.seed, rows, kept=kept, keep_alive=keep)
        result["queries"] = summarize(times)
        result["rows"], result["kept"], result["rounds"] = rows, kept, args.repeat
        print(f"[{factors}] the mix again, every answer evaluated", file=sys.stderr)
        pids = {"efreg": server.proc.pid} if server.proc is not None else {}
        if virtuoso is not None and virtuoso.process is not None:
            pids["virtuoso"] = virtuoso.process.pid
        cpu: dict[str, dict[str, list[float]]] = {}
        evaluated = run_mix(
            endpoints, sizes, args.repeat, args.seed + 1, evaluate=True, keep_alive=keep, pids=pids, cpu=cpu
        )
        result["queries_evaluated"] = summarize(evaluated, cpu)
        print(f"[{factors}] the ad-hoc questions, every answer evaluated", file=sys.stderr)
        adhoc_rows: dict[str, dict[str, int]] = {}
        result["adhoc_evaluated"] = summarize(
            run_mix(
                endpoints,
                sizes,
                args.repeat,
                args.seed + 2,
                adhoc_rows,
                evaluate=True,
                queries=QUESTIONS,
                keep_alive=keep,
            )
        )
        result["adhoc_rows"] = adhoc_rows
        if args.queries_only:
            result["peak_rss_mb"] = server.peak_rss_mb()
            return result
        print(f"[{factors}] dereferencing for {args.deref_seconds} s", file=sys.stderr)
        result["dereference_cold"] = dereference(
            server.url, sizes, args.deref_seconds, args.concurrency, args.seed, args.client_processes
        )
        result["dereference"] = dereference(
            server.url,
            sizes,
            args.deref_seconds,
            args.concurrency,
            args.seed,
            args.client_processes,
            warm=True,
        )
        result["peak_rss_mb"] = server.peak_rss_mb()
        server.stop()
        result["restart_s"] = server.start()
    finally:
        server.stop()
        if virtuoso is not None:
            virtuoso.stop()
    return result


def transactional_import_rate(path: Path) -> dict[str, float]:
    """Triples per second of ``Store.load`` (one transaction, all or nothing) into a fresh on-disk store."""
    with tempfile.TemporaryDirectory(prefix="efreg-import-") as tmp:
        store = open_store("oxigraph://" + tmp)
        started = time.perf_counter()
        quads = store.load(path, "nquads")
        elapsed = time.perf_counter() - started
        store.close()
    return {"seconds": elapsed, "triples_per_s": quads / elapsed}


def summarize(
    times: dict[str, dict[str, list[float]]], cpu: dict[str, dict[str, list[float]]] | None = None
) -> dict:
    """Median and p95 ms per query and system, their ratio and its geometric mean; with ``cpu``
    (:func:`run_mix`), the median CPU ms of each system's server too, and their ratios."""
    summary: dict = {}
    for name, per_system in times.items():
        row = {
            system: {"median_ms": statistics.median(v) * 1000, "p95_ms": percentile(v, 0.95) * 1000}
            for system, v in per_system.items()
        }
        for system, v in (cpu or {}).get(name, {}).items():
            row[system]["cpu_median_ms"] = statistics.median(v) * 1000
        if "virtuoso" in row:
            row["ratio"] = row["efreg"]["median_ms"] / row["virtuoso"]["median_ms"]
            if "cpu_median_ms" in row["efreg"] and row["virtuoso"].get("cpu_median_ms"):
                row["cpu_ratio"] = row["efreg"]["cpu_median_ms"] / row["virtuoso"]["cpu_median_ms"]
        summary[name] = row
    for key, out in (("ratio", "_geomean_ratio"), ("cpu_ratio", "_geomean_cpu_ratio")):
        ratios = [row[key] for row in summary.values() if isinstance(row, dict) and key in row]
        if ratios:
            summary[out] = math.exp(sum(map(math.log, ratios)) / len(ratios))
    return summary


def markdown(results: list[dict], command: str) -> str:
    lines = [
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
    ]
    for r in results:
        lines += [
            f"### {r['factors']:,} factors ({r['quads']:,} quads)"
            if "quads" in r
            else f"### {r['factors']:,} factors (the store {r.get('store')})",
            "",
            "| query | efreg median ms | efreg p95 ms | kept answers | Virtuoso median ms | Virtuoso p95 ms "
            "| ratio | every answer evaluated: efreg / Virtuoso median ms | ratio | rows efreg / Virtuoso |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        nan = {"median_ms": float("nan"), "p95_ms": float("nan")}
        for q in MIX:
            row = r["queries"][q.name]
            v = row.get("virtuoso", nan)
            cold = r.get("queries_evaluated", {}).get(q.name, {})
            counts = r.get("rows", {}).get(q.name, {})
            lines.append(
                f"| {q.name} | {row['efreg']['median_ms']:.1f} | {row['efreg']['p95_ms']:.1f} | "
                f"{r.get('kept', {}).get(q.name, 0)}/{r.get('rounds', '–')} | "
                f"{v['median_ms']:.1f} | {v['p95_ms']:.1f} | {row.get('ratio', float('nan')):.2f} | "
                f"{cold.get('efreg', nan)['median_ms']:.1f} / {cold.get('virtuoso', nan)['median_ms']:.1f} | "
                f"{cold.get('ratio', float('nan')):.2f} | "
                f"{counts.get('efreg', '–')} / {counts.get('virtuoso', '–')} |"
            )
        if "adhoc_evaluated" in r:
            lines += [
                "",
                "Ad-hoc questions (`benchmarks/queries.py` QUESTIONS), every answer evaluated:",
                "",
                "| question | efreg median ms | Virtuoso median ms | ratio | rows efreg / Virtuoso |",
                "| --- | ---: | ---: | ---: | ---: |",
            ]
            for q in QUESTIONS:
                row = r["adhoc_evaluated"][q.name]
                counts = r.get("adhoc_rows", {}).get(q.name, {})
                lines.append(
                    f"| {q.name} | {row['efreg']['median_ms']:.1f} | {row.get('virtuoso', nan)['median_ms']:.1f} "
                    f"| {row.get('ratio', float('nan')):.2f} | {counts.get('efreg', '–')} / {counts.get('virtuoso', '–')} |"
                )
            lines.append(
                f"- ad-hoc geometric-mean ratio: **{r['adhoc_evaluated'].get('_geomean_ratio', float('nan')):.2f}**"
            )
        evaluated = r.get("queries_evaluated", {})
        if "_geomean_cpu_ratio" in evaluated:
            cells = [
                f"{q.name} {evaluated[q.name]['efreg']['cpu_median_ms']:.1f} / "
                f"{evaluated[q.name]['virtuoso']['cpu_median_ms']:.1f}"
                for q in MIX
                if "cpu_ratio" in evaluated.get(q.name, {})
            ]
            lines += [
                "",
                "- CPU ms per request of each server's processes, every answer evaluated (efreg / "
                f"Virtuoso): {', '.join(cells)}; geometric-mean ratio "
                f"**{evaluated['_geomean_cpu_ratio']:.2f}**",
            ]
        lines += [
            "",
            f"- geometric-mean ratio efreg/Virtuoso: **{r['queries'].get('_geomean_ratio', float('nan')):.2f}** "
            f"(every answer evaluated: **{r.get('queries_evaluated', {}).get('_geomean_ratio', float('nan')):.2f}**)",
        ]
        for key, what in (
            ("dereference_cold", "from a fresh server, documents built as asked"),
            ("dereference", "every document built once first"),
        ):
            d = r.get(key)
            if d is None:
                continue
            client = (
                f"wrk, {d.get('client_threads', 1)} threads"
                if d.get("client") == "wrk"
                else f"{d.get('client_processes', 1)} client processes"
            )
            lines.append(
                f"- dereference, {what} ({d['concurrency']} connections, {client}): "
                f"{d['req_per_s']:.0f} req/s, p50 {d['p50_ms']:.1f} ms, p99 {d['p99_ms']:.1f} ms, "
                f"{d['errors']} errors of {d['requests']} {d.get('error_statuses') or ''}"
            )
        fill = r.get("bulk_load")
        if fill:
            lines.append(
                f"- initial fill (bulk load, {r['quads']:,} quads): {fill['triples_per_s']:,.0f} triples/s "
                f"({fill['seconds']:.1f} s)"
                + (f"; Virtuoso bulk load {r['virtuoso_load_s']:.1f} s" if "virtuoso_load_s" in r else "")
            )
        if "import_no_shacl" in r:
            lines.append(
                "- import without SHACL (one transaction" + (", the SHACL sample" if fill else "") + f"): "
                f"{r['import_no_shacl']['triples_per_s']:,.0f} triples/s ({r['import_no_shacl']['seconds']:.1f} s)"
                + (
                    ""
                    if fill or "virtuoso_load_s" not in r
                    else f"; Virtuoso bulk load {r['virtuoso_load_s']:.1f} s"
                )
            )
        if "catalog_refresh_s" in r:
            lines.append(
                f"- catalog refresh after the fill: {r['catalog_refresh_s']:.1f} s; "
                f"compaction (`Store.optimize`): {r.get('optimize_s', float('nan')):.1f} s"
            )
        if "restart_s" not in r and "peak_rss_mb" in r:
            lines.append(f"- server peak RSS: {r['peak_rss_mb']:.0f} MB; start-up {r['startup_s']:.2f} s")
        if "import_shacl" in r:
            s = r["import_shacl"]
            lines.append(
                f"- import through the SHACL gate ({s['factors']} factors, {s['triples']:,} input triples): "
                f"{s['triples_per_s']:,.0f} input triples/s ({s['seconds']:.1f} s; "
                f"{s['stored_quads']:,} quads stored with the report; conforms: {s['conforms']})"
            )
        if "restart_s" in r:
            lines.append(
                f"- server peak RSS: {r['peak_rss_mb']:.0f} MB; start-up {r['startup_s']:.2f} s; "
                f"restart {r['restart_s']:.2f} s"
            )
        lines.append("")
    return "\n".join(lines)


def plot(results: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = [r["factors"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, system, style, label in (
        ("queries", "efreg", "-o", "efreg"),
        ("queries_evaluated", "efreg", ":o", "efreg, every answer evaluated"),
        ("queries", "virtuoso", "--s", "virtuoso"),
    ):
        if all(system in r.get(key, {}).get(MIX[0].name, {}) for r in results):
            geo = [
                math.exp(statistics.mean(math.log(r[key][q.name][system]["median_ms"]) for q in MIX))
                for r in results
            ]
            ax.plot(sizes, geo, style, label=label)
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("factors"), ax.set_ylabel("geometric-mean median latency (ms)")
    ax.set_title("Query mix latency against size"), ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, action="append", help="size (repeatable); default 10000")
    parser.add_argument("--repeat", type=int, default=15, help="rounds of the query mix")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deref-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8, help="dereferencing connections")
    parser.add_argument("--client-processes", type=int, default=2, help="dereferencing client processes")
    parser.add_argument(
        "--shacl-factors", type=int, default=2000, help="size of the SHACL-import sample (0: skip)"
    )
    parser.add_argument("--virtuoso-buffers", type=int, default=170000, help="NumberOfBuffers (8 KiB each)")
    parser.add_argument("--no-virtuoso", action="store_true", help="measure efreg alone")
    parser.add_argument(
        "--no-analytic", action="store_true", help="no analytic replica (every query on Oxigraph)"
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="only the query mix and the ad-hoc questions (no dereferencing, restart or import)",
    )
    parser.add_argument(
        "--transactional-fill",
        dest="bulk",
        action="store_false",
        help="fill the efreg store with Store.load (one transaction) instead of bulk_load",
    )
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="send the mix on one kept-alive connection per system (the runner's way before session 7) "
        "instead of a connection per query",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--store",
        type=Path,
        help="a store prepared by `python -m benchmarks.analytic` at the one --factors size (its "
        "directory analytic-N): served as it is, no generation or fill; needs --no-virtuoso and --queries-only",
    )
    args = parser.parse_args(argv)
    if args.store is not None and (
        len(args.factors or [0]) != 1 or not args.no_virtuoso or not args.queries_only
    ):
        parser.error("--store needs one --factors, --no-virtuoso and --queries-only")
    if not args.no_virtuoso and not VirtuosoServer.available():
        parser.error(
            "virtuoso-t is not installed (apt-get install virtuoso-opensource-7-bin) or pass --no-virtuoso"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    results = []
    with tempfile.TemporaryDirectory(prefix="efreg-bench-") as tmp:
        for factors in args.factors or [10_000]:
            results.append(bench_size(factors, args, Path(tmp)))
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    if len(results) > 1 and plot(results, args.out / "latency.png"):
        print(f"plot: {args.out / 'latency.png'}", file=sys.stderr)
    print(markdown(results, command))
    return 0
