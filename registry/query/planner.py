"""Cost-based join order for basic graph patterns, handed to Oxigraph in a form it keeps.

Oxigraph's optimizer orders joins by which positions of a pattern are bound, without counts, so a
query may start from the wrong side (benchmarks/RESULTS.md, "Join order without statistics"). This
module rewrites the query text: each run of plain triple patterns in a group is ordered greedily by
estimated cardinality from the VoID statistics (:mod:`registry.query.statistics`) — the next pattern
is the one giving the fewest estimated rows given the variables bound so far — into chains written
as ``{ t1 . LATERAL { t2 } LATERAL { t3 } }``. Oxigraph (0.5, SEP-0006) evaluates a ``LATERAL`` as a
for-loop join (the right side looked up once per row of the left side) and never reorders across
it; for triple patterns, which bind every variable they mention, that is exactly their join. When
the cheapest next pattern shares no variable with the chain, a new chain starts; chains are
written as sub-selects (``{ SELECT * WHERE chain }``), which Oxigraph evaluates once each and
hash-joins. A run is rewritten only when its plan differs from the one Oxigraph would pick
(:func:`engine_order` mirrors its greedy) and is estimated cheaper, a LATERAL step's per-row
overhead included (:data:`LATERAL_OVERHEAD`). Variables bound elsewhere in the group (UNION
branches, VALUES, BIND, paths) count as bound: Oxigraph looks a small run up once per their rows.

What is rewritten, and only that: maximal runs of triples made of IRIs, prefixed names, variables,
literals and ``a`` (with ``;`` and ``,``) that stand between group boundaries, in the WHERE group
and in the groups nested in it (OPTIONAL, MINUS, UNION branches, GRAPH <iri>, sub-select WHERE
groups). Never touched: anything with blank nodes (``_:b``, ``[]``), property paths or collections;
CONSTRUCT templates and ``CONSTRUCT WHERE``; FILTER, BIND, VALUES, EXISTS, SERVICE, ``GRAPH ?var``
and their contents; updates. FILTERs stay where they were (their scope is the whole group, which
keeps the same solutions). Whatever the lexer does not recognise returns the text unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from registry.query.statistics import GraphStats, PropertyStats
from registry.rdf.sparql_lexer import resolve_iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<string>(?:'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
               (?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:<[^<>"{}|^`\\\x00-\x20]*>|(?:[^\W\d][\w.-]*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*))?)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<bnode>_:[\w.-]*)
  | (?P<pname>(?:[^\W\d][\w.-]*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*)
  | (?P<number>[+-]?(?:\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+))
  | (?P<word>[^\W\d]\w*)
  | (?P<op>\^\^|&&|\|\||!=|<=|>=|[{}()\[\].;,^/|*+?!=<>&-])
    """,
    re.X,
)
#: Tokens that may stand in a plain triple.
TERMS = frozenset({"iri", "pname", "var", "string", "number"})
#: Words that start a group element other than triples (the planner steps over them).
_SKIP_BLOCK = frozenset({"VALUES", "SERVICE", "LATERAL"})
_EXPRESSION = frozenset({"FILTER", "BIND"})


class Token(NamedTuple):
    """A token (a tuple: made for every token of every query planned, which a frozen dataclass
    made three times slower)."""

    kind: str  #: iri, pname, var, string, number, word, op, bnode, a
    text: str
    start: int
    end: int


