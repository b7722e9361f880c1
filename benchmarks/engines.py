"""Two code trees side by side on one prepared store, in process (no HTTP): run this module once per
tree (``PYTHONPATH=TREE``), alternating, and compare the JSON lines it prints.

    python -m benchmarks.engines queries --store /tmp/s100k --factors 100000 --label after [--rounds 5]
    python -m benchmarks.engines catch-up --store /tmp/s100k --graph http://localhost:8080/dataset/bench-00007/1

``queries``: each query of the mix and the questions drawn ``--rounds`` times (every text new), taken
the endpoint's way — ``Endpoint.prepare_query``, the two stages when ``_two_stage`` takes it, else the
join planner — evaluated on the public read model and serialized; CPU time of the process (all its
threads: DuckDB's and Oxigraph's, the figure a loaded machine does not distort) and wall time, ms.
``catch-up``: the analytic replica following a withdrawal and a release of one graph, twice, in the
calling thread (seconds), and the process's peak RSS. The store: ``benchmarks.generate`` data
bulk-loaded, ``refresh_versions`` run, the replica built once (``benchmarks.analytic`` does all three).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time

import pyoxigraph as ox

from benchmarks.generate import Sizes
from benchmarks.public_model import BASE
from benchmarks.queries import MIX, QUESTIONS
from registry.config import Settings
from registry.publishing import public_view
from registry.query import planner, statistics
from registry.query.endpoint import Endpoint
from registry.store import open_store
from registry.store.analytic import AnalyticReplica


def queries(path: str, factors: int, label: str, rounds: int) -> dict:
    url = "oxigraph://" + path
    store = open_store(url)
    public_view.sync(store)
    endpoint = Endpoint(store, Settings(store=url, base_uri=BASE, answer_cache_bytes=0))
    assert store.analytic is not None and store.analytic.wait(3600)
    model = store.view
    sizes = Sizes(factors=factors)

    def evaluate(text: str, accept: str) -> bool:
        prepared = endpoint.prepare_query(text, None)
        two = endpoint._two_stage(prepared, 30)
        final = two if two is not None else planner.plan(prepared.text, statistics.for_planning(store))
        result = model.query(final, use_default_graph_as_union=True)
        if accept == "application/n-triples":
            ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        else:
            result.serialize(format=ox.QueryResultsFormat.JSON)
        return two is not None

    times: dict[str, list[tuple[float, float]]] = {}
    staged: dict[str, bool] = {}
    rng = random.Random(1)
    for query in (*MIX, *QUESTIONS):
        evaluate(query.render(random.Random(99), sizes, BASE), query.accept)  # parse caches warm
        for i in range(rounds):
            text = query.render(rng, sizes, BASE) + f"\n# {label} {i}"
            cpu, wall = time.process_time(), time.perf_counter()
            staged[query.name] = evaluate(text, query.accept)
            times.setdefault(query.name, []).append(
                (round((time.process_time() - cpu) * 1000, 1), round((time.perf_counter() - wall) * 1000, 1))
            )
    store.close()
    return {"label": label, "ms": times, "two_stage": staged}


def catch_up(path: str, graph: str, label: str) -> dict:
    store = open_store("oxigraph://" + path)
    public_view.sync(store)
    model = store.view
    assert model is not None
    replica = AnalyticReplica(path, lambda: model, background=False)
    name = ox.NamedNode(graph)
    quads = list(model.quads_for_pattern(None, None, None, name))
    out: dict = {"label": label, "graph_quads": len(quads), "withdraw_s": [], "release_s": []}
    marker = replica.marker or "benchmark"
    replica.follow([], 1, marker, marker)
    for step in range(2):
        model.remove_graph(name)
        started = time.perf_counter()
        replica.follow([graph], 2 + 2 * step, marker, marker + "-w")
        out["withdraw_s"].append(round(time.perf_counter() - started, 2))
        model.extend(quads)
        started = time.perf_counter()
        replica.follow([graph], 3 + 2 * step, marker + "-w", marker)
        out["release_s"].append(round(time.perf_counter() - started, 2))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    replica.close()
    store.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("queries", "catch-up"))
    parser.add_argument("--store", required=True, help="directory of the prepared store")
    parser.add_argument("--factors", type=int, default=100_000)
    parser.add_argument("--label", default="")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--graph", default=BASE + "dataset/bench-00007/1")
    args = parser.parse_args(argv)
    if args.what == "queries":
        print(json.dumps(queries(args.store, args.factors, args.label, args.rounds)))
    else:
        print(json.dumps(catch_up(args.store, args.graph, args.label)))


if __name__ == "__main__":
    main()
