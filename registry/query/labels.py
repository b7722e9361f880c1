"""Label search on an index: ``FILTER(CONTAINS(?v, "text"))`` over ``rdfs:label`` values, answered
from the labels that contain the text.

Oxigraph evaluates ``CONTAINS`` one label at a time, a few microseconds each: a text no label holds
took 4.6 s at 100k factors (200,000 labels), one every 25th label holds about 20 ms (LIMIT 50). This
module keeps the distinct ``rdfs:label`` values of the **public read model** (strings and language
strings; one UTF-8 buffer, searched with ``bytes.find``) for its current public generation, built
in the background (until it is ready, queries run as written), and narrows a query of a caller who
reads only the public graphs (the union default graph of that model) with a ``VALUES`` block of the
labels that contain the text:

* **exact**: at most :data:`CAP` labels contain it: ``VALUES ?v { … }`` of all of them goes into the
  group of the FILTER. The FILTER stays; the group's solutions are the same, since ``?v`` is bound by
  a mandatory ``?s rdfs:label ?v`` of that group (so to a label of the dataset, which the index holds)
  and every label the FILTER keeps is in the block.
* **first**: more labels contain it, and the query is ``SELECT`` (variables or ``*``) over that group
  alone with ``LIMIT n`` as its only modifier: the first :data:`CAP` of them narrow it. Every solution
  of the narrowed query is one of the query's, so when it has ``n`` rows they are an answer of
  ``LIMIT n`` (SPARQL orders nothing without ORDER BY); with fewer, the query runs as written.

Only what the lexer reads unambiguously is narrowed (:func:`narrowing`): the text is a plain string
(no escape, no language tag or datatype); ``rdfs:label`` is written out or a prefixed name of an
absolute namespace; no BASE but the service's; otherwise the query runs as written. Access is the
dataset's, enforced by the engine as for any query: the block only narrows what the caller reads.
"""

from __future__ import annotations

import bisect
import random
import re
import threading
import weakref
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox

from registry.rdf.sparql_lexer import is_keyword, significant
from registry.store import Store

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: Most labels written into one VALUES block (116 cost Oxigraph ~1.5 ms; 8,000 cost 150 ms).
CAP = 256
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_CONTROL = re.compile("[\x00-\x07\x0b\x0e-\x1f\x7f]")
_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)
_LABELS = f"SELECT DISTINCT ?l WHERE {{ ?s <{RDFS_LABEL}> ?l FILTER(isLiteral(?l)) }}"


class LabelIndex:
    """Distinct string labels: one buffer of their UTF-8 values (separated by NUL), where each
    starts, and each one's language (``""``: none). About 7 MB at 100k factors (200,000 labels)."""

    def __init__(self, labels: Iterable[tuple[str, str]]) -> None:
        parts: list[bytes] = []
        self.starts = array("q")
        self.languages = array("H")  # positions in self.tags
        self.tags: list[str] = []
        numbers: dict[str, int] = {}
        at = 0
        for value, language in labels:
            data = value.encode("utf-8")
            parts.append(data)
            self.starts.append(at)
            at += len(data) + 1
            if language not in numbers:
                numbers[language] = len(self.tags)
                self.tags.append(language)
            self.languages.append(numbers[language])
        self.starts.append(at)  # one past the end of the last label (and its separator)
        self.buffer = b"\x00".join(parts)

    def __len__(self) -> int:
        return len(self.languages)

    def value(self, k: int) -> str:
        return self.buffer[self.starts[k] : self.starts[k + 1] - 1].decode("utf-8")

    def matching(self, text: str, most: int) -> list[int]:
        """Positions (in index order) of the first ``most`` labels whose value contains ``text``, as
        SPARQL ``CONTAINS`` compares (code points: a UTF-8 substring of valid UTF-8 is the same)."""
        needle = text.encode("utf-8")
        if not needle:
            return list(range(min(len(self), most)))
        found: list[int] = []
        at = self.buffer.find(needle)
        while at >= 0 and len(found) < most:
            k = bisect.bisect_right(self.starts, at) - 1
            end = self.starts[k + 1] - 1  # where label k's value ends (its separator)
            if at + len(needle) <= end:  # within label k, not across a separator
                found.append(k)
                at = self.buffer.find(needle, end)
            else:
                at = self.buffer.find(needle, at + 1)
        return found

    def term(self, k: int) -> str | None:
        """Label ``k`` as a SPARQL literal; ``None`` when it holds a control character that SPARQL
        writes with no escape of its own (a ``\\u`` escape may be read before the string is)."""
        value, language = self.value(k), self.tags[self.languages[k]]
        if _CONTROL.search(value):
            return None
        quoted = '"' + value.translate(_ESCAPES) + '"'
        return quoted + ("@" + language if language else "")


