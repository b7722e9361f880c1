"""Small, lexer-safe rewrites of request text: a service-defined BASE and protocol ``using-*`` graphs.

Only tokens outside strings, IRIs and comments, at brace depth 0, are looked at, so a ``WHERE``
inside a literal, an IRI or a sub-select is never touched.
"""

from __future__ import annotations

import re

from registry.rdf.sparql_lexer import is_keyword, significant


def top_level_keywords(text: str) -> list[tuple[int, str]]:
    """(offset, upper-cased word) of every bare word at brace depth 0."""
    out: list[tuple[int, str]] = []
    depth = 0
    for m in significant(text):
        kind = m.lastgroup
        if kind == "op":
            depth += {"{": 1, "}": -1}.get(m.group(), 0)
        elif kind == "word" and depth == 0:
            out.append((m.start(), m.group().upper()))
    return out


def with_base(text: str, base: str) -> str:
    """Give relative IRIs a base (the request's own BASE, written after it, still wins). Written on
    the first line so that line numbers in later error messages stay those of the request."""
    return f"BASE <{base}> {text}"


def add_using(text: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """Insert ``USING`` / ``USING NAMED`` clauses before the WHERE of every DELETE/INSERT operation
    (the protocol's ``using-graph-uri`` / ``using-named-graph-uri``; SPARQL 1.1 Protocol 2.2.3)."""
    clause = " ".join([f"USING <{g}>" for g in default_graphs] + [f"USING NAMED <{g}>" for g in named_graphs])
    if not clause:
        return text
    words = top_level_keywords(text)
    cuts = [
        offset
        for k, (offset, word) in enumerate(words)
        if word == "WHERE" and not (k and words[k - 1][1] == "DELETE")
    ]
    for offset in reversed(cuts):
        text = text[:offset] + clause + " " + text[offset:]
    return text


def service_blocks(text: str) -> list[tuple[int, int, bool, str, str]]:
    """Outermost ``SERVICE [SILENT] term { … }`` blocks: (start, end after ``}``, silent, term text,
    inner group text)."""
    toks = list(significant(text))
    blocks: list[tuple[int, int, bool, str, str]] = []
    k, n = 0, len(toks)
    while k < n:
        if not is_keyword(toks[k], "SERVICE"):
            k += 1
            continue
        start, j = toks[k].start(), k + 1
        silent = j < n and is_keyword(toks[j], "SILENT")
        j += silent
        if j + 1 < n and toks[j].lastgroup in _TERMS and toks[j + 1].group() == "{":
            close = _matching_brace(toks, j + 1)
            if close is not None:
                group = text[toks[j + 1].start() : toks[close].end()]
                blocks.append((start, toks[close].end(), silent, toks[j].group(), group))
                k = close + 1
                continue
            raise ValueError("unbalanced braces")
        k += 1
    return blocks


#: What may name a SERVICE endpoint (an IRI, a prefixed name; a variable, refused later).
_TERMS = frozenset({"iri", "pname", "var", "word"})


def _matching_brace(toks: list[re.Match[str]], open_at: int) -> int | None:
    """Index of the ``}`` token closing the ``{`` token at ``open_at``."""
    depth = 0
    for k in range(open_at, len(toks)):
        if toks[k].lastgroup == "op":
            value = toks[k].group()
            if value == "{":
                depth += 1
            elif value == "}":
                depth -= 1
                if depth == 0:
                    return k
    return None


def mentions_service(text: str) -> bool:
    """Whether the keyword SERVICE stands anywhere in ``text`` outside comments, strings and IRIs:
    the last check before a query reaches the store (pyoxigraph would call the endpoint itself), so
    that no difference between parsers can let a SERVICE through. (A text without the letters of
    SERVICE, in any case, holds no such keyword: it is not lexed.)"""
    if "SERVICE" not in text.upper():
        return False
    return any(is_keyword(m, "SERVICE") for m in significant(text))


def prologue(text: str) -> str:
    """The PREFIX / BASE declarations before the query form."""
    for offset, word in top_level_keywords(text):
        if word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            return text[:offset]
    return ""


def describe_parts(text: str) -> str:
    """``DESCRIBE <x> …`` of IRIs only (no variables, no WHERE) made to describe the parts of each
    resource too (its gas components, CO2e values, uncertainty: ``<x#…>``, registry/rdf/parts.py), as
    it described them when they were blank nodes; any other query is returned as it is."""
    tokens = list(significant(text))
    starts = [k for k, m in enumerate(tokens) if m.lastgroup == "word" and m.group().upper() == "DESCRIBE"]
    if len(starts) != 1:
        return text
    terms = tokens[starts[0] + 1 :]
    if not terms or any(m.lastgroup not in ("iri", "pname") for m in terms):
        return text
    branches = []
    for m in terms:
        t = m.group()
        own = f'STRSTARTS(STR(?part), CONCAT(STR({t}), "#"))'
        inner = f'STRSTARTS(STR(?c), CONCAT(STR({t}), "#"))'
        branches.append(f"{{ {t} ?p ?part FILTER({own}) }}")
        branches.append(f"{{ {t} ?p ?c FILTER(isIRI(?c) && {inner}) ?c ?q ?part FILTER({own}) }}")
    return f"{text.rstrip()} ?part WHERE {{ OPTIONAL {{ {' UNION '.join(branches)} }} }}"
