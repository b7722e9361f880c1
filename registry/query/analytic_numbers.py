"""SUM, AVG, MIN and MAX of exact numbers computed in SQL for :mod:`registry.query.analytic`, with
Oxigraph's own arithmetic, so that stage two gets one row per group instead of every row with its
multiplicity.

An aggregate is taken when its argument is a variable (``SUM(?v)``, ``AVG(?v)``, ``MIN(?v)``,
``MAX(?v)``) or, for SUM and AVG, the product of two variables (``SUM(?v * ?gwp)``), and the query's
groups are exactly the rows DuckDB groups by. For each group the SQL returns what decides the
answer, and :func:`finish` writes the term Oxigraph would compute (stage two reads it with
``SAMPLE``), or refuses the query (:class:`Unsure`: it then runs on Oxigraph as written).

Oxigraph's rules, as its evaluator (spareval 0.5) and ``oxsdatatypes`` define them:

* any error or unbound value in a group makes SUM, AVG, MIN and MAX unbound (COUNT skips them);
* SUM starts from ``0`` (xsd:integer): integers add as i64 (overflow: an error), anything with a
  decimal as a decimal (i128 with 18 fractional digits, :data:`I128`); an IRI, blank node or string
  is an error; any other datatype (double, float, dates, durations, derived integer types) is not
  decided here (refused);
* ``integer * integer`` is an i64 product (overflow: an error); a product with a decimal is the
  exact product, an error where that has more than 18 fractional digits or is past the largest
  decimal (:data:`OVER`; near it DuckDB's HUGEINT overflows where i128 does, and the query is
  refused) — as pyoxigraph 0.5.13 computes it (``tests/test_analytic_numbers.py`` checks the edges);
* AVG is ``Decimal(sum).checked_div(count)`` (:func:`_checked_div`, ported), a decimal;
* MIN and MAX compare numbers by value and keep the first of equal ones: a tie between different
  terms (``1`` and ``1.0``) depends on the order of the rows and is refused, as is any value that is
  not an exact number (Oxigraph orders across types by its own rules).

The sums are guarded so that no order of the rows overflows in Oxigraph when DuckDB's total does
not: the absolute values of the integers summed stay below 2^63, of everything below 2^127.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
SCALE = 10**18
I64 = 2**63 - 1
I128 = 2**127 - 1
FUNCTIONS = frozenset({"SUM", "AVG", "MIN", "MAX"})
#: A product of two i128 values (numbers times 10^18) above this, in a double (far beyond its
#: rounding), is past Oxigraph's largest decimal (2^127 / 10^18 ≈ 1.7014e20, times 10^36): an
#: error; one between it and 2^127 is computed in HUGEINT, where an overflow refuses the query.
OVER = "1.7015e56"


class Unsure(Exception):
    """A group whose answer this module does not decide exactly: the query runs as written."""


@dataclass(frozen=True)
class Aggregate:
    name: str  #: SUM, AVG, MIN or MAX
    args: tuple[str, ...]  #: one variable, or two multiplied (SUM, AVG)

    @property
    def width(self) -> int:
        """Columns of the SQL's result for this aggregate."""
        return 4 if self.name in ("MIN", "MAX") else 6  # see sql()


def parse(tokens: list[Any], at: int) -> tuple[Aggregate, int] | None:
    """The aggregate whose name is the token ``at`` (``re.Match`` tokens of the SPARQL lexer) and
    the index of its closing parenthesis, or ``None`` if it is not one this module computes."""
    name = tokens[at].group().upper()
    inner = tokens[at + 2 : at + 6]
    if name not in FUNCTIONS or len(inner) < 2:
        return None
    if inner[0].lastgroup == "var" and inner[1].group() == ")":
        return Aggregate(name, (inner[0].group()[1:],)), at + 3
    if (
        name in ("SUM", "AVG")
        and len(inner) == 4
        and inner[0].lastgroup == "var"
        and inner[1].group() == "*"
        and inner[2].lastgroup == "var"
        and inner[3].group() == ")"
    ):
        return Aggregate(name, (inner[0].group()[1:], inner[2].group()[1:])), at + 5
    return None