class Unplannable(Exception):
    """Text the planner does not recognise: the query runs as written."""


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (whitespace and comments dropped). Inside parentheses a ``<`` after an
    operand is a comparison and a sign after an operand an operator, as the grammar reads them."""
    tokens: list[Token] = []
    append, match_at = tokens.append, _TOKEN.match
    i, n, parens = 0, len(text), 0
    after_operand = False  # the last token is an operand (a term or ")")
    while i < n:
        match = match_at(text, i)
        if match is None:
            raise Unplannable(f"unexpected character at {i}")
        kind = match.lastgroup or ""
        if kind == "ws":
            i = match.end()
            continue
        value = match.group()
        if kind == "iri" and parens > 0 and after_operand:
            kind, value = "op", "<=" if text.startswith("<=", i) else "<"
        elif kind == "number" and value[0] in "+-" and parens > 0 and after_operand:
            kind, value = "op", value[0]
        elif kind in ("pname", "bnode"):
            value = value.rstrip(".")
        if kind == "word":
            if value == "a":
                kind = "a"
            elif value.lower() in ("true", "false"):
                kind = "number"
        elif kind == "op":
            parens += (value == "(") - (value == ")")
        end = i + len(value)
        append(Token(kind, value, i, end))
        after_operand = kind in TERMS or value == ")"
        i = end
    return tokens


def _in_run(token: Token) -> bool:
    return token.kind in TERMS or token.kind == "a" or (token.kind == "op" and token.text in ".;,")


# --- reading the query ----------------------------------------------------------------------------


@dataclass
class Prologue:
    base: str = ""
    prefixes: dict[str, str] | None = None

    def resolve(self, token: Token) -> str | None:
        """The IRI of an IRI or prefixed-name token (None when it cannot be resolved)."""
        if token.kind == "iri":
            return resolve_iri(self.base, token.text[1:-1])
        if token.kind == "a":
            return RDF_TYPE
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = (self.prefixes or {}).get(prefix)
            return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)
        return None


def _close(tokens: list[Token], i: int, open_: str, close: str) -> int:
    """Index of the token closing the bracket ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "op" and tokens[j].text == open_:
            depth += 1
        elif tokens[j].kind == "op" and tokens[j].text == close:
            depth -= 1
            if depth == 0:
                return j
    raise Unplannable("unbalanced brackets")


def _is(token: Token, text: str) -> bool:
    return token.kind == "op" and token.text == text


def _keyword(token: Token) -> str | None:
    return token.text.upper() if token.kind == "word" else None


Triple = tuple[Token, Token, Token]


def parse_run(run: list[Token]) -> list[Triple]:
    """The triples of a run of plain triple tokens (``s p o ; p o , o .``); Unplannable if it is not
    whole triples."""
    triples: list[Triple] = []
    i, n = 0, len(run)
    while i < n:
        subject = run[i]
        if subject.kind not in TERMS:
            raise Unplannable("not a subject")
        i += 1
        while True:
            if i >= n or run[i].kind not in ("iri", "pname", "var", "a"):
                raise Unplannable("not a verb")
            verb = run[i]
            i += 1
            while True:
                if i >= n or run[i].kind not in TERMS:
                    raise Unplannable("not an object")
                triples.append((subject, verb, run[i]))
                i += 1
                if i < n and _is(run[i], ","):
                    i += 1
                    continue
                break
            while i < n and _is(run[i], ";"):
                i += 1
            if i < n and run[i - 1].text == ";" and run[i].kind in ("iri", "pname", "var", "a"):
                continue
            break
        if i < n:
            if not _is(run[i], "."):
                raise Unplannable("triples not ended by '.'")
            i += 1
    return triples


# --- estimating -----------------------------------------------------------------------------------


