"""Differential tests of the join planner on generated registry data at several sizes: the benchmark
mix and random connected basic graph patterns drawn from the data answer the same planned and
written, with the statistics the registry keeps."""

from __future__ import annotations

import io
import random
from collections import Counter

import pyoxigraph as ox
import pytest

from benchmarks.generate import Sizes, generate
from benchmarks.queries import MIX, PREFIXES
from registry.query import planner, statistics
from registry.store.oxigraph import OxigraphStore

BASE = "http://localhost:8080/"
UNION = {"use_default_graph_as_union": True}


def _term(term: object) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def answers(store: ox.Store, text: str) -> Counter:
    result = store.query(text, **UNION)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return Counter(tuple(_term(row[n]) for n in names) for row in result)
    if isinstance(result, ox.QueryBoolean):
        return Counter([bool(result)])
    return Counter(tuple(_term(x) for x in (t.subject, t.predicate, t.object)) for t in result)


def random_bgp(store: ox.Store, rng: random.Random, size: int) -> str:
    """A connected pattern of ``size`` triples around a random factor, its terms turned into
    variables at random (one variable per term), so that it has answers."""
    start = ox.NamedNode(f"{BASE}factor/bench-00000-f{rng.randrange(100):05d}/1")
    triples: list[tuple[object, object, object]] = []
    frontier, seen = [start], set()
    while frontier and len(triples) < size:
        node = frontier.pop(rng.randrange(len(frontier)))
        if node in seen:
            continue
        seen.add(node)
        around = [q.triple for q in store.quads_for_pattern(node, None, None)]
        around += [q.triple for q in store.quads_for_pattern(None, None, node)][:20]
        rng.shuffle(around)
        for t in around[: rng.randint(1, 3)]:
            if t not in triples and len(triples) < size:
                triples.append(t)
                frontier += [x for x in (t.subject, t.object) if isinstance(x, ox.NamedNode)]
    names: dict[object, str] = {}

    def term(x: object, chance: float) -> str:
        if isinstance(x, ox.BlankNode) or (x in names) or rng.random() < chance:
            return names.setdefault(x, f"?v{len(names)}")
        return str(x)

    body = " . ".join(
        f"{term(t.subject, 0.7)} {term(t.predicate, 0.1)} {term(t.object, 0.5)}" for t in triples
    )
    return f"SELECT * WHERE {{ {body} }}"


@pytest.mark.parametrize("factors", [150, 800, 2500])
def test_planned_answers_equal_written_on_generated_data(factors: int) -> None:
    data = io.BytesIO()
    generate(data, Sizes(factors=factors), seed=factors, base=BASE)
    store = OxigraphStore()
    store.load(data.getvalue(), "nquads")
    statistics.refresh(store)
    stats = statistics.summarize(statistics.stored(store).values())
    native = store.pyoxigraph
    rng = random.Random(factors)
    queries = [q.render(rng, Sizes(factors=factors), BASE) for q in MIX for _ in range(2)]
    queries = [q for q in queries if "LIMIT" not in q]  # LIMIT without ORDER BY: any rows are right
    drawn = 0
    while drawn < 40:  # random patterns with at most 5,000 answers (no runaway cartesian products)
        text = PREFIXES + random_bgp(native, rng, rng.randint(2, 7))
        if len(list(native.query(text + " LIMIT 5001", **UNION))) <= 5000:
            queries.append(text)
            drawn += 1
    rewritten = 0
    for text in queries:
        want = answers(native, text)
        for planned in {planner.plan(text, stats), planner.plan(text, stats, force=True)} - {text}:
            assert answers(native, planned) == want, (text, planned)
        rewritten += planner.plan(text, stats, force=True) != text
    assert rewritten >= len(queries) // 2


def test_the_planner_benchmark_runs_and_answers_agree(tmp_path, capsys) -> None:
    from benchmarks import planner as bench

    assert bench.main(["--factors", "300", "--workdir", str(tmp_path), "--draws", "1", "--repeat", "1"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 300 |")]
    assert len(rows) == len(bench.MIX) + len(bench.QUESTIONS) + 2
    assert all(row.endswith("| True |") for row in rows[:-2])
    assert any("| co2e-recompute | yes |" in row for row in rows)
