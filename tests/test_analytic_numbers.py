"""SUM, AVG, MIN and MAX computed in SQL (:mod:`registry.query.analytic_numbers`) answer exactly as
Oxigraph does: random groups of integers, decimals with up to 18 fractional digits, both mixed,
zeros, products of them, groups with a string, an IRI or an unbound value (the aggregate unbound),
doubles and ties (refused: the query runs as written), and no solutions at all."""

from __future__ import annotations

import random
from decimal import Decimal

import pyoxigraph as ox
import pytest
from test_analytic_generated import answers

from registry.query import analytic, analytic_numbers
from registry.store.analytic import AnalyticError, AnalyticReplica

E = "http://example.org/n/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def number(rng: random.Random) -> ox.Literal:
    kind = rng.randrange(5)
    if kind == 0:
        return ox.Literal(str(rng.randint(-50, 50)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == 1:
        return ox.Literal(str(rng.randint(-(10**18), 10**18)), datatype=ox.NamedNode(XSD + "integer"))
    digits = rng.choice([1, 2, 6, 17, 18])
    whole = rng.choice([0, rng.randint(-99, 99), rng.randint(-(10**15), 10**15)])
    fraction = rng.randint(0, 10**digits - 1)
    text = f"{'-' if whole < 0 else ''}{abs(whole)}.{fraction:0{digits}d}"
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))


#: what each value predicate's groups hold
PROFILES = {
    "int": lambda rng: ox.Literal(str(rng.randint(-(10**6), 10**6)), datatype=ox.NamedNode(XSD + "integer")),
    "exact": number,
    "text": lambda rng: ox.Literal("n/a") if rng.random() < 0.2 else number(rng),
    "iri": lambda rng: ox.NamedNode(E + "x") if rng.random() < 0.2 else number(rng),
    "double": lambda rng: (
        ox.Literal("1.5e0", datatype=ox.NamedNode(XSD + "double")) if rng.random() < 0.2 else number(rng)
    ),
}


@pytest.fixture(scope="module")
def numbers_store():
    rng = random.Random(13)
    store = ox.Store()
    graph = ox.NamedNode(E + "graph")
    for name, make in PROFILES.items():
        for n in range(60):
            item = ox.NamedNode(f"{E}{name}/{n}")
            group = ox.NamedNode(f"{E}group/{rng.randrange(8)}")
            store.add(ox.Quad(item, ox.NamedNode(E + "group"), group, graph))
            if rng.random() < 0.9:  # else unbound in an OPTIONAL
                store.add(ox.Quad(item, ox.NamedNode(E + name), make(rng), graph))
            store.add(ox.Quad(item, ox.NamedNode(E + "w"), number(rng), graph))
            small = ox.Literal(
                f"{rng.randint(0, 999)}.{rng.randint(0, 999):03d}", datatype=ox.NamedNode(XSD + "decimal")
            )
            store.add(ox.Quad(item, ox.NamedNode(E + "small"), small, graph))
    replica = AnalyticReplica(None, lambda: store, background=False)
    replica.follow(None, 1, "", "test")
    yield store, replica
    replica.close()


