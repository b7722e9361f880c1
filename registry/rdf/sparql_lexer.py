"""The one SPARQL lexer: token regexes and a tokenizer for the lexical scans that must not wait for
rdflib's parser (pyparsing: ~90 ms a query) — the SHACL plan's predicate scan
(:mod:`registry.validation.fast.scan`), the endpoint's rewrites and SERVICE checks
(:mod:`registry.query.rewrite`) and query templates (:mod:`registry.query.inspect`).

:func:`tokens` covers every character of the text: each match has a kind (its ``lastgroup``):
``ws``, ``comment``, ``iri``, ``string``, ``lang``, ``var``, ``pname``, ``number``, ``word`` (a bare
word: keyword, ``a``, function name), ``op`` (punctuation and operators) or ``other`` (a character no
SPARQL token starts with). Grammar: https://www.w3.org/TR/sparql11-query/#sparqlGrammar (IRIREF,
STRING_LITERAL*, LANGTAG, VAR1/VAR2, PNAME_LN/PNAME_NS, numbers); names are read a little more
liberally than the grammar, never less (a scan then sees more, not less).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

#: IRIREF: ``<`` anything but ``<>"{}|^`\`` and characters up to space ``>``.
IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
#: The four string forms, long ones first (a backslash escapes any character).
STRING = (
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
)
LANG = r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"
VAR = r"[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+"
PNAME = (
    r"(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:"
    r"(?:[\w\-\u00c0-\uffff](?:[\w.\-\u00c0-\uffff]*[\w\-\u00c0-\uffff])?)?"
)
NUMBER = r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
WORD = r"[A-Za-z_][A-Za-z0-9_]*"
OP = r"\^\^|&&|\|\||!=|<=|>=|[{}()\[\].;,|/^*+?!=<>-]"

TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri>{IRI})
  | (?P<string>{STRING})
  | (?P<lang>{LANG})
  | (?P<var>{VAR})
  | (?P<pname>{PNAME})
  | (?P<number>{NUMBER})
  | (?P<word>{WORD})
  | (?P<op>{OP})
  | (?P<other>.)
""",
    re.VERBOSE | re.DOTALL,
)
_SKIP = frozenset({"ws", "comment"})


def tokens(text: str) -> Iterator[re.Match[str]]:
    """Every token of ``text`` in order, white space and comments included (they cover the text)."""
    return TOKEN.finditer(text)


def significant(text: str) -> Iterator[re.Match[str]]:
    """The tokens of ``text`` without white space and comments."""
    return (m for m in TOKEN.finditer(text) if m.lastgroup not in _SKIP)


def is_keyword(match: re.Match[str], keyword: str) -> bool:
    """Whether ``match`` is the bare word ``keyword`` (SPARQL keywords ignore case)."""
    return match.lastgroup == "word" and match.group().upper() == keyword


def resolve_iri(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` (RFC 3986), keeping an empty fragment: Python's
    ``urljoin`` turns ``http://www.w3.org/ns/prov#`` into ``…/prov``, which would make every prefixed
    name of a ``#`` namespace (ef:, prov:, rdfs:, xsd:, skos:, dcat:) a different IRI after a BASE."""
    if not base or urlsplit(reference).scheme:
        return reference
    joined = urljoin(base, reference)
    return joined + "#" if reference.endswith("#") and not joined.endswith("#") else joined


def absolute_iris(text: str) -> str:
    """``text`` with every relative IRI resolved against the BASE in force where it stands
    (:func:`resolve_iri`) and the BASE declarations blanked out (same length: line and column
    numbers of error messages stay those of the request). For an engine that takes at most one BASE
    (Virtuoso 7: a second one is a syntax error) or resolves differently; a text without BASE is
    returned as it is."""
    parts: list[str] = []
    base = ""
    pending_base = False
    seen = False
    for match in tokens(text):
        kind, value = match.lastgroup, match.group()
        if kind == "word" and value.upper() == "BASE":
            pending_base, seen = True, True
            parts.append(" " * len(value))
            continue
        if kind == "iri":
            resolved = resolve_iri(base, value[1:-1])
            if pending_base:
                base, pending_base = resolved, False
                parts.append(" " * len(value))
                continue
            parts.append(f"<{resolved}>")
            continue
        parts.append(value)
    return "".join(parts) if seen else text
