"""Two builds of efreg side by side: the query mix against two ``/sparql`` endpoints in one run.

    python -m benchmarks.ab --factors 100000 --rounds 30 BEFORE_URL AFTER_URL [--queries describe,provenance]

Each round draws fresh parameters (``benchmarks.queries``), ends the text with a comment of its own
(so every answer is evaluated, none kept) and sends it to both endpoints, alternating which goes
first; it prints the median milliseconds per query of each, their ratio and the geometric mean of
the ratios, with the load average (the machine is shared: only figures of one run compare). Serve
the two builds on two copies of one store, e.g. ``cp -a STORE STORE-b`` and ``git worktree add``
for the older commit, each with ``EFREG_BASE_URI=http://localhost:8080/ efreg serve --no-seeds``.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import time

import requests

from benchmarks.generate import Sizes
from benchmarks.queries import MIX, QUESTIONS, Query
from benchmarks.run import BASE, _query


def compare(
    urls: list[str],
    queries: tuple[Query, ...],
    sizes: Sizes,
    rounds: int,
    seed: int = 7,
    keep_alive: bool = True,
) -> dict[str, list[float]]:
    """Median ms per query name, one figure per URL, every answer evaluated; each query on a
    connection of its own unless ``keep_alive`` (see :func:`benchmarks.run.run_mix`: the way to
    compare with Virtuoso)."""
    rng = random.Random(seed)
    session = requests.Session() if keep_alive else None
    times: dict[tuple[str, str], list[float]] = {(q.name, u): [] for q in queries for u in urls}
    for r in range(rounds):
        for q in queries:
            text = q.render(rng, sizes, BASE) + f"\n# ab round {r} {time.time()}"
            for url in urls if r % 2 == 0 else urls[::-1]:
                elapsed = _query(session, url, text, q.accept)[0]
                times[(q.name, url)].append(elapsed * 1000)
    return {q.name: [statistics.median(times[(q.name, u)]) for u in urls] for q in queries}


def report(medians: dict[str, list[float]]) -> str:
    lines = ["| query | before ms | after ms | after/before |", "| --- | ---: | ---: | ---: |"]
    ratios = []
    for name, (before, after) in medians.items():
        ratios.append(after / before)
        lines.append(f"| {name} | {before:.1f} | {after:.1f} | {after / before:.2f} |")
    geomean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(f"\ngeometric mean after/before: **{geomean:.2f}**; load average {load}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--factors", type=int, default=10000, help="the size the stores were generated at")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--queries", default="", help="names, comma-separated (default: the mix and questions)"
    )
    parser.add_argument(
        "--connection-per-query",
        action="store_true",
        help="each query on a connection of its own (as python -m benchmarks sends them to Virtuoso)",
    )
    args = parser.parse_args(argv)
    names = {n for n in args.queries.split(",") if n}
    queries = tuple(q for q in (*MIX, *QUESTIONS) if not names or q.name in names)
    sizes = Sizes(factors=args.factors)
    keep = not args.connection_per_query
    print(report(compare([args.before, args.after], queries, sizes, args.rounds, keep_alive=keep)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
