"""The limits a SPARQL text must keep before any parser reads it (one lexical pass with the one
lexer, :mod:`registry.rdf.sparql_lexer`): its size, how deep its brackets nest, how many VALUES rows it
carries, and no SERVICE inside a SERVICE.

rdflib's parser (pyparsing) recurses dozens of Python frames per nested group or parenthesis: 36
nested groups or 24 nested parentheses in a FILTER end in ``RecursionError``, and a VALUES block of
millions of rows holds a worker for minutes. A text over a limit is refused (400) with the limit,
the setting that sets it and where in the text it was passed.
"""

from __future__ import annotations

import re

from registry.config import Settings
from registry.rdf.sparql_lexer import is_keyword, significant
from registry.store import StoreError

_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")
_TERMS = frozenset({"iri", "string", "number", "pname", "word"})


class QueryLimitExceeded(StoreError):
    """A SPARQL text over one of the endpoint's limits, or nested deeper than the parser reads (400)."""


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def check(text: str, settings: Settings, kind: str = "query") -> None:
    """Raise :class:`QueryLimitExceeded` when ``text`` breaks a limit; nothing is parsed."""
    size = len(text) if len(text) * 4 <= settings.max_query_bytes else len(text.encode("utf-8", "replace"))
    if size > settings.max_query_bytes:
        raise QueryLimitExceeded(
            f"the SPARQL {kind} is {size:,} bytes, more than the limit of {settings.max_query_bytes:,} "
            "(setting max_query_bytes)"
        )
    depth = 0
    services: list[int] = []  # the depth of each open SERVICE group
    service_next = False  # a SERVICE keyword whose group has not opened yet
    values = _Values()
    for match in significant(text):
        kind_, token = match.lastgroup, match.group()
        if kind_ == "op" and token in _OPEN:
            depth += 1
            if depth > settings.max_query_depth:
                raise QueryLimitExceeded(
                    f"brackets nested more than {settings.max_query_depth} deep at {_where(text, match.start())} "
                    "(setting max_query_depth)"
                )
            if token == "{" and service_next:
                services.append(depth)
                service_next = False
        elif kind_ == "op" and token in _CLOSE:
            if services and services[-1] == depth and token == "}":
                services.pop()
            depth = max(0, depth - 1)
        elif kind_ == "word" and is_keyword(match, "SERVICE"):
            if services or service_next:
                raise QueryLimitExceeded(
                    f"a SERVICE inside a SERVICE at {_where(text, match.start())}: each SERVICE group is sent "
                    "to its endpoint as it is, so name every endpoint at the top level of this query"
                )
            service_next = True
        if values.see(match, kind_, token, depth) > settings.max_values_rows:
            raise QueryLimitExceeded(
                f"more than {settings.max_values_rows:,} VALUES rows (at {_where(text, match.start())}; "
                "setting max_values_rows)"
            )


class _Values:
    """Counts the rows of every VALUES block: ``VALUES ?x { a b }`` has 2, ``VALUES (?x ?y) { (a b)
    (c d) }`` has 2."""

    def __init__(self) -> None:
        self.rows = 0
        self.state = ""  # "", "vars" (after VALUES), "multi" (a variable list), "body"
        self.single = False
        self.level = 0  # the depth of the block's "{"
        self.after_caret = False

    def see(self, match: re.Match[str], kind: str | None, token: str, depth: int) -> int:
        if kind == "word" and is_keyword(match, "VALUES"):
            self.state, self.single = "vars", False
        elif self.state == "multi":
            if token == ")":
                self.state = "vars"
        elif self.state == "vars":
            if kind == "var":
                self.single = True
            elif token == "(":
                self.state = "multi"
            elif token == "{":
                self.state, self.level = "body", depth
        elif self.state == "body":
            if token == "}" and depth < self.level:
                self.state = ""
            elif self.single and depth == self.level and kind in _TERMS and not self.after_caret:
                self.rows += 1
            elif not self.single and token == "(" and depth == self.level + 1:
                self.rows += 1
            self.after_caret = token == "^^"
        return self.rows
