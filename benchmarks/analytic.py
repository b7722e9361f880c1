"""What the analytic replica costs and gains, in one process (no HTTP), at one size.

    python -m benchmarks.analytic --factors 10000 [--repeat 5] [--workdir DIR]

Generated data (``benchmarks.generate``) bulk-loaded into an on-disk store, the catalog refreshed
(the public read model filled), then: the replica built from the model (time, disk), one release
step (``benchmarks.public_model.release_step``: upload, submit, approve, withdraw; the replica's
catch-up after each, done in the calling thread here), and each query of the mix and of the ad-hoc
questions that the two-stage evaluation takes, evaluated alternately by Oxigraph alone on the public
read model and in two stages (SQL on the replica, then Oxigraph over the VALUES rows), median ms and
answer sizes of both. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from benchmarks.generate import Sizes, generate
from benchmarks.public_model import BASE, _size_mb, _Timed, release_step
from benchmarks.queries import MIX, QUESTIONS
from registry.publishing import public_view
from registry.publishing.catalog import refresh_versions
from registry.query import analytic
from registry.store import open_store
from registry.store.meta import ensure_base_uri
from registry.store.oxigraph import OxigraphStore


def _rows(store: ox.Store, text: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = sum(1 for _ in store.query(text, use_default_graph_as_union=True))  # type: ignore[union-attr]
    return time.perf_counter() - started, rows


def queries(store: OxigraphStore, sizes: Sizes, repeat: int, seed: int) -> dict[str, dict[str, float]]:
    rng = random.Random(seed)
    replica, model = store.analytic, store.view
    assert replica is not None and model is not None
    out: dict[str, dict[str, float]] = {}
    for query in (*MIX, *QUESTIONS):
        times: dict[str, list[float]] = {"oxigraph": [], "two_stage": [], "sql": []}
        sizes_seen: dict[str, int] = {}
        for _ in range(repeat):
            text = query.render(rng, sizes, BASE)
            started = time.perf_counter()
            plan = analytic.plan_for(text)
            second = None if plan is None else analytic.stage_two(plan, replica, 120)
            sql = time.perf_counter() - started
            if second is None:
                break
            took, rows = _rows(model, second)
            times["two_stage"].append(sql + took)
            times["sql"].append(sql)
            sizes_seen["two_stage"] = rows
            took, sizes_seen["oxigraph"] = _rows(model, text)
            times["oxigraph"].append(took)
        if times["two_stage"]:
            out[query.name] = {
                **{f"{k}_ms": statistics.median(v) * 1000 for k, v in times.items()},
                **{f"{k}_rows": float(v) for k, v in sizes_seen.items()},
            }
            print(query.name, json.dumps(out[query.name]), file=sys.stderr, flush=True)
    return out


def bench(factors: int, workdir: Path, repeat: int, seed: int) -> dict:
    sizes = Sizes(factors=factors)
    data = workdir / f"bench-{factors}.nq"
    if not data.exists():
        with data.open("wb") as fh:
            generate(fh, sizes, seed, BASE)
    store_dir = workdir / f"analytic-{factors}"
    shutil.rmtree(store_dir, ignore_errors=True)
    store = open_store("oxigraph://" + store_dir.as_posix())
    assert isinstance(store, OxigraphStore)
    store.pyoxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    ensure_base_uri(store, BASE)
    refresh_versions(store, BASE)
    store.pyoxigraph.optimize()
    result: dict = {"factors": factors, "quads_model": len(store.view or [])}
    started = time.perf_counter()
    replica = store.keep_analytic_replica(background=False)
    result["build_s"] = time.perf_counter() - started
    result["disk_mb"] = replica.disk_bytes() / 1e6
    result["model_disk_mb"] = _size_mb(store_dir / "public")
    timed = _Timed()
    public_view.sync = timed  # type: ignore[assignment]
    catch_up: list[float] = []
    original = replica._catch_up

    def measured() -> None:
        original()
        catch_up.append(replica.last_seconds)

    replica._catch_up = measured  # type: ignore[method-assign]
    try:
        result["release"] = release_step(store, timed)
    finally:
        public_view.sync = timed.original  # type: ignore[assignment]
        replica._catch_up = original  # type: ignore[method-assign]
    result["catch_up_s"] = catch_up
    result["disk_after_release_mb"] = replica.disk_bytes() / 1e6
    result["queries"] = queries(store, sizes, repeat, seed)
    store.close()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="efreg-analytic-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(bench(args.factors, workdir, args.repeat, args.seed), indent=1))


if __name__ == "__main__":
    main()