class Estimator:
    """Rows of a triple pattern from VoID statistics, given which variables are bound."""

    def __init__(self, stats: GraphStats, prologue: Prologue) -> None:
        self.stats, self.prologue = stats, prologue
        total = max(stats.triples, 1)
        self.everything = PropertyStats(total, max(stats.subjects, 1), max(stats.objects, 1))

    def rows(self, triple: Triple, bound: set[str]) -> float:
        s, p, o = triple
        s_bound = s.kind != "var" or s.text[1:] in bound
        o_bound = o.kind != "var" or o.text[1:] in bound
        prop = self.everything
        if p.kind != "var" or p.text[1:] in bound:
            iri = self.prologue.resolve(p) if p.kind != "var" else None
            if iri is not None:
                prop = self.stats.properties.get(iri, PropertyStats(0, 1, 1))
            else:  # bound by an earlier pattern: an average property
                count = max(len(self.stats.properties), 1)
                prop = PropertyStats(
                    max(self.everything.triples // count, 1),
                    self.everything.subjects,
                    self.everything.objects,
                )
            if iri == RDF_TYPE and o.kind != "var":
                cls = self.prologue.resolve(o)
                entities = self.stats.classes.get(cls or "", 0)
                return float(entities) / (max(prop.subjects, 1) if s_bound else 1)
        triples, subjects, objects = float(prop.triples), max(prop.subjects, 1), max(prop.objects, 1)
        if s_bound and o_bound:
            return min(1.0, triples / subjects / objects) if triples else 0.0
        if s_bound:
            return triples / subjects
        if o_bound:
            return triples / objects
        return triples


#: What a LATERAL step costs per input row beyond the engine's own for-loop join (measured on the
#: 10k benchmark store: ~9 µs against ~2 µs per probe): a rewrite must win by more than that.
LATERAL_OVERHEAD = 3.0


def _names(t: Triple) -> set[str]:
    return {x.text[1:] for x in t if x.kind == "var"}


#: A plan: chains of patterns, each evaluated in its order (for-loop joins); chains that share no
#: variable are evaluated once each and hash-joined, never as a cartesian product of look-ups.
Plan = list[list[Triple]]


def order(triples: list[Triple], estimator: Estimator, bound: frozenset[str] = frozenset()) -> Plan:
    """Greedy: start from the pattern with the fewest estimated rows, then add the one that keeps the
    estimated intermediate result smallest (ties: one sharing a variable, then the written order).
    When the cheapest next pattern shares no variable with the chain so far, a new chain starts
    (estimated on its own). ``bound``: variables the rest of the group binds (assumed bound when
    the run is evaluated)."""
    left = list(range(len(triples)))
    known = set(bound)
    rows = 1.0
    chains: Plan = []
    chain: list[Triple] = []
    while left:
        costs = {k: _cost(triples[k], k, rows, known, bool(chain), estimator) for k in left}
        best = min(left, key=costs.__getitem__)
        if chain and costs[best][1]:  # nothing cheaper joins the chain: a new one, hash-joined
            chains.append(chain)
            chain, known, rows = [], set(bound), 1.0
            continue
        rows = max(costs[best][0], 1e-3)
        left.remove(best)
        chain.append(triples[best])
        known |= _names(triples[best])
    return [*chains, chain]


def _cost(
    t: Triple, k: int, rows: float, bound: set[str], started: bool, estimator: Estimator
) -> tuple[float, int, int]:
    connected = 0 if (not started or _names(t) & bound) else 1
    return (rows * estimator.rows(t, bound), connected, k)


def engine_order(triples: list[Triple], bound: frozenset[str] = frozenset()) -> Plan:
    """The order Oxigraph's optimizer picks for these patterns (sparopt's greedy, which estimates
    a pattern from which positions are bound: a constant-free look-up is a million rows), as
    chains: its connected components, which it hash-joins."""
    left = list(range(len(triples)))
    known = set(bound)
    chains: Plan = []
    chain: list[Triple] = []
    while left:
        # what the rest of the group binds is joined first when small: patterns sharing a variable
        # with it are the candidates, as with a chain already started
        anchored = bool(chain) or (not chains and bool(bound))
        connected = [k for k in left if anchored and _names(triples[k]) & known]
        if chain and not connected:
            chains.append(chain)
            chain, known = [], set(bound)
        best = min(connected or left, key=lambda k: (_engine_rows(triples[k], known), k))
        left.remove(best)
        chain.append(triples[best])
        known |= _names(triples[best])
    return [*chains, chain]


def _engine_rows(t: Triple, bound: set[str]) -> int:
    s, p, o = (x.kind != "var" or x.text[1:] in bound for x in t)
    return {
        (True, True, True): 1,
        (True, True, False): 10,
        (True, False, True): 2,
        (False, True, True): 10_000,
        (True, False, False): 100,
        (False, False, False): 1_000_000_000,
        (False, True, False): 1_000_000,
        (False, False, True): 100_000,
    }[(s, p, o)]


def cost(
    plan: Plan, estimator: Estimator, bound: frozenset[str] = frozenset(), per_step: float = 1.0
) -> float:
    """Estimated rows touched evaluating ``plan``: in each chain the rows looked up at each step
    and the rows each step yields (times ``per_step``), then the rows of each chain hashed."""
    total = 0.0
    for chain in plan:
        known, rows = set(bound), 1.0
        for t in chain:
            step = rows * estimator.rows(t, known)
            total += (rows + step) * per_step
            rows = step
            known |= _names(t)
        total += rows if len(plan) > 1 else 0.0
    return total


def _pattern(t: Triple) -> str:
    return " ".join(x.text for x in t)


def chain_text(chain: list[Triple]) -> str:
    """``{ t1 . LATERAL { t2 } LATERAL { t3 } }``: a for-loop join in this order."""
    first, *rest = chain
    return "{ " + _pattern(first) + " . " + " ".join("LATERAL { " + _pattern(t) + " }" for t in rest) + " }"


def render(plan: Plan) -> str:
    """One chain as it is; several as sub-selects, which Oxigraph evaluates once each and hash-joins."""
    if len(plan) == 1:
        return chain_text(plan[0])
    return "{ " + " ".join("{ SELECT * WHERE " + chain_text(chain) + " }" for chain in plan) + " }"


# --- walking the query ----------------------------------------------------------------------------


class _Planner:
    def __init__(self, tokens: list[Token], estimator: Estimator, force: bool = False) -> None:
        self.tokens, self.estimator, self.force = tokens, estimator, force
        self.edits: list[tuple[int, int, str]] = []  #: (start offset, end offset, replacement)
        self.current = (0, 0)  #: the group being planned: indexes of its braces

    def group(self, open_at: int) -> int:
        """Plan the group whose ``{`` is at ``open_at``; returns the index of its ``}``."""
        outer = self.current
        try:
            return self._group(open_at)
        finally:
            self.current = outer

    def _group(self, open_at: int) -> int:
        tokens = self.tokens
        close = _close(tokens, open_at, "{", "}")
        i = open_at + 1
        if i < close and _keyword(tokens[i]) == "SELECT":
            return self.subselect(i, close)
        run: list[Token] = []
        while i < close:
            self.current = (open_at, close)  # a nested group planned meanwhile set its own
            t = tokens[i]
            word = _keyword(t)
            if _in_run(t):
                run.append(t)
                i += 1
                continue
            if t.kind == "bnode" or (t.kind == "op" and t.text != "{"):
                # blank nodes, collections, paths: this triples block runs as written; the whole
                # triples before it are planned
                dot = max((k for k, r in enumerate(run) if _is(r, ".")), default=-1)
                self.flush(run[: dot + 1])
                run = []
                i = self.skip_triples(i, close)
                continue
            self.flush(run)
            run = []
            if _is(t, "{"):
                i = self.group(i) + 1
            elif word in ("OPTIONAL", "MINUS", "UNION") and _is(tokens[i + 1], "{"):
                i = self.group(i + 1) + 1
            elif word == "GRAPH":
                name = tokens[i + 1]
                if name.kind in ("iri", "pname") and _is(tokens[i + 2], "{"):
                    i = self.group(i + 2) + 1
                elif name.kind == "var" and _is(tokens[i + 2], "{"):
                    i = _close(tokens, i + 2, "{", "}") + 1
                else:
                    raise Unplannable("GRAPH without a name and a group")
            elif word in _EXPRESSION or word in _SKIP_BLOCK:
                i = self.skip_element(i, close)
            else:
                raise Unplannable(f"unexpected {t.text!r} in a group")
        self.current = (open_at, close)
        self.flush(run)
        return close

    def skip_triples(self, i: int, close: int) -> int:
        """Step over the rest of a triples block that is not plain (to its '.' or the group's end)."""
        tokens = self.tokens
        while i < close:
            t = tokens[i]
            if _is(t, "[") or _is(t, "("):
                i = _close(tokens, i, t.text, "]" if t.text == "[" else ")") + 1
                continue
            if _is(t, ".") or _is(t, "{") or _keyword(t) in ("OPTIONAL", "MINUS", "GRAPH", "FILTER", "BIND"):
                return i + 1 if _is(t, ".") else i
            if _keyword(t) in _SKIP_BLOCK:
                return i
            i += 1
        return i

    def skip_element(self, i: int, close: int) -> int:
        """Step over FILTER / BIND (their expression) or VALUES / SERVICE / LATERAL (their block)."""
        tokens = self.tokens
        j = i + 1
        while j < close:
            if _is(tokens[j], "("):
                end = _close(tokens, j, "(", ")")
                if _keyword(tokens[i]) in _EXPRESSION:
                    return end + 1
                j = end + 1
            elif _is(tokens[j], "{"):
                return _close(tokens, j, "{", "}") + 1
            else:
                j += 1
        raise Unplannable("an element without its block")

    def subselect(self, select_at: int, close: int) -> int:
        tokens = self.tokens
        j = select_at
        while j < close:
            if _is(tokens[j], "("):
                j = _close(tokens, j, "(", ")") + 1
            elif _is(tokens[j], "{"):
                self.group(j)
                return close
            else:
                j += 1
        return close

    def outside(self, run: list[Token]) -> set[str]:
        """Variables the rest of the run's group binds (UNION branches and nested groups, VALUES,
        BIND, GRAPH names, paths, other triples; not FILTER, OPTIONAL or MINUS): Oxigraph evaluates
        those first when they are small and looks the run up once per row, so they count as bound
        when ordering the run."""
        open_at, close = self.current
        tokens, found, i = self.tokens, set(), open_at + 1
        while i < close:
            t = tokens[i]
            word = _keyword(t)
            if word == "FILTER":
                i = self.skip_element(i, close)
                continue
            if word in ("OPTIONAL", "MINUS") and _is(tokens[i + 1], "{"):
                i = _close(tokens, i + 1, "{", "}") + 1
                continue
            if t.kind == "var" and not run[0].start <= t.start < run[-1].end:
                found.add(t.text[1:])
            i += 1
        return found

    def flush(self, run: list[Token]) -> None:
        if not run:
            return
        triples = parse_run(run)
        if len(triples) < 2 or any(x.kind == "bnode" for t in triples for x in t):
            return
        outside = frozenset(self.outside(run)) & {n for t in triples for n in _names(t)}
        planned = order(triples, self.estimator, outside)
        engine = engine_order(triples, outside)
        if not self.force:
            if planned == engine:
                return  # Oxigraph would pick this order itself, without the LATERAL steps' overhead
            mine = cost(planned, self.estimator, outside, 1 + LATERAL_OVERHEAD)
            if mine >= cost(engine, self.estimator, outside):
                return
        self.edits.append((run[0].start, run[-1].end, render(planned)))


def _prologue(tokens: list[Token]) -> tuple[Prologue, int]:
    prologue, prefixes, i = Prologue(), {}, 0
    while i < len(tokens):
        word = _keyword(tokens[i])
        if word == "BASE" and tokens[i + 1].kind == "iri":
            prologue.base = resolve_iri(prologue.base, tokens[i + 1].text[1:-1])
            i += 2
        elif word == "PREFIX" and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
            iri = tokens[i + 2].text[1:-1]
            prefixes[tokens[i + 1].text.rstrip(":")] = resolve_iri(prologue.base, iri)
            i += 3
        else:
            break
    prologue.prefixes = prefixes
    return prologue, i


def plan(text: str, stats: GraphStats | None, force: bool = False) -> str:
    """``text`` with the joins of its basic graph patterns in estimated-cheapest order (see the module
    docstring); the text unchanged when there is nothing to plan or anything it cannot prove safe.
    A run is rewritten only when its order differs from the one Oxigraph would pick and its
    estimated cost, LATERAL overhead included, is lower; ``force`` rewrites every run it can (the
    tests use it to hold every rewrite to the original answers)."""
    if stats is None or not stats.triples:
        return text
    try:
        tokens = tokenize(text)
        prologue, i = _prologue(tokens)
        if i >= len(tokens):
            return text
        form = _keyword(tokens[i])
        if form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return text
        j = i + 1
        if form == "CONSTRUCT":
            if not _is(tokens[j], "{"):
                return text  # CONSTRUCT WHERE: the pattern is also the template
            j = _close(tokens, j, "{", "}") + 1
        while j < len(tokens) and not _is(tokens[j], "{"):
            if _is(tokens[j], "("):
                j = _close(tokens, j, "(", ")")
            j += 1
        if j >= len(tokens):
            return text
        planner = _Planner(tokens, Estimator(stats, prologue), force)
        planner.group(j)
    except (Unplannable, IndexError):
        return text
    out = text
    for start, end, replacement in sorted(planner.edits, reverse=True):
        out = out[:start] + replacement + out[end:]
    return out
