"""Parse a query or update (rdflib's SPARQL parser) and report what it reaches out to.

The store never sees a request that did not pass through here: syntax errors become
:class:`~registry.store.QuerySyntaxError` with the parser's line and column, and the parse tree tells
which SERVICE endpoints, FROM / FROM NAMED graphs, LOAD sources and USING / WITH clauses it holds.
rdflib's parser is stricter than or equal to Oxigraph's on SPARQL 1.1, so a request rdflib cannot
read is refused (fail closed) rather than handed to a store that might interpret it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translatePName, translatePrologue, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Literal as RDFLiteral
from rdflib.term import URIRef, Variable

from registry.query.limits import QueryLimitExceeded
from registry.rdf.sparql_lexer import is_keyword, significant, tokens
from registry.store import QuerySyntaxError

QueryForm = Literal["select", "ask", "construct", "describe"]
FORMS: dict[str, QueryForm] = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "construct",
    "DescribeQuery": "describe",
}


@dataclass(frozen=True)
class ServiceRef:
    iri: str | None  #: the endpoint, or None for ``SERVICE ?variable``
    variable: str | None
    silent: bool


@dataclass
class RequestInfo:
    """What a parsed query or update names."""

    form: QueryForm | Literal["update"]
    services: list[ServiceRef] = field(default_factory=list)
    from_default: list[str] = field(default_factory=list)  #: FROM (queries)
    from_named: list[str] = field(default_factory=list)  #: FROM NAMED (queries)
    loads: list[str] = field(default_factory=list)  #: LOAD sources (updates)
    has_using_or_with: bool = False  #: USING / USING NAMED / WITH in any operation (updates)
    graph_variable_in_where: bool = False  #: ``GRAPH ?g`` inside an update's WHERE
    iris: set[str] = field(default_factory=set)  #: every IRI the request mentions


def _syntax_error(kind: str, exc: ParseBaseException) -> QuerySyntaxError:
    return QuerySyntaxError(
        f"SPARQL {kind} syntax error at line {exc.lineno}, column {exc.col}: {exc.msg} "
        f"(near {exc.line.strip()[:80]!r})"
    )


def _resolve(kind: str, tree: Any, prologue: Any) -> Any:
    """Expand prefixed names and resolve relative IRIs (against BASE, else the registry base)."""
    try:
        return traverse(tree, visitPost=functools.partial(translatePName, prologue=prologue))
    except Exception as exc:  # noqa: BLE001 - rdflib raises a bare Exception for an unknown prefix
        if "prefix" not in str(exc).lower():
            raise
        raise QuerySyntaxError(f"SPARQL {kind}: {exc}") from None


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, CompValue) or isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):
        for value in node:
            yield from _walk(value)


def _collect(info: RequestInfo, tree: Any) -> None:
    for node in _walk(tree):
        if isinstance(node, URIRef):
            info.iris.add(str(node))
        if not isinstance(node, CompValue):
            continue
        if node.name == "ServiceGraphPattern":
            term = node.get("term")
            if isinstance(term, Variable):
                info.services.append(ServiceRef(None, str(term), "silent" in node))
            else:
                info.services.append(ServiceRef(str(term), None, "silent" in node))


def inspect_query(text: str, base: str | None = None) -> RequestInfo:
    """Parse ``text`` as a SPARQL 1.1 query; raise :class:`QuerySyntaxError` when it does not parse.

    rdflib's parser takes 2–12 ms a query (a third of a small query's time over HTTP), and clients
    send the same query shapes with other IRIs and strings. So the query's absolute IRIs and short
    strings are replaced by numbered slots (:func:`query_template`), the template is parsed once
    (cached per template and base) and the slots are put back into the answer. A template that does
    not read back every slot exactly once, as the kind of term it replaced, is not used: the text
    is then parsed as it is. Callers must not modify the :class:`RequestInfo` they get."""
    text = collapse_values(text)
    template = query_template(text) if len(text) <= CACHED_TEXT else None
    if template is not None:
        shape, values = template
        info = _inspect_template(shape, base, len(values))
        if info is not None:
            return _fill(info, values)
    return _inspect_query(text, base)


#: What a row of a VALUES block may hold: terms (a literal's language tag or ``^^`` datatype with it).
_ROW_TOKENS = frozenset({"iri", "string", "number", "pname", "word", "lang"})


def collapse_values(text: str) -> str:
    """``text`` with every VALUES block cut to its first row, when the block holds nothing but rows
    of terms: rdflib's parser takes about a millisecond a term, so 10,000 rows would hold a worker for
    seconds, and rows of terms name no SERVICE, graph or LOAD for the inspection to find (the store
    parses them in full). A block holding anything else is left for the parser to judge."""
    if "values" not in text.lower():
        return text
    toks = list(significant(text))
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if is_keyword(toks[i], "VALUES"):
            cut, i = _values_cut(toks, i + 1)
            if cut is not None:
                cuts.append(cut)
        i += 1
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return text


def _values_cut(toks: list[re.Match[str]], i: int) -> tuple[tuple[int, int] | None, int]:
    """The span after the first row of the VALUES block whose variables start at ``toks[i]`` (None
    when there is nothing to cut or the block holds more than rows of terms) and where to go on."""
    n = len(toks)
    multi = i < n and toks[i].group() == "("
    if multi:
        while i < n and toks[i].group() != ")":
            i += 1
    i += 1
    if i >= n or toks[i].group() != "{":
        return None, i
    rows, second, i = 0, None, i + 1
    while i < n and toks[i].group() != "}":
        token, kind = toks[i].group(), toks[i].lastgroup
        if multi:
            if token != "(":
                return None, i
            rows += 1
            start = i
            i += 1
            while i < n and toks[i].group() != ")":
                if toks[i].lastgroup not in _ROW_TOKENS and toks[i].group() != "^^":
                    return None, i
                i += 1
        elif kind in _ROW_TOKENS and kind != "lang":
            rows += 1
            start = i
            if i + 2 < n and toks[i + 1].group() == "^^":
                i += 2
        elif kind != "lang":
            return None, i
        if rows == 2 and second is None:
            second = toks[start].start()
        i += 1
    if i >= n or second is None:
        return None, i
    return (second, toks[i].start()), i


#: Longest query text whose template is kept (1,024 templates: at most 8 MiB of text).
CACHED_TEXT = 8192
#: The slots of a template: ``<urn:x-efreg-slot:N>`` for an IRI, ``"x-efreg-slot:N"`` for a string.
SLOT = "x-efreg-slot:"
_PREFIX_DECL = re.compile(r"PREFIX\s*[^\s:]*:\s*$", re.IGNORECASE)
_NO_TEMPLATE = re.compile(r"\\|\bBASE\b|x-efreg-slot", re.IGNORECASE)


def query_template(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``text`` with every absolute IRI (``<scheme:…>``) outside PREFIX declarations and every short
    string replaced by a numbered slot and comments by a space, and the values replaced, in order;
    ``None`` when the text holds what a lexical scan cannot read with certainty (backslashes, hence
    escapes; BASE; long strings; a ``<`` that does not open an IRI). A text with nothing to replace
    is its own template (comments removed: a client's text with a comment of its own each time
    shares the parse of the others)."""
    if _NO_TEMPLATE.search(text):
        return None
    parts: list[str] = []
    values: list[str] = []
    last = 0
    for match in tokens(text):
        kind, token = match.lastgroup, match.group()
        if (kind == "string" and token[:3] in ('"""', "'''")) or (kind == "op" and token[0] == "<"):
            return None  # a long string; a "<" that does not open an IRI (a comparison)
        if kind not in ("iri", "string", "comment") or (
            kind == "iri"
            and (":" not in token or _PREFIX_DECL.search(text[max(0, match.start() - 300) : match.start()]))
        ):
            continue
        if kind == "comment":
            slot = " "
        else:
            slot = f"<urn:{SLOT}{len(values)}>" if kind == "iri" else f'"{SLOT}{len(values)}"'
            values.append(token[1:-1])
        parts += [text[last : match.start()], slot]
        last = match.end()
    parts.append(text[last:])
    return "".join(parts), tuple(values)