def sql(aggregates: list[Aggregate], col: dict[str, str], inner: str) -> tuple[str, list[str]]:
    """A query over ``inner`` (the pattern's rows, a column per variable: ``col``) adding what each
    row gives each aggregate from the replica's ``numbers`` (each expression once: a level of
    sub-selects per step), and the aggregate columns to select from it grouped."""
    names = list(dict.fromkeys(v for a in aggregates for v in a.args))
    joins, terms, parts = [], [], []
    for j, v in enumerate(names):
        t, ref = f"nt{j}", f'r."{col[v]}"'
        joins.append(f"LEFT JOIN numbers {t} ON {t}.id = {ref}")
        terms += [
            f"{ref} AS id{j}",
            f"{ref} IS NULL AS u{j}",  # unbound
            f"{t}.id IS NOT NULL AS x{j}",  # an exact number
            f"coalesce({t}.integer, FALSE) AS i{j}",
            f"{t}.m AS m{j}",
        ]
        parts += [f"m{j} // {SCALE} AS h{j}"]
        parts += [f"m{j} - m{j} // {SCALE} * {SCALE} AS f{j}"]  # any m = h·10^18 + f
    checks, values, selected = [], [], []
    for n, a in enumerate(aggregates):
        j = [names.index(v) for v in a.args]
        odd = ", ".join(f"list(DISTINCT id{x}) FILTER (WHERE NOT x{x} AND NOT u{x})" for x in j)
        odd = f"list_concat({odd})" if len(j) == 2 else odd
        if a.name in ("MIN", "MAX"):
            (x,) = j
            fn = a.name.lower()
            selected += [
                f"bool_or(u{x})",
                odd,
                f"{fn}({{'n': m{x}, 'i': id{x}}}) FILTER (WHERE x{x})",
                f"{fn}({{'n': m{x}, 'i': -id{x}}}) FILTER (WHERE x{x})",
            ]
            continue
        if len(j) == 1:
            (x,) = j
            checks += [f"u{x} AS ae{n}", f"i{x} AS ai{n}"]
            values.append(f"m{x} AS am{n}")
        else:
            x, y = j
            fails = (
                f"x{x} AND x{y} AND (CASE WHEN i{x} AND i{y} THEN h{x} * h{y} NOT BETWEEN {-I64 - 1} AND {I64} "
                f"ELSE (f{x} * f{y}) % {SCALE} <> 0 OR abs(CAST(m{x} AS DOUBLE) * CAST(m{y} AS DOUBLE)) > {OVER} END)"
            )
            checks += [f"u{x} OR u{y} OR ({fails}) AS ae{n}", f"i{x} AND i{y} AS ai{n}"]
            # (h·10^18 + f)(h'·10^18 + f') / 10^18, whole where f·f' / 10^18 is (all four terms
            # of one sign: none overflows where the product does not)
            values.append(
                f"CASE WHEN x{x} AND x{y} AND NOT ae{n} THEN h{x} * h{y} * {SCALE} + h{x} * f{y} + f{x} * h{y} "
                f"+ (f{x} * f{y}) // {SCALE} END AS am{n}"
            )
        selected += [
            f"bool_or(ae{n})",
            odd,
            f"sum(am{n})",
            f"sum(abs(am{n}))",  # overflows (refused) where some order of the rows may in Oxigraph
            f"sum(abs(am{n})) FILTER (WHERE ai{n})",
            f"bool_and(ai{n}) FILTER (WHERE am{n} IS NOT NULL)",
        ]
    level = f"SELECT r.*, {', '.join(terms)} FROM ({inner}) r {' '.join(joins)}"
    level = f"SELECT r.*, {', '.join(parts)} FROM ({level}) r"
    if checks:
        level = f"SELECT r.*, {', '.join(checks)} FROM ({level}) r"
        level = f"SELECT r.*, {', '.join(values)} FROM ({level}) r"
    return level, selected


def wanted(aggregate: Aggregate, cells: tuple[Any, ...]) -> list[int]:
    """Term ids :func:`finish` needs the keys of: the values that are not exact numbers, the
    minimum or maximum."""
    out = [int(i) for i in cells[1] or ()]
    if aggregate.name in ("MIN", "MAX") and cells[2] is not None:
        out.append(int(cells[2]["i"]))
    return out


def _no_number(key: str) -> bool:
    """Whether the term of N-Triples ``key`` is an error in arithmetic for Oxigraph: an IRI, a blank
    node, a triple term or a string (a literal without a datatype IRI)."""
    return not key.startswith('"') or not key.endswith(">")


def finish(aggregate: Aggregate, cells: tuple[Any, ...], count: int, keys: dict[int, str]) -> str:
    """The VALUES cell of ``aggregate`` for a group of ``count`` rows from its SQL columns
    ``cells``; raises :class:`Unsure` where the answer is not decided here."""
    odd = [keys[int(i)] for i in cells[1] or ()]
    if cells[0] or (aggregate.name in ("SUM", "AVG") and any(_no_number(k) for k in odd)):
        return "UNDEF"  # an unbound value or an error
    if odd:
        raise Unsure(f"{aggregate.name} of a value that is not an exact number")
    if aggregate.name in ("MIN", "MAX"):
        first, second = cells[2], cells[3]
        if first is None:
            return "UNDEF"
        if int(first["i"]) != -int(second["i"]):
            raise Unsure(f"{aggregate.name} of equal numbers in different terms")
        return keys[int(first["i"])]
    total, integers, all_integers = int(cells[2] or 0), int(cells[4] or 0), cells[5]
    if integers > I64 * SCALE:
        raise Unsure("a sum of integers that may overflow in some order")
    if aggregate.name == "SUM":
        if all_integers:
            return f'"{total // SCALE}"^^<{XSD}integer>'
        return decimal(total)
    average = _checked_div(total, count)
    if average is None:
        return "UNDEF"
    return decimal(average)


def decimal(value: int) -> str:
    """The xsd:decimal literal of the i128 ``value`` (18 fractional digits)."""
    whole, fraction = divmod(abs(value), SCALE)
    digits = f"{whole}.{fraction:018d}".rstrip("0").rstrip(".")
    return f'"{"-" if value < 0 else ""}{digits}"^^<{XSD}decimal>'


def _truncated(a: int, b: int) -> int:
    """``a / b`` rounded toward zero (Rust's integer division)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _checked_div(value: int, count: int) -> int | None:
    """``Decimal::checked_div(Decimal::from(count))`` of oxsdatatypes: the dividend shifted left
    while it fits an i128, the divisor's trailing zeros taken off, then divided and shifted back
    (``None`` where Oxigraph has an error)."""
    left, shift_left = value, 0
    if left != 0:
        while -(2**127) <= left * 10 <= I128:
            left *= 10
            shift_left += 1
    right, shift_right = count * SCALE, 0
    if right == 0:
        return None
    while right % 10 == 0:
        right //= 10
        shift_right += 1
    shift = shift_left + shift_right - 18
    if shift < 0 or 10**shift > I128:
        return None
    return _truncated(_truncated(left, right), 10**shift)
