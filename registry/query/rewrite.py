"""Small, lexer-safe rewrites of request text: a service-defined BASE and protocol ``using-*`` graphs.

Only tokens outside strings, IRIs and comments, at brace depth 0, are looked at, so a ``WHERE``
inside a literal, an IRI or a sub-select is never touched.
"""

from __future__ import annotations

import re

_STRING = re.compile(r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\"""",
                     re.S)
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z0-9_.\-]*)?|[?$][A-Za-z0-9_]+")


def top_level_keywords(text: str) -> list[tuple[int, str]]:
    """(offset, upper-cased word) of every bare word at brace depth 0."""
    out: list[tuple[int, str]] = []
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "'\"":
            match = _STRING.match(text, i)
            i = match.end() if match else i + 1
        elif ch == "<" and (match := _IRI.match(text, i)):
            i = match.end()
        elif ch in "{[(":
            depth += ch == "{"
            i += 1
        elif ch in "}])":
            depth -= ch == "}"
            i += 1
        elif (match := _WORD.match(text, i)):
            word = match.group()
            if depth == 0 and ":" not in word and word[0] not in "?$":
                out.append((i, word.upper()))
            i = match.end()
        else:
            i += 1
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
    cuts = [offset for k, (offset, word) in enumerate(words)
            if word == "WHERE" and not (k and words[k - 1][1] == "DELETE")]
    for offset in reversed(cuts):
        text = text[:offset] + clause + " " + text[offset:]
    return text