@functools.lru_cache(maxsize=1024)
def _inspect_template(shape: str, base: str | None, slots: int) -> RequestInfo | None:
    """The inspection of a template; ``None`` when it does not parse or does not read back each
    slot exactly once as the kind of term it stands for."""
    try:
        tree = _parse_tree(shape, base)
    except QuerySyntaxError:
        return None
    found = [0] * slots
    for node in _walk(tree):
        if isinstance(node, RDFLiteral):
            if node.startswith(SLOT):
                found[int(node[len(SLOT) :])] += 1
            node = node.datatype  # a datatype IRI may be a slot too
        if isinstance(node, URIRef) and node.startswith("urn:" + SLOT):
            found[int(node[len("urn:" + SLOT) :])] += 1
    return _info(tree) if found == [1] * slots else None


def _fill(info: RequestInfo, values: tuple[str, ...]) -> RequestInfo:
    """``info`` of a template with its IRI slots replaced by the IRIs they stand for."""

    def iri(term: str) -> str:
        return values[int(term[len("urn:" + SLOT) :])] if term.startswith("urn:" + SLOT) else term

    def maybe(term: str | None) -> str | None:
        return None if term is None else iri(term)

    return dataclasses.replace(
        info,
        services=[dataclasses.replace(ref, iri=maybe(ref.iri)) for ref in info.services],
        from_default=[iri(g) for g in info.from_default],
        from_named=[iri(g) for g in info.from_named],
        iris={iri(term) for term in info.iris},
    )


