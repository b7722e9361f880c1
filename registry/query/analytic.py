"""Two-stage evaluation of whole-result queries of public callers: DuckDB finds the solutions of the
WHERE pattern on the analytic replica (:mod:`registry.store.analytic`), Oxigraph finishes.

For a SELECT query of a caller who reads only the public graphs (the union default graph of the
public read model) with work over the whole result — GROUP BY, aggregates, DISTINCT or ORDER BY —
whose WHERE pattern lies in the subset below, :func:`prepare` translates the pattern into SQL over
the replica's tables. The solutions come back grouped by the variables the rest of the query uses
(with their multiplicity, and the counts of COUNT(*) / COUNT(?v) computed in SQL), and
:func:`stage_two` writes the original query again with its WHERE pattern replaced by a ``VALUES``
block of those rows (``COUNT(*)`` → ``SUM(?__efreg_n)``, ``COUNT(?v)`` → ``SUM(?__efreg_c…)`` over
the pre-counted rows; SUM, AVG, MIN and MAX of exact numbers are computed in SQL by
:mod:`registry.query.analytic_numbers` when DuckDB's groups are the query's, and read as
``SAMPLE(?__efreg_a…)`` from one row per group): Oxigraph then applies the projection, the remaining aggregates, HAVING,
ORDER BY, LIMIT / OFFSET and serialization, so every term, number and format of the answer is
Oxigraph's own. Anything else — a form, operator, function or term outside the subset, more rows
than :data:`CAP`, a blank node in a row, a number the replica does not hold exactly — returns
``None`` and the query runs on Oxigraph as written.

The subset: basic graph patterns of IRIs, literals and variables (no blank nodes; property paths
as sequences and inverses of IRIs, which SPARQL defines as joins, and ``iri+`` / ``iri*`` outside
GRAPH as recursive CTEs, ``iri*`` with a constant end); join, UNION, OPTIONAL without a filter,
BIND of an IRI or string, GRAPH <iri> / GRAPH ?g; FILTER with &&, ||, BOUND, !BOUND, sameTerm(?v,
term), ?v = / != <iri>, ?v = "string", ?v compared (= < <= > >=) with an integer or decimal (a value
that is not a number: false, as SPARQL's error) and [NOT] EXISTS / !EXISTS over triples, joins,
UNION and GRAPH correlated on variables bound on both sides (SQL [NOT] EXISTS). Texts with BASE,
relative IRIs or escapes are refused (no second reading of an IRI).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, XSD
from rdflib.paths import InvPath, MulPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern, translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import BNode, Literal, URIRef, Variable

from registry.query import analytic_numbers as numbers
from registry.query.inspect import SLOT, query_template
from registry.rdf.sparql_lexer import TOKEN, is_keyword, significant
from registry.rdf.terms import to_oxigraph
from registry.store.analytic import canonical

#: Most rows (after grouping; with their multiplicity where it counts) sent on to Oxigraph.
CAP = 20_000
PREFIX = "__efreg_"
AGGREGATES = frozenset({"COUNT", "SUM", "AVG", "MIN", "MAX", "GROUP_CONCAT", "SAMPLE"})
_ABSOLUTE = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*:")
_STRINGS = {None, XSD.string, RDF.langString}
_EXACT_NUMBERS = {XSD.integer, XSD.decimal}


#: The terms a comparison with a number reads (``nk`` 0 compares as no number, as an absent row):
#: DuckDB pushes the comparison into this scan, where the test of ``nk`` skips the other terms first.
NUMERIC_TERMS = "(SELECT id, nk, num, dbl FROM terms WHERE nk <> 0)"


@dataclass(frozen=True)
class Closure:
    """``iri+`` (``zero``: ``iri*``) in the place of a predicate (:meth:`_Translator.closure`)."""

    iri: URIRef
    zero: bool


class Refused(Exception):
    """The query is outside the translated subset."""


@dataclass
class Rel:
    sql: str
    cols: dict[str, bool]  #: variable -> may be unbound


@dataclass
class Plan:
    """A translated query: the SQL of its pattern and how to write it again for Oxigraph."""

    head: str  #: the text before the WHERE group, COUNTs rewritten
    tail: str  #: the text after it, COUNTs rewritten
    sql: str  #: with ``{C<n>}`` where a constant's term id goes
    constants: list[str]  #: N-Triples keys of the constants, by number
    keys: list[str]  #: variables grouped on (columns k0…)
    counted: list[str]  #: COUNT(?v) variables (columns c0…)
    star: bool  #: COUNT(*) was rewritten
    expand: bool  #: rows must be sent with their multiplicity
    shape: tuple = ()  #: the pattern for :func:`work` (triples of ("v", name) / ("c", constant number))
    #: LIMIT + OFFSET of a query without work over the whole result (its SQL stops after that many)
    limit: int | None = None
    #: aggregates computed in SQL (columns after c…), each read by stage two as ``SAMPLE(?__efreg_a<n>)``
    computed: list[numbers.Aggregate] = dataclasses.field(default_factory=list)
    empty: str = ""  #: the query over no solutions (what it answers when the SQL finds none)


def _significant(text: str) -> list[re.Match[str]]:
    return list(significant(text))


@functools.lru_cache(maxsize=512)
def prepare(text: str, force: bool = False) -> Plan | None:
    """The plan of ``text`` (a query without the endpoint's BASE), or ``None`` outside the subset
    or (unless ``force``: tests) without work over the whole result."""
    try:
        return _prepare(text, force)
    except Refused:
        return None
    except Exception:  # noqa: BLE001 - rdflib's parser and algebra raise anything on odd input
        return None


def plan_for(text: str) -> Plan | None:
    """The plan of ``text``: of its template (IRIs and short strings as slots, :func:`registry.query.
    inspect.query_template`: clients send one shape with other IRIs, and rdflib's parser takes tens
    of ms) with the values put back, else of the text itself. A template whose first text was
    refused as well is not parsed again (:data:`_REFUSED`): a shape outside the subset would else
    cost every query of that shape a parse of its text."""
    template = query_template(text)
    if template is None:
        return prepare(normalized(text))
    shape, values = template
    if shape in _REFUSED:
        return None
    plan = prepare(shape)
    filled = None if plan is None else _fill(plan, values)
    if filled is not None:
        return filled
    plan = prepare(normalized(text))
    if plan is None:
        if len(_REFUSED) >= REFUSED_KEPT:
            _REFUSED.clear()
        _REFUSED[shape] = None
    return plan


#: Templates refused with their first text (at most :data:`REFUSED_KEPT`, then forgotten at once).
_REFUSED: dict[str, None] = {}
REFUSED_KEPT = 1024


_SLOT_KEY = re.compile(r"^(?:<urn:" + SLOT + r'(\d+)>|"' + SLOT + r'(\d+)"(.*))$', re.DOTALL)


def _fill(plan: Plan, values: tuple[str, ...]) -> Plan | None:
    """``plan`` of a template with the values of its slots; ``None`` where a slot is not a whole
    IRI or the lexical form of a literal."""
    constants = []
    try:
        for key in plan.constants:
            found = _SLOT_KEY.match(key)
            if SLOT not in key:
                constants.append(key)
            elif found is None or SLOT in (found.group(3) or ""):
                return None
            elif found.group(1) is not None:
                constants.append(canonical(ox.NamedNode(values[int(found.group(1))])))
            else:
                rest, value = found.group(3), values[int(found.group(2))]
                if rest.startswith("^^<"):
                    term = ox.Literal(value, datatype=ox.NamedNode(rest[3:-1]))
                else:
                    term = ox.Literal(value, language=rest[1:]) if rest.startswith("@") else ox.Literal(value)
                constants.append(canonical(term))
    except (ValueError, IndexError):
        return None

    def put_back(text: str) -> str:
        text = re.sub(r"<urn:" + SLOT + r"(\d+)>", lambda m: f"<{values[int(m.group(1))]}>", text)
        return re.sub(
            '"' + SLOT + r'(\d+)"',
            lambda m: (lambda v: f"'{v}'" if '"' in v else f'"{v}"')(values[int(m.group(1))]),
            text,
        )

    return dataclasses.replace(
        plan,
        head=put_back(plan.head),
        tail=put_back(plan.tail),
        empty=put_back(plan.empty),
        constants=constants,
    )


def normalized(text: str) -> str:
    """``text`` without its comments (the key :func:`prepare` caches under)."""
    return "".join(" " if m.lastgroup == "comment" else m.group() for m in TOKEN.finditer(text))


def _prepare(text: str, force: bool, numbers_in_sql: bool = True) -> Plan:
    toks = _significant(text)
    if "\\" in text or any(t.lastgroup == "other" for t in toks):
        raise Refused("escapes")
    for t in toks:
        if t.lastgroup == "iri" and not _ABSOLUTE.match(t.group()) or is_keyword(t, "BASE"):
            raise Refused("BASE or a relative IRI")
    select = next((i for i, t in enumerate(toks) if is_keyword(t, "SELECT")), None)
    if select is None or any(
        not (is_keyword(t, "PREFIX") or t.lastgroup in ("pname", "iri")) for t in toks[:select]
    ):
        raise Refused("not a SELECT query")
    open_at = next((i for i in range(select, len(toks)) if toks[i].group() == "{"), None)
    if open_at is None:
        raise Refused("no WHERE")
    depth, close_at = 0, None
    for i in range(open_at, len(toks)):
        depth += {"{": 1, "}": -1}.get(toks[i].group(), 0) if toks[i].lastgroup == "op" else 0
        if depth == 0:
            close_at = i
            break
    if close_at is None:
        raise Refused("unbalanced")
    outer = toks[select:open_at] + toks[close_at + 1 :]
    if any(t.group() in "{}" and t.lastgroup == "op" for t in outer) or any(
        is_keyword(t, w) for t in outer for w in ("FROM", "VALUES", "EXISTS", "SERVICE")
    ):
        raise Refused("a group outside WHERE")
    distinct = select + 1 < len(toks) and is_keyword(toks[select + 1], "DISTINCT")
    grouped = any(is_keyword(t, "GROUP") for t in outer)
    ordered = any(is_keyword(t, "ORDER") for t in outer)
    # aggregates: which are rewritten, which need the rows with their multiplicity
    rewrites: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    counted: list[str] = []
    star = expand = has_aggregate = False
    in_count: set[int] = set()
    numeric: list[tuple[numbers.Aggregate, int, int, range]] = []  # computed in SQL, where they span
    for i, t in enumerate(outer):
        if not (t.lastgroup == "word" and t.group().upper() in AGGREGATES):
            continue
        if i + 1 >= len(outer) or outer[i + 1].group() != "(":
            continue
        has_aggregate = True
        name = t.group().upper()
        is_distinct = i + 2 < len(outer) and is_keyword(outer[i + 2], "DISTINCT")
        if name == "COUNT" and not is_distinct and i + 3 < len(outer) and outer[i + 3].group() == ")":
            arg = outer[i + 2]
            if arg.group() == "*":
                star = True
                rewrites.append((t.start(), outer[i + 3].end(), f"SUM(?{PREFIX}n)"))
                continue
            if arg.lastgroup == "var":
                var = arg.group()[1:]
                if var not in counted:
                    counted.append(var)
                rewrites.append((t.start(), outer[i + 3].end(), f"SUM(?{PREFIX}c{counted.index(var)})"))
                in_count.add(i + 2)
                continue
        found = numbers.parse(outer, i) if numbers_in_sql and not is_distinct else None
        if found is not None:
            numeric.append((found[0], t.start(), outer[found[1]].end(), range(i + 2, found[1])))
            continue
        if not is_distinct and name in ("COUNT", "SUM", "AVG", "GROUP_CONCAT"):
            expand = True
    groups = _group_by(outer)
    if expand or groups is None or not numeric:  # each row sent, with its multiplicity for a sum
        expand = expand or any(a.name in ("SUM", "AVG") for a, *_ in numeric)
        numeric = []
    whole = has_aggregate or grouped or distinct or ordered
    sliced = None if whole else _slice(outer)
    if not (whole or force or sliced is not None):
        raise Refused("no work over the whole result and no LIMIT")
    aggregated = has_aggregate or grouped
    if not aggregated:
        expand = not distinct
    if expand or not aggregated:
        rewrites, counted, star, in_count = [], [], False, set()
    inside = {i for *_, span in numeric for i in span}
    used = [t.group()[1:] for i, t in enumerate(outer) if t.lastgroup == "var" and i not in in_count | inside]
    star_select = any(t.group() == "*" for t in toks[select : select + 3])
    if any(v.startswith(PREFIX) for v in used + counted):
        raise Refused("reserved variable name")
    prologue = text[: toks[select].start()]
    where = text[toks[open_at].start() : toks[close_at].end()]
    pattern = translateQuery(parseQuery(prologue + " SELECT * WHERE " + where)).algebra.p.p
    translator = _Translator(
        {t.group()[1:-1] for t in toks if t.lastgroup == "string"}
        | {t.group() for t in toks if t.lastgroup == "number"}
    )
    rel = translator.rel(pattern, None)
    keys = (
        [v for v in rel.cols if not v.startswith(PREFIX)]
        if star_select
        else [v for v in dict.fromkeys(used) if v in rel.cols]
    )
    if numeric and (
        set(keys) != {v for v in groups or () if v in rel.cols}
        or any(v not in rel.cols for a, *_ in numeric for v in a.args)
    ):  # DuckDB's groups would not be the query's: the rows go on as they are
        return _prepare(text, force, numbers_in_sql=False)
    rewrites += [(start, end, f"SAMPLE(?{PREFIX}a{n})") for n, (_, start, end, _) in enumerate(numeric)]
    # one row a group of the query's, no order and no HAVING: any LIMIT + OFFSET groups are an answer
    top = None
    if aggregated and not (expand or distinct or ordered or any(is_keyword(t, "HAVING") for t in outer)):
        if groups is not None and set(keys) == {v for v in groups if v in rel.cols}:
            top = _slice(outer)
    head = _splice(text, 0, toks[open_at].start(), rewrites)
    tail = _splice(text, toks[close_at].end(), len(text), rewrites)
    cols = [f'r."{translator.col(v)}" AS k{i}' for i, v in enumerate(keys)]
    cols += [
        f'count(r."{translator.col(v)}") AS c{i}' if v in rel.cols else f"0 AS c{i}"
        for i, v in enumerate(counted)
    ]
    group = f" GROUP BY {', '.join(f'k{i}' for i in range(len(keys)))}" if keys else ""
    source = rel.sql
    aggregates = [a for a, *_ in numeric]
    if aggregates:
        source, selected = numbers.sql(aggregates, {v: translator.col(v) for v in rel.cols}, rel.sql)
        cols += [f"{c} AS a{i}" for i, c in enumerate(selected)]
    if sliced is not None:  # any LIMIT + OFFSET solutions, one row each: Oxigraph slices them again
        sql = f"SELECT {', '.join([*cols, '1 AS n'])} FROM ({rel.sql}) r LIMIT {min(sliced, CAP + 1)}"
    else:
        sql = (
            f"SELECT {', '.join([*cols, 'count(*) AS n'])} FROM ({source}) r{group} "
            f"HAVING count(*) > 0 LIMIT {CAP + 1 if top is None else min(top, CAP + 1)}"
        )
    shape = translator.shape(pattern)
    empty = text[: toks[open_at].start()] + "{ FILTER(false) }" + text[toks[close_at].end() :]
    return Plan(
        head, tail, sql, translator.constants, keys, counted, star, expand, shape, sliced, aggregates, empty
    )


def _group_by(outer: list[re.Match[str]]) -> list[str] | None:
    """The variables of the GROUP BY clause (``[]`` without one); ``None`` where it groups by
    anything else than variables."""
    at = next(
        (i for i, t in enumerate(outer[:-1]) if is_keyword(t, "GROUP") and is_keyword(outer[i + 1], "BY")),
        None,
    )
    if at is None:
        return []
    out = []
    for t in outer[at + 2 :]:
        if t.lastgroup == "word" and t.group().upper() in ("HAVING", "ORDER", "LIMIT", "OFFSET"):
            break
        if t.lastgroup != "var":
            return None
        out.append(t.group()[1:])
    return out


def _slice(outer: list[re.Match[str]]) -> int | None:
    """LIMIT + OFFSET of a query (the solutions a slice without ORDER BY needs: any that many);
    ``None`` without a LIMIT."""
    found: dict[str, int] = {}
    for i, t in enumerate(outer[:-1]):
        for word in ("LIMIT", "OFFSET"):
            if is_keyword(t, word) and outer[i + 1].lastgroup == "number" and outer[i + 1].group().isdigit():
                found[word] = int(outer[i + 1].group())
    return found["LIMIT"] + found.get("OFFSET", 0) if "LIMIT" in found else None


def _splice(text: str, lo: int, hi: int, spans: list[tuple[int, int, str]]) -> str:
    """``text[lo:hi]`` with the spans inside it replaced."""
    out, pos = [], lo
    for start, end, replacement in sorted(spans):
        if lo <= start and end <= hi:
            out += [text[pos:start], replacement]
            pos = end
    out.append(text[pos:hi])
    return "".join(out)


class _Translator:
    def shape(self, node: Any) -> tuple:
        """The pattern as nested tuples for :func:`work` (called after :meth:`rel`: every
        constant has its number)."""
        name = getattr(node, "name", None)
        if name == "BGP":
            return ("bgp", tuple(tuple(self._place(x) for x in t) for t in self.expand(node.triples)))
        if name in ("Join", "LeftJoin", "Union"):
            return ("and", self.shape(node.p1), self.shape(node.p2))
        return ("and", self.shape(node.p), ())

    def _place(self, term: Any) -> tuple[str, Any]:
        if isinstance(term, Closure):  # estimated as one step of its IRI
            term = term.iri
        if isinstance(term, Variable):
            return ("v", str(term))
        return ("c", self.constants.index(canonical(to_oxigraph(term))))  # type: ignore[arg-type]

    def __init__(self, written: set[str]) -> None:
        self.written = written
        self.constants: list[str] = []
        self.names: dict[str, str] = {}
        self.aliases = 0
        self.hidden = 0  #: hidden variables of sequence paths
        self.graph: Any = None  #: the active graph of the FILTER being translated

    def col(self, var: str) -> str:
        return self.names.setdefault(var, f"v{len(self.names)}")

    def alias(self) -> str:
        self.aliases += 1
        return f"a{self.aliases}"

    def const(self, term: Any) -> str:
        if isinstance(term, Literal) and term.datatype not in _STRINGS and str(term) not in self.written:
            raise Refused("a literal rdflib may have read in another form")
        if not isinstance(term, (URIRef, Literal)):
            raise Refused("not a constant")
        key = canonical(to_oxigraph(term))  # type: ignore[arg-type]
        if key not in self.constants:
            self.constants.append(key)
        return f"{{C{self.constants.index(key)}}}"

    def rel(self, node: Any, graph: Any) -> Rel:
        name = getattr(node, "name", None)
        if name == "BGP":
            return self.bgp(node.triples, graph)
        if name == "Join":
            return self.join(self.rel(node.p1, graph), self.rel(node.p2, graph), optional=False)
        if name == "LeftJoin":
            if node.expr is not None and getattr(node.expr, "name", None) != "TrueFilter":
                raise Refused("OPTIONAL with a filter")
            return self.join(self.rel(node.p1, graph), self.rel(node.p2, graph), optional=True)
        if name == "Union":
            return self.union(self.rel(node.p1, graph), self.rel(node.p2, graph))
        if name == "Extend":
            inner = self.rel(node.p, graph)
            var = str(node.var)
            if var in inner.cols or not (
                isinstance(node.expr, URIRef)
                or (isinstance(node.expr, Literal) and node.expr.datatype in _STRINGS)
            ):
                raise Refused("BIND of an expression")
            cols = {**inner.cols, var: False}
            return Rel(f'SELECT x.*, {self.const(node.expr)} AS "{self.col(var)}" FROM ({inner.sql}) x', cols)
        if name == "Filter":
            inner = self.rel(node.p, graph)
            joins: dict[str, str] = {}
            self.graph = graph  # the active graph of an EXISTS pattern in the condition
            cond = self.cond(node.expr, inner, joins)
            extra = "".join(
                f' LEFT JOIN {NUMERIC_TERMS} {a} ON {a}.id = x."{self.col(v)}"' for v, a in joins.items()
            )
            select = ", ".join(f'x."{self.col(v)}"' for v in inner.cols) or "1 AS one"
            return Rel(f"SELECT {select} FROM ({inner.sql}) x{extra} WHERE {cond}", inner.cols)
        if name == "Graph":
            if graph is not None or not isinstance(node.term, (URIRef, Variable)):
                raise Refused("nested GRAPH")
            return self.rel(node.p, node.term)
        raise Refused(f"{name} is not translated")

    def expand(self, triples: list[Any]) -> list[Any]:
        """``triples`` with their sequence and inverse paths of IRIs written as the joins SPARQL
        defines them to be (``?x p1/p2 ?y`` is ``?x p1 ?h . ?h p2 ?y``, a fresh hidden variable
        between; ``?x ^p ?y`` is ``?y p ?x``): the same solutions, duplicates included. Other
        paths (``*``, ``+``, ``?``, ``|``, ``!``) are refused."""
        out: list[Any] = []
        for s, p, o in triples:
            out += self._path(s, p, o)
        return out

    def _path(self, s: Any, p: Any, o: Any) -> list[Any]:
        if isinstance(p, InvPath):
            return self._path(o, p.arg, s)
        if isinstance(p, SequencePath):
            steps, left = [], s
            for n, part in enumerate(p.args):
                if n == len(p.args) - 1:
                    right = o
                else:
                    self.hidden += 1
                    right = Variable(f"{PREFIX}h{self.hidden}")
                steps += self._path(left, part, right)
                left = right
            return steps
        if isinstance(p, MulPath) and p.mod in ("+", "*"):
            inner = p.path
            if isinstance(inner, InvPath):
                inner, s, o = inner.arg, o, s
            if not isinstance(inner, URIRef):
                raise Refused("a closure of a path other than an IRI")
            if p.mod == "*" and isinstance(s, Variable) and isinstance(o, Variable):
                raise Refused("p* between two variables (every node of the graph at length zero)")
            return [(s, Closure(inner, p.mod == "*"), o)]
        if isinstance(p, Path):
            raise Refused("a path other than a sequence, an inverse, p+ or p* of an IRI")
        return [(s, p, o)]

    def closure(self, path: Closure, s: Any, o: Any) -> str:
        """The pairs (s, o) that ``path`` links, as SQL: a recursive CTE over ``t`` whose UNION keeps
        each pair once (SPARQL's arbitrary-length paths give each node reached once per start; the
        recursion ends on cycles), from the constant end where there is one; with ``p*`` and a
        constant (at least one end is: :meth:`_path`), that constant linked to itself as well
        where the graph holds it as a subject or an object (as Oxigraph answers)."""
        p = self.const(path.iri)
        if not isinstance(s, Variable) or isinstance(o, Variable):  # forward, from s if constant
            start = None if isinstance(s, Variable) else self.const(s)
            seed = f"SELECT s, o FROM t WHERE p = {p}" + ("" if start is None else f" AND s = {start}")
            step = f"SELECT r.s, t.o FROM r JOIN t ON t.s = r.o WHERE t.p = {p}"
        else:  # backward from the constant o
            start = self.const(o)
            seed = f"SELECT s, o FROM t WHERE p = {p} AND o = {start}"
            step = f"SELECT t.s, r.o FROM r JOIN t ON t.o = r.s WHERE t.p = {p}"
        zero = (
            f" UNION SELECT {start} AS s, {start} AS o WHERE EXISTS (SELECT 1 FROM t WHERE s = {start}) "
            f"OR EXISTS (SELECT 1 FROM t WHERE o = {start})"
            if path.zero
            else ""
        )
        return f"WITH RECURSIVE r(s, o) AS ({seed} UNION {step}) SELECT s, o FROM r{zero}"

    def bgp(self, triples: list[Any], graph: Any) -> Rel:
        triples = self.expand(triples)
        if not triples:
            if graph is not None:
                raise Refused("an empty GRAPH pattern")
            return Rel("SELECT 1 AS one", {})
        froms, where, binds = [], [], {}
        for triple in triples:
            a = self.alias()
            if isinstance(triple[1], Closure):
                if graph is not None:
                    raise Refused("p+ or p* inside GRAPH")
                froms.append(f"({self.closure(triple[1], triple[0], triple[2])}) {a}")
                places = [("s", triple[0]), ("o", triple[2])]
            else:
                froms.append(f"{'t' if graph is None else 'quads'} {a}")
                places = list(zip("spo", triple, strict=True)) + ([("g", graph)] if graph is not None else [])
            for column, term in places:
                ref = f"{a}.{column}"
                if isinstance(term, Variable):
                    if str(term) in binds:
                        where.append(f"{ref} = {binds[str(term)]}")
                    else:
                        binds[str(term)] = ref
                elif isinstance(term, BNode) or not isinstance(term, (URIRef, Literal)):
                    raise Refused("a blank node or path in a pattern")
                else:
                    where.append(f"{ref} = {self.const(term)}")
        select = ", ".join(f'{ref} AS "{self.col(v)}"' for v, ref in binds.items()) or "1 AS one"
        return Rel(
            f"SELECT {select} FROM {', '.join(froms)}" + (f" WHERE {' AND '.join(where)}" if where else ""),
            dict.fromkeys(binds, False),
        )

    def join(self, a: Rel, b: Rel, optional: bool) -> Rel:
        """Join (or left join) with SPARQL's compatibility: a variable unbound on one side joins
        anything on the other."""
        if not optional and not a.cols and a.sql == "SELECT 1 AS one":
            return b
        if not b.cols and b.sql == "SELECT 1 AS one":
            return a
        conds, outs, cols = [], [], {}
        for v in dict.fromkeys([*a.cols, *b.cols]):
            c = f'"{self.col(v)}"'
            if v in a.cols and v in b.cols:
                if not a.cols[v] and not b.cols[v]:
                    conds.append(f"a.{c} = b.{c}")
                    outs.append(f"a.{c} AS {c}")
                    cols[v] = False
                else:
                    conds.append(f"(a.{c} IS NULL OR b.{c} IS NULL OR a.{c} = b.{c})")
                    outs.append(f"coalesce(a.{c}, b.{c}) AS {c}")
                    cols[v] = a.cols[v] and (b.cols[v] or optional)
            elif v in a.cols:
                outs.append(f"a.{c} AS {c}")
                cols[v] = a.cols[v]
            else:
                outs.append(f"b.{c} AS {c}")
                cols[v] = b.cols[v] or optional
        kind = "LEFT JOIN" if optional else "JOIN"
        on = " AND ".join(conds) or "TRUE"
        return Rel(
            f"SELECT {', '.join(outs) or '1 AS one'} FROM ({a.sql}) a {kind} ({b.sql}) b ON {on}", cols
        )

    def union(self, a: Rel, b: Rel) -> Rel:
        names = list(dict.fromkeys([*a.cols, *b.cols]))
        cols = {v: v not in a.cols or v not in b.cols or a.cols[v] or b.cols[v] for v in names}

        def side(r: Rel) -> str:
            select = [
                f'"{self.col(v)}"' if v in r.cols else f'CAST(NULL AS BIGINT) AS "{self.col(v)}"'
                for v in names
            ]
            return f"SELECT {', '.join(select) or '1 AS one'} FROM ({r.sql}) u"

        return Rel(f"{side(a)} UNION ALL {side(b)}", cols)

    def cond(self, e: Any, rel: Rel, joins: dict[str, str]) -> str:
        """A FILTER expression as a SQL condition: NULL where SPARQL has an error."""
        name = getattr(e, "name", None)
        if name in ("ConditionalAndExpression", "ConditionalOrExpression"):
            word = " AND " if name == "ConditionalAndExpression" else " OR "
            return "(" + word.join(self.cond(x, rel, joins) for x in [e.expr, *(e.other or [])]) + ")"
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            return self.exists(e.graph, rel, negated=name == "Builtin_NOTEXISTS")
        if name == "UnaryNot" and getattr(e.expr, "name", None) in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            return self.exists(e.expr.graph, rel, negated=e.expr.name == "Builtin_EXISTS")
        if name == "Builtin_BOUND":
            return self.ref(e.arg, rel, "IS NOT NULL", "FALSE")
        if name == "UnaryNot" and getattr(e.expr, "name", None) == "Builtin_BOUND":
            return self.ref(e.expr.arg, rel, "IS NULL", "TRUE")
        if name == "Builtin_sameTerm":
            var, term = (e.arg1, e.arg2) if isinstance(e.arg1, Variable) else (e.arg2, e.arg1)
            if not isinstance(var, Variable) or isinstance(term, Variable):
                raise Refused("sameTerm of two variables")
            return self.ref(var, rel, f"= {self.const(term)}", "NULL")
        if name != "RelationalExpression":
            raise Refused(f"{name} in FILTER")
        var, op, term = e.expr, e.op, e.other
        if not isinstance(var, Variable):
            var, term, op = term, var, {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        if (
            not isinstance(var, Variable)
            or isinstance(term, Variable)
            or op not in ("=", "!=", "<", ">", "<=", ">=")
        ):
            raise Refused("a comparison this translation does not make")
        if isinstance(term, URIRef) and op in ("=", "!="):
            return self.ref(var, rel, f"{'=' if op == '=' else '<>'} {self.const(term)}", "NULL")
        if isinstance(term, Literal) and term.datatype in _STRINGS and not term.language and op == "=":
            return self.ref(var, rel, f"= {self.const(term)}", "NULL")
        if isinstance(term, Literal) and term.datatype in _EXACT_NUMBERS and op != "!=":
            return self.numeric(var, op, term, rel, joins)
        raise Refused("a comparison this translation does not make")

    def exists(self, pattern: Any, rel: Rel, negated: bool) -> str:
        """``[NOT] EXISTS { pattern }`` as a correlated SQL ``[NOT] EXISTS``: SPARQL substitutes the
        solution's bound variables into the pattern, which for a pattern of triples, joins, UNION
        and GRAPH is the same as a row of the pattern compatible with the solution (equal where
        both are bound). Anything else in the pattern (FILTER, OPTIONAL, BIND, another EXISTS: a
        substituted variable there is not a join) is refused, as is a variable shared with the
        solution that may be unbound on either side. Never an error: TRUE or FALSE."""
        pattern = translateGroupGraphPattern(pattern)
        if not _joins_only(pattern):
            raise Refused("EXISTS over a pattern other than triples, joins, UNION and GRAPH")
        inner = self.rel(pattern, self.graph)
        conds = []
        for v in inner.cols:
            if v in rel.cols:
                if rel.cols[v] or inner.cols[v]:  # no equi-join: DuckDB would compare every pair
                    raise Refused("EXISTS correlated on a variable that may be unbound")
                conds.append(f'e."{self.col(v)}" = x."{self.col(v)}"')
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        return f"({'NOT ' if negated else ''}EXISTS (SELECT 1 FROM ({inner.sql}) e{where}))"

    def ref(self, var: Any, rel: Rel, test: str, absent: str) -> str:
        if not isinstance(var, Variable):
            raise Refused("not a variable")
        return f'(x."{self.col(str(var))}" {test})' if str(var) in rel.cols else absent

    def numeric(self, var: Variable, op: str, term: Literal, rel: Rel, joins: dict[str, str]) -> str:
        try:
            value = Decimal(str(term))
        except InvalidOperation:
            raise Refused("not a number") from None
        if not value.is_finite() or abs(value) >= Decimal(10) ** 20 or -value.as_tuple().exponent > 18:  # type: ignore[operator]
            raise Refused("a number out of DECIMAL(38,18)")
        if str(var) not in rel.cols:
            return "NULL"
        a = joins.setdefault(str(var), f"n{len(joins)}")
        sql_op = "=" if op == "=" else op
        exact = f"CAST('{format(value, 'f')}' AS DECIMAL(38,18))"
        if value == value.to_integral_value() and abs(value) < 2**53:
            double = f"CASE WHEN isnan({a}.dbl) THEN FALSE ELSE {a}.dbl {sql_op} {int(value)} END"
        else:
            double = "error('efreg-analytic: a double compared with a decimal')"
        return (
            f"(CASE {a}.nk WHEN 1 THEN {a}.num {sql_op} {exact} WHEN 2 THEN {double} "
            f"WHEN 9 THEN error('efreg-analytic: a number not held exactly') ELSE NULL END)"
        )


def _joins_only(node: Any) -> bool:
    """Whether the algebra ``node`` is made of basic graph patterns, joins, UNION and GRAPH only."""
    name = getattr(node, "name", None)
    if name == "BGP":
        return True
    if name in ("Join", "Union"):
        return _joins_only(node.p1) and _joins_only(node.p2)
    return name == "Graph" and _joins_only(node.p)


# --- when it pays -------------------------------------------------------------------------------
RDF_TYPE = str(RDF.type)
#: Estimated rows a pattern touches (:func:`work`) below which Oxigraph alone (with the join
#: planner) answers faster than the two stages (their fixed cost: the SQL, the VALUES text, a second
#: parse): measured on the benchmark queries (RESULTS, session 4).
THRESHOLD = 100.0
#: What a row costs each engine, in ms, from the mix and the questions measured side by side in one
#: process on the 100k benchmark store (RESULTS, session 5; the same load for both): Oxigraph per
#: row a pattern touches as :func:`work` estimates it (8–40 µs, an index look-up each), DuckDB per
#: row of ``t`` a pattern scans, and the two stages' fixed cost (the SQL's planning, the constants'
#: and keys' look-ups, the VALUES text and its second parse). Their ratio decides. DuckDB's figure
#: measured again in session 7 (CPU ms of both threads, in process, nine two-stage queries of the
#: mix and the questions at 100k, after the numeric FILTER's scan was cut): 0.014–0.089 µs a row
#: beyond the fixed cost, median 0.026 (session 5: 0.07–0.27, taken at load 9–14).
OXIGRAPH_ROW_MS = 0.012
DUCKDB_ROW_MS = 0.00004
TWO_STAGE_MS = 5.0


def pays(plan: Plan, stats: Any) -> bool:
    """Whether the two stages are estimated faster than Oxigraph alone: the rows Oxigraph touches
    (:func:`work`; for a slice, only the share of the solutions it needs) against the rows DuckDB
    scans (:func:`scanned`: each pattern reads every triple of its predicate), never below
    :data:`THRESHOLD` rows."""
    touched, solutions = _estimate(plan, stats)
    if touched < THRESHOLD:
        return False
    if plan.limit is not None and solutions > plan.limit:  # Oxigraph stops after the slice
        touched *= plan.limit / solutions
    return TWO_STAGE_MS + scanned(plan, stats) * DUCKDB_ROW_MS < touched * OXIGRAPH_ROW_MS


def scanned(plan: Plan, stats: Any) -> float:
    """Rows of the replica's ``t`` the SQL of ``plan`` reads: the triples of each pattern's
    predicate (all triples for a variable one)."""
    if stats is None or not getattr(stats, "triples", 0):
        return 0.0
    iris = [k[1:-1] if k.startswith("<") else None for k in plan.constants]

    def walk(shape: tuple) -> float:
        if not shape:
            return 0.0
        if shape[0] == "and":
            return walk(shape[1]) + walk(shape[2])
        total = 0.0
        for _, (kp, p), _ in shape[1]:
            prop = stats.properties.get(iris[p] or "") if kp == "c" else None
            total += float(prop.triples if prop else 0 if kp == "c" else stats.triples)
        return total

    return walk(plan.shape)


def work(plan: Plan, stats: Any) -> float:
    """Rows the pattern of ``plan`` touches, estimated from VoID statistics (``GraphStats``): each
    basic graph pattern joined greedily from its smallest triple pattern, the rows of every step
    summed; ``inf`` without statistics."""
    return _estimate(plan, stats)[0]


def _estimate(plan: Plan, stats: Any) -> tuple[float, float]:
    """:func:`work` and the solutions estimated: the smallest basic graph pattern's (the others
    are joined with it; an estimate that rather errs low, so a slice is not taken to stop early
    where it would not)."""
    if stats is None or not getattr(stats, "triples", 0):
        return float("inf"), float("inf")
    iris = [k[1:-1] if k.startswith("<") else None for k in plan.constants]

    def rows(triple: tuple, bound: set[str]) -> float:
        (ks, s), (kp, p), (ko, o) = triple
        s_bound, o_bound = ks == "c" or s in bound, ko == "c" or o in bound
        prop = None
        if kp == "c":
            prop = stats.properties.get(iris[p] or "")
            if prop is None:
                return 0.0
            if iris[p] == RDF_TYPE and ko == "c":
                return float(stats.classes.get(iris[o] or "", 0)) / (max(prop.subjects, 1) if s_bound else 1)
        triples = float(prop.triples if prop else stats.triples)
        subjects = max(prop.subjects if prop else stats.subjects, 1)
        objects = max(prop.objects if prop else stats.objects, 1)
        if s_bound and o_bound:
            return min(1.0, triples / subjects / objects)
        return triples / subjects if s_bound else triples / objects if o_bound else triples

    solutions = [float("inf")]

    def walk(shape: tuple) -> float:
        if not shape:
            return 0.0
        if shape[0] == "and":
            return walk(shape[1]) + walk(shape[2])
        left, bound, current, total = list(shape[1]), set(), 1.0, 0.0
        while left:
            best = min(left, key=lambda t: current * rows(t, bound))
            current = current * rows(best, bound)
            total += current
            bound |= {x for k, x in best if k == "v"}
            left.remove(best)
        solutions[0] = min(solutions[0], current)
        return total

    return walk(plan.shape), solutions[0]


# --- evaluation --------------------------------------------------------------------------------
class Overflow(Exception):
    """More rows than :data:`CAP`, or a term that cannot go into VALUES."""


def stage_two(plan: Plan, replica: Any, timeout: float) -> str | None:
    """The query for Oxigraph with the pattern's solutions as VALUES; ``None`` when the rows do
    not fit (:data:`CAP`, blank nodes). ``replica``: an :class:`~registry.store.analytic.AnalyticReplica`."""
    ids = replica.ids(plan.constants, timeout) if plan.constants else {}
    local = {key: -1 - n for n, key in enumerate(plan.constants) if key not in ids}
    ids.update(local)
    sql = plan.sql
    for n, key in enumerate(plan.constants):
        sql = sql.replace(f"{{C{n}}}", str(ids[key]))
    rows = replica.query(sql, [], timeout)
    if len(rows) > CAP or (plan.expand and sum(int(r[-1]) for r in rows) > CAP):
        return None
    if plan.computed and not rows:  # Oxigraph's aggregates of no solutions (SUM 0, MIN unbound, …)
        return plan.empty
    width = len(plan.keys)
    spans, at = [], width + len(plan.counted)
    for aggregate in plan.computed:
        spans.append((aggregate, at))
        at += aggregate.width
    needed = {int(v) for r in rows for v in r[:width] if v is not None and v >= 0}
    needed |= {i for r in rows for a, at in spans for i in numbers.wanted(a, r[at : at + a.width])}
    if len(needed) > CAP:
        return None
    wanted = sorted(needed)
    keys = replica.keys(wanted, timeout) if wanted else {}
    keys.update({i: key for key, i in local.items()})
    if any(k.startswith(("_:", "<<")) for k in keys.values()):
        return None
    names = [f"?{v}" for v in plan.keys]
    names += [f"?{PREFIX}c{i}" for i in range(len(plan.counted))]
    names += [f"?{PREFIX}n"] if plan.star else []
    names += [f"?{PREFIX}a{n}" for n in range(len(plan.computed))]
    lines = []
    for r in rows:
        cells = ["UNDEF" if v is None else keys[int(v)] for v in r[:width]]
        cells += [str(int(c)) for c in r[width : width + len(plan.counted)]]
        try:
            computed = [numbers.finish(a, r[at : at + a.width], int(r[-1]), keys) for a, at in spans]
        except numbers.Unsure:
            return None
        cells += [str(int(r[-1]))] if plan.star else []
        cells += computed
        line = f"({' '.join(cells)})"
        lines += [line] * (int(r[-1]) if plan.expand else 1)
    block = f"{{ VALUES ({' '.join(names)}) {{\n{chr(10).join(lines)}\n}} }}"
    return f"{plan.head}{block}{plan.tail}"