def build(view: ox.Store) -> LabelIndex:
    """The index of the string labels in ``view`` (any graph)."""
    rows = view.query(_LABELS, use_default_graph_as_union=True)
    found = [
        (term.value, term.language or "")
        for term in (row[0] for row in rows)  # type: ignore[union-attr]
        if isinstance(term, ox.Literal) and (term.language or term.datatype.value == _XSD_STRING)
    ]
    # In an order of their own: Oxigraph gives labels of one kind together, and a text that many
    # labels hold but that came last would be looked for through the whole buffer.
    random.Random(0).shuffle(found)
    return LabelIndex(found)


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: int | None = None
        self.index: LabelIndex | None = None
        self.building: int | None = None  # the generation being built


_KEPT: weakref.WeakKeyDictionary[Store, _Kept] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _public_state(store: Store) -> tuple[ox.Store, int] | None:
    view, current = getattr(store, "view", None), getattr(store, "view_current", None)
    generation = getattr(store, "public_generation", None)
    if view is None or not callable(current) or not current() or not isinstance(generation, int):
        return None
    return view, generation


def current(store: Store, wait: bool = False) -> LabelIndex | None:
    """The index of the public read model of ``store`` at its current public generation; when it
    is not built yet, a build starts in the background and ``None`` is returned (``wait``: built
    now). ``None`` too for a store without a current public read model."""
    state = _public_state(store)
    if state is None:
        return None
    view, generation = state
    with _KEPT_LOCK:
        kept = _KEPT.setdefault(store, _Kept())
    with kept.lock:
        if kept.generation == generation:
            return kept.index
        if kept.building == generation and not wait:
            return None
        kept.building = generation
    if wait:
        _build(store, kept, view, generation)
        return kept.index if kept.generation == generation else None
    threading.Thread(target=_build, args=(store, kept, view, generation), daemon=True).start()
    return None


def _build(store: Store, kept: _Kept, view: ox.Store, generation: int) -> None:
    try:
        index = build(view)
    except (OSError, RuntimeError, ValueError):  # the store closed or changed under the build
        with kept.lock:
            kept.building = None
        return
    state = _public_state(store)
    with kept.lock:
        if kept.building == generation:
            kept.building = None
        if state is not None and state[1] == generation:  # no release meanwhile
            kept.generation, kept.index = generation, index


# --- reading the query -------------------------------------------------------------------------


@dataclass(frozen=True)
class Narrowing:
    """Where a query's label FILTER is and what it asks."""

    variable: str  #: ``?v`` as written
    text: str  #: the needle
    insert_at: int  #: where the VALUES block goes: the start of a group of triples and FILTERs only,
    #: else just after the FILTER (inside its group)
    simple: bool  #: the group holds triples and FILTERs only
    limit: int | None  #: ``LIMIT n`` of a query that a first slice of labels may answer (module doc)


_OPEN, _CLOSE = {"{": "}", "(": ")", "[": "]"}, {"}", ")", "]"}
_AFTER_OBJECT = {".", ";", ",", "}"}
_BEFORE_SUBJECT = {"{", ".", ")", "}"}


def narrowing(text: str) -> Narrowing | None:
    """The label FILTER of ``text`` that :func:`narrow` may use, if any (see the module doc)."""
    toks = list(significant(text))
    prefixes = _prefixes(toks)
    if prefixes is None:
        return None
    for i, tok in enumerate(toks):
        if not is_keyword(tok, "FILTER"):
            continue
        found = _contains_filter(toks, i)
        if found is None:
            continue
        variable, needle, end = found
        group = _group(toks, i)
        if group is None:
            continue
        start, stop = group
        if not _binds_label(toks, start, stop, variable, prefixes):
            continue
        simple = _simple(toks, start, stop, i)
        at = toks[start].end() if simple else toks[end].end()
        return Narrowing(variable, needle, at, simple, _limit(toks, start, stop) if simple else None)
    return None


def _prefixes(toks: list) -> dict[str, str] | None:
    """PREFIX declarations (name -> IRI); ``None`` when the text has a second BASE (the service
    gives the first), a prefix declared twice or a relative namespace."""
    out: dict[str, str] = {}
    bases = 0
    for i, tok in enumerate(toks):
        if is_keyword(tok, "BASE"):
            bases += 1
        elif is_keyword(tok, "PREFIX") and i + 2 < len(toks):
            name, iri = toks[i + 1].group(), toks[i + 2]
            if name in out or iri.lastgroup != "iri" or not urlsplit(iri.group()[1:-1]).scheme:
                return None
            out[name] = iri.group()[1:-1]
    return None if bases > 1 else out


def _contains_filter(toks: list, i: int) -> tuple[str, str, int] | None:
    """``FILTER(CONTAINS(?v, "text"))`` or ``FILTER CONTAINS(?v, "text")`` at ``i``: (variable,
    text, position of its last token)."""
    shapes = (
        ["(", "CONTAINS", "(", "var", ",", "string", ")", ")"],
        ["CONTAINS", "(", "var", ",", "string", ")"],
    )
    for shape in shapes:
        part = toks[i + 1 : i + 1 + len(shape)]
        if len(part) != len(shape):
            continue
        ok = all(
            (want == "CONTAINS" and is_keyword(t, "CONTAINS"))
            or (want in ("var", "string") and t.lastgroup == want)
            or (t.lastgroup == "op" and t.group() == want)
            for want, t in zip(shape, part, strict=True)
        )
        if not ok:
            continue
        var, string = (part[3], part[5]) if shape[0] == "(" else (part[2], part[4])
        raw = string.group()
        if len(raw) < 2 or raw[:3] in ('"""', "'''") or "\\" in raw:
            return None
        return var.group(), raw[1:-1], i + len(shape)
    return None