#: rdflib's SPARQL grammar (pyparsing) is not safe across threads: two requests parsing at once
#: failed with ``TypeError: <lambda>() missing 1 required positional argument`` (a 500), measured
#: with benchmarks/readwrite.py. Parses are few (templates are kept), so they take turns.
_PARSER = threading.Lock()


def _too_deep(kind: str) -> QueryLimitExceeded:
    return QueryLimitExceeded(
        f"the SPARQL {kind} nests or chains deeper than the parser follows (for example some 80 triple "
        "patterns joined by '.' in one group, or brackets nested some 20 deep); split it into smaller "
        "groups (setting max_query_depth bounds the nesting)"
    )


def _parse_tree(text: str, base: str | None) -> Any:
    """The parse tree of a query, prefixed names expanded and relative IRIs resolved."""
    try:
        with _PARSER:
            parsed = parseQuery(text)
        return _resolve("query", parsed[1], translatePrologue(parsed[0], base))
    except ParseBaseException as exc:
        raise _syntax_error("query", exc) from None
    except RecursionError:  # pyparsing recurses per nesting level and per '.'-joined pattern
        raise _too_deep("query") from None


def _inspect_query(text: str, base: str | None) -> RequestInfo:
    tree = _parse_tree(text, base)
    try:
        return _info(tree)
    except RecursionError:
        raise _too_deep("query") from None


def _info(tree: Any) -> RequestInfo:
    info = RequestInfo(form=FORMS[tree.name])
    for clause in tree.get("datasetClause") or []:
        if "default" in clause:
            info.from_default.append(str(clause["default"]))
        if "named" in clause:
            info.from_named.append(str(clause["named"]))
    _collect(info, tree)
    return info


def inspect_update(text: str, base: str | None = None) -> RequestInfo:
    """Parse ``text`` as a SPARQL 1.1 update; raise :class:`QuerySyntaxError` when it does not parse."""
    try:
        return _inspect_update(text, base)
    except RecursionError:
        raise _too_deep("update") from None


def _inspect_update(text: str, base: str | None) -> RequestInfo:
    try:
        with _PARSER:
            parsed = parseUpdate(text)
    except ParseBaseException as exc:
        raise _syntax_error("update", exc) from None
    info = RequestInfo(form="update")
    prologues = list(parsed.get("prologue") or [])
    prologue = None
    requests = parsed.get("request") or []
    if not isinstance(requests, list):  # an empty update ("" parses, to a str): nothing to inspect
        return info
    for index, request in enumerate(requests):
        if index < len(prologues):  # prefixes and BASE carry over to later operations
            prologue = translatePrologue(prologues[index], base, None, prologue)
        tree = _resolve("update", request, prologue or translatePrologue([], base))
        if tree.name == "Load":
            info.loads.append(str(tree["iri"]))
        if tree.name == "Modify":
            if "using" in tree or "withClause" in tree:
                info.has_using_or_with = True
            for node in _walk(tree.get("where")):
                if (
                    isinstance(node, CompValue)
                    and node.name == "GraphGraphPattern"
                    and isinstance(node.get("term"), Variable)
                ):
                    info.graph_variable_in_where = True
        _collect(info, tree)
    return info
