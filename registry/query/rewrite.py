"""Small, lexer-safe rewrites of request text: a service-defined BASE and protocol ``using-*`` graphs.

Only tokens outside strings, IRIs and comments, at brace depth 0, are looked at, so a ``WHERE``
inside a literal, an IRI or a sub-select is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_STRING = re.compile(
    r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\"""",
    re.S,
)
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z0-9_.\-]*)?|:[A-Za-z0-9_.\-]*|[?$][A-Za-z0-9_]+")


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
        elif match := _WORD.match(text, i):
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
    cuts = [
        offset
        for k, (offset, word) in enumerate(words)
        if word == "WHERE" and not (k and words[k - 1][1] == "DELETE")
    ]
    for offset in reversed(cuts):
        text = text[:offset] + clause + " " + text[offset:]
    return text


def _skip_space(text: str, i: int) -> int:
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        else:
            break
    return i


def _matching_brace(text: str, open_at: int) -> int:
    """Offset of the ``}`` closing the ``{`` at ``open_at`` (strings, IRIs and comments skipped)."""
    depth, i = 0, open_at
    while i < len(text):
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
            continue
        if ch in "'\"" and (match := _STRING.match(text, i)):
            i = match.end()
            continue
        if ch == "<" and (match := _IRI.match(text, i)):
            i = match.end()
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced braces")


def _words(text: str) -> Iterator[re.Match[str]]:
    """Every word (keyword, prefixed name, variable) outside comments, strings and IRIs."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "'\"" and (match := _STRING.match(text, i)):
            i = match.end()
        elif ch == "<" and (match := _IRI.match(text, i)):
            i = match.end()
        elif match := _WORD.match(text, i):
            yield match
            i = match.end()
        else:
            i += 1


def service_blocks(text: str) -> list[tuple[int, int, bool, str, str]]:
    """Outermost ``SERVICE [SILENT] term { … }`` blocks: (start, end after ``}``, silent, term text,
    inner group text)."""
    blocks: list[tuple[int, int, bool, str, str]] = []
    n, inside_until = len(text), 0
    for match in _words(text):
        if match.start() < inside_until or match.group().upper() != "SERVICE":
            continue
        j = _skip_space(text, match.end())
        silent = text[j : j + 6].upper() == "SILENT"
        if silent:
            j = _skip_space(text, j + 6)
        term = _IRI.match(text, j) or _WORD.match(text, j)
        if term is not None:
            open_at = _skip_space(text, term.end())
            if open_at < n and text[open_at] == "{":
                close = _matching_brace(text, open_at)
                blocks.append((match.start(), close + 1, silent, term.group(), text[open_at : close + 1]))
                inside_until = close + 1
    return blocks


def mentions_service(text: str) -> bool:
    """Whether the keyword SERVICE stands anywhere in ``text`` outside comments, strings and IRIs:
    the last check before a query reaches the store (pyoxigraph would call the endpoint itself), so
    that no difference between parsers can let a SERVICE through."""
    return any(match.group().upper() == "SERVICE" for match in _words(text))


def prologue(text: str) -> str:
    """The PREFIX / BASE declarations before the query form."""
    for offset, word in top_level_keywords(text):
        if word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            return text[:offset]
    return ""