def _group(toks: list, i: int) -> tuple[int, int] | None:
    """Positions of the ``{`` and ``}`` around token ``i``."""
    depth = 0
    for j in range(i - 1, -1, -1):
        t = toks[j].group() if toks[j].lastgroup == "op" else ""
        if t == "}":
            depth += 1
        elif t == "{":
            if depth == 0:
                break
            depth -= 1
    else:
        return None
    start, depth = j, 0
    for k in range(start, len(toks)):
        t = toks[k].group() if toks[k].lastgroup == "op" else ""
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
            if depth == 0:
                return start, k
    return None


def _top_level(toks: list, start: int, stop: int) -> list[int]:
    """Positions of the tokens of the group ``start``..``stop`` outside any nested (), [], {}."""
    out, depth = [], 0
    for k in range(start + 1, stop):
        t = toks[k].group() if toks[k].lastgroup == "op" else ""
        if t in _CLOSE:
            depth -= 1
            continue
        if depth == 0:
            out.append(k)
        if t in _OPEN:
            depth += 1
    return out


def _is_label(tok, prefixes: dict[str, str]) -> bool:
    if tok.lastgroup == "iri":
        return tok.group()[1:-1] == RDFS_LABEL
    if tok.lastgroup == "pname":
        name, _, local = tok.group().partition(":")
        return name + ":" in prefixes and prefixes[name + ":"] + local == RDFS_LABEL
    return False


def _binds_label(toks: list, start: int, stop: int, variable: str, prefixes: dict[str, str]) -> bool:
    """Whether the group has, outside nested brackets, a triple ``… rdfs:label ?v`` (predicate
    after ``;`` or after a subject that starts a triple)."""
    top = _top_level(toks, start, stop)
    at = {k: n for n, k in enumerate(top)}
    for k in top:
        if not _is_label(toks[k], prefixes) or k + 1 not in at or toks[k + 1].group() != variable:
            continue
        after = toks[k + 2] if k + 2 <= stop else None
        if after is None or not (after.group() in _AFTER_OBJECT or after.lastgroup == "word"):
            continue
        before = toks[k - 1]
        if before.group() == ";":
            return True
        if before.lastgroup in ("var", "iri", "pname") and k - 2 >= start:
            if toks[k - 2].group() in _BEFORE_SUBJECT and toks[k - 2].lastgroup == "op":
                return True
    return False


def _simple(toks: list, start: int, stop: int, filter_at: int) -> bool:
    """Whether the group ``start``..``stop`` holds triples and FILTERs only (no nested group,
    blank node property list, OPTIONAL, BIND, VALUES, …)."""
    for k in _top_level(toks, start, stop):
        t = toks[k]
        if t.lastgroup == "op" and t.group() in _OPEN and t.group() != "(":
            return False
        if t.lastgroup == "word" and not (t.group() == "a" or is_keyword(t, "FILTER") or k == filter_at + 1):
            return False
    return True


def _limit(toks: list, start: int, stop: int) -> int | None:
    """``n`` when the query is ``SELECT ?a ?b … | * [WHERE] { group } LIMIT n``; else ``None``."""
    head = [t for t in toks[:start] if not is_keyword(t, "WHERE")]
    k = 0
    while k < len(head) and (is_keyword(head[k], "BASE") or is_keyword(head[k], "PREFIX")):
        k += 2 if is_keyword(head[k], "BASE") else 3
    if k >= len(head) or not is_keyword(head[k], "SELECT"):
        return None
    projection = head[k + 1 :]
    if not projection or not all(t.lastgroup == "var" or t.group() == "*" for t in projection):
        return None
    tail = toks[stop + 1 :]
    if len(tail) != 2 or not is_keyword(tail[0], "LIMIT") or not tail[1].group().isdigit():
        return None
    return int(tail[1].group())


def narrow(
    text: str, found: Narrowing, index: LabelIndex, first: bool = False
) -> tuple[str, int | None] | None:
    """``text`` with a VALUES block of the labels containing the text of its FILTER (``found``: from
    :func:`narrowing`), and the LIMIT the
    answer must reach (``None``: exact, any answer stands); ``None`` when it cannot be narrowed.
    ``first``: a first slice of labels is wanted when more than :data:`CAP` contain the text."""
    positions = index.matching(found.text, CAP + 1)
    need: int | None = None
    if len(positions) > CAP:
        if found.limit is None or not first:
            return None
        need = found.limit
        positions = positions[: min(CAP, 2 * need + 16)]  # most labels name one solution or more
    terms = [index.term(k) for k in positions]
    if any(t is None for t in terms):
        return None
    block = f" VALUES {found.variable} {{ {' '.join(terms)} }} "  # type: ignore[arg-type]
    return text[: found.insert_at] + block + text[found.insert_at :], need