def queries(rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        p = rng.choice(list(PROFILES))
        optional = rng.random() < 0.4
        value = f"OPTIONAL {{ ?i <{E}{p}> ?v }}" if optional else f"?i <{E}{p}> ?v ."
        pattern = f"?i <{E}group> ?g ; <{E}w> ?w . {value}"
        arg = rng.choice(["?v", "?w", "?v * ?w", "?w * ?v", "?w * ?w"])
        one = rng.choice(["?v", "?w"])
        fn = rng.choice(["SUM", "AVG"])
        out.append(
            rng.choice(
                [
                    f"SELECT ?g ({fn}({arg}) AS ?x) (COUNT(?v) AS ?n) WHERE {{ {pattern} }} GROUP BY ?g",
                    f"SELECT ?g (MIN({one}) AS ?lo) (MAX({one}) AS ?hi) WHERE {{ {pattern} }} GROUP BY ?g",
                    f"SELECT (SUM({arg}) AS ?s) (AVG({one}) AS ?a) (COUNT(*) AS ?n) WHERE {{ {pattern} }}",
                    f"SELECT ?g (AVG({arg}) AS ?a) WHERE {{ {pattern} }} GROUP BY ?g HAVING (SUM({one}) > 0) "
                    "ORDER BY ?a LIMIT 3",
                    f"SELECT (SUM({arg}) AS ?s) (MIN({one}) AS ?m) WHERE {{ {pattern} FILTER(?w > 10000000) }}",
                ]
            )
        )
    return out


def test_numbers_computed_in_sql_answer_as_oxigraph(numbers_store) -> None:
    store, replica = numbers_store
    computed, wrong = 0, []
    for text in queries(random.Random(6), 45):
        plan = analytic.prepare(text, force=True)
        assert plan is not None and plan.computed, text
        try:
            two = analytic.stage_two(plan, replica, 20)
        except AnalyticError:  # an overflow of DuckDB's HUGEINT: refused
            continue
        if two is None:
            continue
        computed += 1
        if answers(store, text) != answers(store, two):
            wrong.append((text, two))
    assert not wrong, wrong[0]
    assert computed >= 30, computed


def test_a_sum_over_decimals_sends_one_row_per_group(numbers_store) -> None:
    store, replica = numbers_store
    text = f"SELECT ?g (SUM(?v * ?w) AS ?s) WHERE {{ ?i <{E}group> ?g ; <{E}small> ?w ; <{E}int> ?v }} GROUP BY ?g"
    plan = analytic.prepare(text, force=True)
    two = analytic.stage_two(plan, replica, 20)
    assert two is not None and not plan.expand
    rows = [line for line in two.splitlines() if line.startswith("(")]
    assert len(rows) == len(answers(store, text)) == 8  # one a group, not one a solution
    assert answers(store, text) == answers(store, two)


def test_what_is_not_computed_in_sql_keeps_the_rows() -> None:
    # a variable outside the groups, a DISTINCT or GROUP_CONCAT beside, an expression: as before
    for text in [
        f"SELECT ?g (SUM(?v) AS ?s) (GROUP_CONCAT(?v) AS ?c) WHERE {{ ?i <{E}group> ?g ; <{E}w> ?v }} GROUP BY ?g",
        f"SELECT ?g (SUM(?v + 1) AS ?s) WHERE {{ ?i <{E}group> ?g ; <{E}w> ?v }} GROUP BY ?g",
        f"SELECT ?g (SUM(?v) AS ?s) (COUNT(DISTINCT ?i) AS ?d) WHERE {{ ?i <{E}group> ?g ; <{E}w> ?v }} GROUP BY ?g",
    ]:
        plan = analytic.prepare(text, force=True)
        assert plan is not None and not plan.computed and plan.expand, text


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (5 * 10**18, 3, Decimal("1.666666666666666666")),
        (-5 * 10**18, 3, Decimal("-1.666666666666666666")),
        (1, 10, None),  # Oxigraph's shift past 10^38: an error (AVG unbound)
        (0, 7, Decimal(0)),
    ],
)
def test_average_divides_as_oxigraph(total: int, count: int, expected: Decimal | None) -> None:
    got = analytic_numbers._checked_div(total, count)
    assert (None if got is None else Decimal(got).scaleb(-18)) == expected
    first = format(Decimal(total).scaleb(-18), "f")
    values = " ".join([f'"{first}"^^<{XSD}decimal>'] + [f'"0"^^<{XSD}decimal>'] * (count - 1))
    row = next(iter(ox.Store().query(f"SELECT (AVG(?x) AS ?a) WHERE {{ VALUES ?x {{ {values} }} }}")))
    assert (None if row["a"] is None else Decimal(row["a"].value)) == expected  # Oxigraph agrees


def test_a_replica_made_before_the_numbers_table_gets_it_at_open(numbers_store, tmp_path) -> None:
    store, _ = numbers_store
    replica = AnalyticReplica(str(tmp_path), lambda: store, background=False)
    replica.follow(None, 1, "", "test")
    held = replica.query("SELECT count(*) FROM numbers", [], 10)[0][0]
    assert held == replica.query("SELECT count(*) FROM terms WHERE nk = 1", [], 10)[0][0] > 0
    replica.con.execute("DROP TABLE numbers")
    replica.close()
    again = AnalyticReplica(str(tmp_path), lambda: store, background=False)
    assert again.query("SELECT count(*) FROM numbers", [], 10)[0][0] == held
    again.close()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("-4294967296", "2147483648"),  # -2^63: the smallest i64, a product
        ("4294967296", "2147483648"),  # 2^63: past it, an error
        ("0.0", "0.5"),  # Oxigraph takes no zero off the value 0: an error
        ("0.000000000000000005", "0.2"),  # 19 fractional digits on the way: an error
        ("10", "0.000000000000000002"),
        ("12345678901234567890.5", "2"),
        ("99999999999999999999", "99999999999999999999.5"),  # past the largest decimal: an error
    ],
)
def test_products_at_the_edges_answer_as_oxigraph(a: str, b: str) -> None:
    def typed(text: str) -> ox.Literal:
        return ox.Literal(text, datatype=ox.NamedNode(XSD + ("decimal" if "." in text else "integer")))

    store, item, graph = ox.Store(), ox.NamedNode(E + "i"), ox.NamedNode(E + "graph")
    store.add(ox.Quad(item, ox.NamedNode(E + "a"), typed(a), graph))
    store.add(ox.Quad(item, ox.NamedNode(E + "b"), typed(b), graph))
    replica = AnalyticReplica(None, lambda: store, background=False)
    replica.follow(None, 1, "", "test")
    text = f"SELECT ?i (SUM(?a * ?b) AS ?s) (AVG(?a * ?b) AS ?m) WHERE {{ ?i <{E}a> ?a ; <{E}b> ?b }} GROUP BY ?i"
    plan = analytic.prepare(text, force=True)
    try:
        two = analytic.stage_two(plan, replica, 20)
    except AnalyticError:  # DuckDB's HUGEINT overflowed: refused
        two = None
    finally:
        replica.close()
    assert plan.computed
    if two is not None:
        assert answers(store, text) == answers(store, two)
