"""The query mix planned (``registry.query.planner``) against as written, in one process, side by side.

``python -m benchmarks.planner --factors 10000 100000 --workdir /tmp/bench-planner`` generates the
data (``benchmarks.generate``), bulk-loads an on-disk Oxigraph store, computes the statistics as a
release does (``refresh_versions``) and compacts it; then, for each query of the mix and of the second
set (``QUESTIONS``), draws ``--draws`` parameter sets and runs each drawn query once to warm up, then
``--repeat`` times written and planned, alternating, every answer read to the end (SELECT rows
counted, graphs serialized), over the union default graph. Prints a Markdown table: median ms
written / planned, the ratio and whether the answers had the same size.
"""

from __future__ import annotations

import argparse
import random
import statistics as stats
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from benchmarks.generate import Sizes, generate
from benchmarks.queries import MIX, QUESTIONS
from registry.publishing.catalog import refresh_versions
from registry.query import planner, statistics
from registry.store import open_store
from registry.store.meta import ensure_base_uri

BASE = "http://localhost:8080/"


def build(factors: int, workdir: Path) -> Path:
    store_dir = workdir / f"planner-{factors}"
    if store_dir.exists():
        return store_dir
    data = workdir / f"planner-{factors}.nq"
    with data.open("wb") as fh:
        generate(fh, Sizes(factors=factors), 1, BASE)
    store = open_store("oxigraph://" + store_dir.as_posix())
    store.pyoxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    ensure_base_uri(store, BASE)
    refresh_versions(store, BASE)  # the catalog and the statistics, as a release computes them
    store.pyoxigraph.optimize()
    store.close()
    data.unlink()
    return store_dir


def run(native: ox.Store, text: str) -> tuple[float, int]:
    started = time.perf_counter()
    result = native.query(text, use_default_graph_as_union=True)
    if isinstance(result, ox.QuerySolutions):
        size = sum(1 for _ in result)
    else:
        size = len(ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b"")
    return (time.perf_counter() - started) * 1000, size


Row = tuple[str, float, float, bool, bool]  #: query, written ms, planned ms, same sizes, rewritten


def measure(factors: int, workdir: Path, draws: int, repeat: int) -> list[Row]:
    store = open_store("oxigraph://" + build(factors, workdir).as_posix())
    summary = statistics.for_planning(store)
    native = store.pyoxigraph
    rng = random.Random(7)
    rows: list[Row] = []
    for query in MIX + QUESTIONS:
        written_ms: list[float] = []
        planned_ms: list[float] = []
        same, rewritten = True, False
        for _ in range(draws):
            text = query.render(rng, Sizes(factors=factors), BASE)
            planned = planner.plan(text, summary)
            rewritten = rewritten or planned != text
            run(native, text), run(native, planned)  # warm both (block cache, first-run costs)
            for _ in range(repeat):
                a_ms, a_size = run(native, text)
                b_ms, b_size = run(native, planned)
                written_ms.append(a_ms)
                planned_ms.append(b_ms)
                same = same and a_size == b_size
        rows.append((query.name, stats.median(written_ms), stats.median(planned_ms), same, rewritten))
        print(f"[{factors}] {query.name}: {rows[-1][1]:.1f} / {rows[-1][2]:.1f} ms", file=sys.stderr)
    store.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-planner"))
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print("| factors | query | rewritten | written ms | planned ms | written / planned | same answer sizes |")
    print("|---:|---|---|---:|---:|---:|---|")
    for factors in args.factors:
        results = measure(factors, args.workdir, args.draws, args.repeat)
        for name, written, planned, same, rewritten in results:
            print(
                f"| {factors:,} | {name} | {'yes' if rewritten else 'no'} | {written:.1f} | {planned:.1f} "
                f"| {written / planned:.2f} | {same} |"
            )
        for label, part in (("mix", results[: len(MIX)]), ("questions", results[len(MIX) :])):
            geo_w = stats.geometric_mean([r[1] for r in part])
            geo_p = stats.geometric_mean([r[2] for r in part])
            print(
                f"| {factors:,} | geometric mean, {label} | | {geo_w:.1f} | {geo_p:.1f} | {geo_w / geo_p:.2f} | |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
