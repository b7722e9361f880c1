"""What a small SPARQL request costs the server beyond Oxigraph's evaluation, cold and warm.

    python -m benchmarks.request_cost --store DIR [--factors 100000] [--rounds 30]

Serves a prepared store (``python -m benchmarks.analytic``, or any store the runner filled) with
``efreg serve`` and sends, each on a connection of its own with a text never sent before (so no
answer is kept): ``ASK {}`` and a CONSTRUCT that matches nothing (the fixed cost of a request:
HTTP, Flask, the checks, the worker's round trip), and the mix's describe and provenance. In the
**cold** pass each of them follows an export of a whole dataset (2.3 MB at 100k), as in the mix,
where the other queries and Virtuoso run in between; in the **warm** pass each is sent twice in a
row and the second is measured. Prints, per request, the median wall milliseconds and the CPU
milliseconds of the server process and of its query workers (Linux ``schedstat``), and beside them
Oxigraph alone: the same text evaluated in this process on the store's public read model, CPU.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from benchmarks.generate import Sizes
from benchmarks.queries import MIX
from benchmarks.run import BASE, EfregServer, _query, cpu_seconds, process_tree

FIXED = {
    "ask": ("ASK {}", "application/sparql-results+json"),
    "construct-nothing": (
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }",
        "application/n-triples",
    ),
}
MEASURED = ("ask", "construct-nothing", "describe", "provenance")


def _texts(sizes: Sizes, rng: random.Random) -> dict[str, Callable[[], tuple[str, str]]]:
    mix = {q.name: q for q in MIX}

    def fixed(name: str) -> Callable[[], tuple[str, str]]:
        return lambda: FIXED[name]

    def drawn(name: str) -> Callable[[], tuple[str, str]]:
        return lambda: (mix[name].render(rng, sizes, BASE), mix[name].accept)

    return {**{n: fixed(n) for n in FIXED}, **{n: drawn(n) for n in ("describe", "provenance", "export")}}


def _one(url: str, pid: int, text: str, accept: str) -> tuple[float, float, float]:
    """(wall ms, server CPU ms, workers' CPU ms) of one request with a text of its own."""
    tree = process_tree(pid)
    server, everything = cpu_seconds([pid]), cpu_seconds(tree)
    elapsed, _, kept = _query(None, url, f"{text}\n# request_cost {time.time()}", accept)
    if kept:
        raise RuntimeError("a kept answer: the text was sent before")
    server = cpu_seconds([pid]) - server
    return elapsed * 1000, server * 1000, (cpu_seconds(process_tree(pid)) - everything - server) * 1000


def measure(url: str, pid: int, sizes: Sizes, rounds: int, seed: int = 7) -> dict[str, dict[str, list]]:
    """Per pass (cold, warm) and request name: the (wall, server, workers) milliseconds of each round,
    and the texts measured (for :func:`alone`)."""
    rng = random.Random(seed)
    texts = _texts(sizes, rng)
    out: dict[str, dict[str, list]] = {"cold": {}, "warm": {}, "texts": {}}
    for round_no in range(rounds + 1):
        for name in MEASURED:
            _one(url, pid, *texts["export"]())  # the caches of the request after it are cold, as in the mix
            text, accept = texts[name]()
            figures = _one(url, pid, text, accept)
            if round_no:
                out["cold"].setdefault(name, []).append(figures)
                out["texts"].setdefault(name, []).append(text)
        for name in MEASURED:
            text, accept = texts[name]()
            _one(url, pid, text, accept)
            figures = _one(url, pid, text, accept)  # the same text again: evaluated (a comment of its own)
            if round_no:
                out["warm"].setdefault(name, []).append(figures)
    return out


def alone(store_dir: Path, texts: dict[str, list[str]]) -> dict[str, float]:
    """Median CPU ms of each request's texts evaluated and serialized by pyoxigraph in this process,
    on the public read model (union default graph), once warm."""
    from registry.store import StoreLocked, open_store  # noqa: PLC0415 - once the server has stopped

    for _ in range(100):  # its query workers may hold the store's lock a moment longer
        try:
            store = open_store("oxigraph://" + store_dir.as_posix())
            break
        except StoreLocked:
            time.sleep(0.1)
    else:
        raise RuntimeError(f"the store at {store_dir} stayed locked after the server stopped")
    view = getattr(store, "view", None)
    if view is None:
        raise RuntimeError(f"the store at {store_dir} has no public read model")
    medians = {}
    for name, found in texts.items():
        times = []
        for text in found:
            started = time.thread_time()
            result = view.query(f"BASE <{BASE}> {text}", use_default_graph_as_union=True)
            triples = isinstance(result, ox.QueryTriples)
            fmt = ox.RdfFormat.N_TRIPLES if triples else ox.QueryResultsFormat.JSON
            if isinstance(result, ox.QueryBoolean):
                bool(result)
            else:
                result.serialize(format=fmt)
            times.append((time.thread_time() - started) * 1000)
        medians[name] = statistics.median(times)
    store.close()
    return medians


def report(figures: dict[str, dict[str, list]], oxigraph: dict[str, float]) -> str:
    lines = [
        "| request | pass | wall ms | server CPU ms | workers CPU ms | Oxigraph alone CPU ms |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name in MEASURED:
        for kind in ("cold", "warm"):
            rows = figures[kind][name]
            wall, server, workers = (statistics.median(r[k] for r in rows) for k in range(3))
            lines.append(
                f"| {name} | {kind} | {wall:.2f} | {server:.2f} | {workers:.2f} | {oxigraph.get(name, 0):.2f} |"
            )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(f"\nload average {load}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store the runner prepared")
    parser.add_argument("--factors", type=int, default=100_000, help="the size it was generated at")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    server = EfregServer(args.store)
    server.start()
    try:
        assert server.proc is not None
        figures = measure(server.url + "sparql", server.proc.pid, Sizes(factors=args.factors), args.rounds)
    finally:
        server.stop()
    print(report(figures, alone(args.store, figures["texts"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
