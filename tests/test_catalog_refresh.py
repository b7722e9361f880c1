"""The scoped catalog refresh (an import's, a withdrawal's) gives the records the whole refresh gives."""

from __future__ import annotations

import io

import pytest

from benchmarks.generate import Sizes, generate
from registry.publishing import access
from registry.publishing.catalog import (
    PREFIXES,
    catalog_iri,
    refresh_update,
    refresh_versions,
    scoped_refresh_update,
    things_of,
)
from registry.store import open_store
from registry.store.meta import ensure_base_uri

BASE = "http://localhost:8080/"
CATALOG = catalog_iri(BASE)
RECORDS = f"""PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?s ?p ?o WHERE {{ GRAPH <{CATALOG}> {{ ?s ?p ?o FILTER(?p IN (dcat:hasVersion, dcat:hasCurrentVersion)) }} }}"""


def records(store) -> set[tuple[str, str, str]]:
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in store.select(RECORDS)}


@pytest.fixture
def bench_store():
    """Generated registry data: 12 datasets, every fifth with a second version."""
    out = io.BytesIO()
    generate(out, Sizes(factors=600, per_dataset=50, publishers=3, categories=20), seed=3, base=BASE)
    store = open_store("memory:")
    ensure_base_uri(store, BASE)
    store.load(out.getvalue(), "nquads")
    return store


def test_scoped_refresh_of_every_graph_equals_the_whole_refresh(bench_store) -> None:
    published = access.public_graphs(bench_store)
    bench_store.update(PREFIXES + refresh_update(CATALOG, published))
    whole = records(bench_store)
    assert any(p.endswith("hasCurrentVersion") for _, p, _ in whole)
    bench_store.update(f"DROP SILENT GRAPH <{CATALOG}>")
    for graph in published:  # one import after another
        update = scoped_refresh_update(CATALOG, published, things_of(bench_store, [graph]))
        if update:
            bench_store.update(PREFIXES + update)
    assert records(bench_store) == whole


def test_refresh_naming_released_graphs_keeps_the_other_records(bench_store) -> None:
    refresh_versions(bench_store, BASE)
    whole = records(bench_store)
    revised = f"{BASE}dataset/bench-00004/2"
    refresh_versions(bench_store, BASE, released=[revised])
    assert records(bench_store) == whole
    current = {(s, o) for s, p, o in whole if p.endswith("hasCurrentVersion")}
    assert (f"{BASE}dataset/bench-00004", revised) in current


def test_scoped_refresh_without_a_graph_equals_the_whole_refresh_without_it(bench_store) -> None:
    """A withdrawal: the versions of the withdrawn graph's resources fall back to the earlier ones."""
    published = access.public_graphs(bench_store)
    withdrawn = f"{BASE}dataset/bench-00004/2"
    remaining = [g for g in published if g != withdrawn]
    bench_store.update(PREFIXES + refresh_update(CATALOG, published))
    bench_store.update(
        PREFIXES + scoped_refresh_update(CATALOG, remaining, things_of(bench_store, [withdrawn]))
    )
    scoped = records(bench_store)
    bench_store.update(PREFIXES + refresh_update(CATALOG, remaining))
    assert scoped == records(bench_store)
    assert (
        f"{BASE}dataset/bench-00004",
        "http://www.w3.org/ns/dcat#hasCurrentVersion",
        f"{BASE}dataset/bench-00004/1",
    ) in scoped


def test_nothing_to_refresh() -> None:
    assert scoped_refresh_update(CATALOG, [], []) is None
