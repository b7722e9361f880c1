"""What the public read model costs (disk, the first fill, each release) and gains (the mix, asked
by a caller who may read only what is public), on generated data in an on-disk store.

``python -m benchmarks.public_model --factors 10000 --factors 100000 --repeat 5 [--queries describe,export]``

Per size: bulk-load the generated N-Quads, refresh the catalog (which fills the model: every public
graph copied, one transaction each), compact both stores, measure their size; then release one
more dataset version through the publishing workflow (upload record, submit, approve, withdraw,
timing each step and the model's sync within it); then each query of the mix, alternating three
ways of evaluating an anonymous caller's default graph: the model's union (what anonymous callers
get now), the public graphs listed on the whole store (what a caller who reads more gets, and the
fallback while the model lags a write), and the union of every graph of the whole store (the
shortcut that was removed: it was taken when rdflib's reading said no hidden graph could match).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from benchmarks.generate import Sizes, generate
from benchmarks.queries import MIX
from registry.publishing import access, public_view
from registry.publishing import workflow as publishing
from registry.publishing.catalog import refresh_versions
from registry.publishing.tokens import authenticate, create_token, ensure_publisher
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import PublicDataset, QueryDataset, open_store
from registry.store.meta import ensure_base_uri
from registry.store.oxigraph import OxigraphStore

BASE = "http://localhost:8080/"
RELEASED = "bench-00000"  #: the generated dataset whose copy is released in the release step


def _say(factors: int, what: str) -> None:
    print(f"[{factors}] {time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


def _size_mb(path: Path) -> float:
    """The table files (``*.sst``) of the RocksDB directory ``path``: the data at rest, without the
    write-ahead logs RocksDB drops once it has flushed them."""
    return sum(item.stat().st_size for item in path.glob("*.sst")) / 1e6


class _Timed:
    """Wraps public_view.sync to keep the report of the last call."""

    def __init__(self) -> None:
        self.original = public_view.sync
        self.last: public_view.SyncReport | None = None

    def __call__(self, store):  # noqa: ANN001, ANN204 - as public_view.sync
        self.last = self.original(store)
        return self.last


def release_step(store: OxigraphStore, timed: _Timed) -> dict[str, float]:
    """One more version (a copy of a generated dataset under a new name) through the workflow."""
    out: dict[str, float] = {}
    started = time.perf_counter()
    for publisher in ("bench-release", "efreg"):
        ensure_publisher(store, BASE, publisher)
    caller = authenticate(store, create_token(store, "bench-release", "publisher"))
    reviewer = authenticate(store, create_token(store, "efreg", "reviewer"))
    public_view.sync(store)
    out["tokens_and_catalog_check_s"] = time.perf_counter() - started
    source = io.BytesIO()
    store.dump(source, "nquads", graphs=[f"{BASE}dataset/{RELEASED}/1"])
    text = source.getvalue().decode("utf-8").replace(RELEASED, "release-0")
    agent = f"{BASE}publisher/bench-release"
    text = re.sub(r"<[^>]*/publisher/[^>]*>", f"<{agent}>", text)
    text = "\n".join(line for line in text.splitlines() if "#reviewStatus>" not in line)
    graph = f"{BASE}dataset/release-0/1"
    record = publishing._record(BASE, graph, "release-0", agent, "Open", None, caller, None)
    started = time.perf_counter()  # what an upload writes once its data is validated
    store.load(text.encode("utf-8"), "nquads")
    store.update(f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {publishing._triples(record)} }} }}")
    public_view.sync(store)
    out["upload_write_s"] = time.perf_counter() - started
    out["released_quads"] = float(text.count("\n") + 1)
    for action, who in (("submit", caller), ("approve", reviewer), ("withdraw", caller)):
        started = time.perf_counter()
        publishing.act(store, BASE, who, "release-0", "1", action)
        out[f"{action}_s"] = time.perf_counter() - started
        out[f"{action}_sync_s"] = timed.last.seconds if timed.last else float("nan")
    return out


def _evaluate(store: OxigraphStore, query: str, accept: str, how: str, public: tuple[str, ...]) -> float:
    started = time.perf_counter()
    out = io.BytesIO()
    if how == "main-union":
        result = store.pyoxigraph.query(query, use_default_graph_as_union=True)
        fmt = ox.RdfFormat.from_media_type(accept) or ox.QueryResultsFormat.from_media_type(accept)
        result.serialize(out, fmt)  # type: ignore[union-attr, arg-type]
    else:
        dataset = (
            PublicDataset(public, public, union=True) if how == "model" else QueryDataset(public, public)
        )
        store.query_into(query, accept, dataset, out)
    return (time.perf_counter() - started) * 1000


def queries(
    store: OxigraphStore, sizes: Sizes, repeat: int, seed: int, names: set[str] | None = None
) -> dict[str, dict[str, float]]:
    assert store.view_current()
    public = access.public_graphs(store)
    ways = ("model", "listed", "main-union")
    mix = [q for q in MIX if names is None or q.name in names]
    times: dict[str, dict[str, list[float]]] = {q.name: {w: [] for w in ways} for q in mix}
    rng = random.Random(seed)
    for round_no in range(repeat):
        for q in mix:
            text = q.render(rng, sizes, BASE)
            order = ways if round_no % 2 == 0 else tuple(reversed(ways))
            for how in order:
                times[q.name][how].append(_evaluate(store, text, q.accept, how, public))
                print(f"  {q.name} {how} {times[q.name][how][-1]:.1f} ms", file=sys.stderr, flush=True)
    return {name: {w: statistics.median(v) for w, v in per.items()} for name, per in times.items()}


def bench(factors: int, workdir: Path, repeat: int, seed: int, names: set[str] | None = None) -> dict:
    sizes = Sizes(factors=factors)
    data = workdir / f"bench-{factors}.nq"
    if not data.exists():
        with data.open("wb") as fh:
            generate(fh, sizes, seed, BASE)
    result: dict = {"factors": factors}
    store_dir = workdir / f"model-{factors}"
    shutil.rmtree(store_dir, ignore_errors=True)
    store = open_store("oxigraph://" + store_dir.as_posix())
    assert isinstance(store, OxigraphStore) and store.view is not None
    started = time.perf_counter()
    _say(factors, "bulk load")
    store.pyoxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    result["bulk_load_s"] = time.perf_counter() - started
    ensure_base_uri(store, BASE)
    timed = _Timed()
    public_view.sync = timed  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        _say(factors, "first catalog refresh and model fill")
        refresh_versions(store, BASE)
        result["first_refresh_s"] = time.perf_counter() - started
        assert timed.last is not None
        result["first_fill_s"] = timed.last.seconds
        result["public_graphs"] = len(timed.last.added)
        started = time.perf_counter()
        store.pyoxigraph.optimize()
        store.view.optimize()
        result["optimize_s"] = time.perf_counter() - started
        result["quads_store"] = len(store.pyoxigraph)
        result["quads_model"] = len(store.view)
        _say(factors, "release step")
        result["release"] = release_step(store, timed)
        _say(factors, "catalog refresh")
        started = time.perf_counter()
        refresh_versions(store, BASE)
        result["refresh_again_s"] = time.perf_counter() - started
        result["refresh_again_sync_s"] = timed.last.seconds if timed.last else None
    finally:
        public_view.sync = timed.original  # type: ignore[assignment]
    _say(factors, "queries; so far: " + json.dumps(result))
    result["queries_ms"] = queries(store, sizes, repeat, seed, names)
    store.pyoxigraph.optimize()
    store.view.optimize()
    store.close()  # flushed: the write-ahead logs are gone
    result["disk_store_mb"] = _size_mb(store_dir)
    result["disk_model_mb"] = _size_mb(store_dir / "public")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/efreg-public-model"))
    parser.add_argument("--queries", help="comma-separated names of the mix's queries (default: all)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for factors in args.factors or [10_000]:
        print(f"[{factors}] …", file=sys.stderr)
        names = set(args.queries.split(",")) if args.queries else None
        results.append(bench(factors, args.workdir, args.repeat, args.seed, names))
        print(json.dumps(results[-1], indent=1), flush=True)
    (args.workdir / "public_model.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
