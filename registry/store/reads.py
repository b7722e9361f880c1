"""What a piece of work read from the store, recorded as it reads (for per-resource dependencies,
:func:`registry.publishing.freshness.depends_on`).

Inside :func:`recording`, every read of this thread through an embedded store notes a *key*:

* an index look-up by subject (:meth:`Store.quads` with a subject): ``("s", subject)``;
* by object (with or without a predicate): ``("po", predicate, object)`` / ``("o", object)``;
* by graph only: ``("g", graph)``;
* a SPARQL query over exactly one named graph: ``("g", graph)``.

Anything else — a SPARQL query over several graphs (taken to read a set derived from the public
graphs, which a release changes), the whole store, an index scan without subject, object or graph —
reads everything (:attr:`Reads.everything`). Terms are keyed by their text (IRIs) or ``_:id``
(blank nodes). A cache in front of the store that answers without reading it notes what it would
have read (:func:`note`); a query that reads only the triples of the subjects it is bound to
(``VALUES ?s { … }``) is run :func:`unrecorded` and notes those subjects (:func:`subjects`).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rdflib import BNode
from rdflib.term import Node

Key = tuple[str, ...]


@dataclass
class Reads:
    """The keys one piece of work read; ``everything``: it read what no key describes."""

    keys: set[Key] = field(default_factory=set)
    everything: bool = False

    def frozen(self) -> frozenset[Key] | None:
        """The keys, or ``None`` when the work read everything."""
        return None if self.everything else frozenset(self.keys)


_local = threading.local()


def term_key(term: object) -> str:
    """The text a term is keyed by (``_:id`` for a blank node)."""
    if isinstance(term, BNode):
        return "_:" + str(term)
    value = getattr(term, "value", None)  # a pyoxigraph term
    if value is not None and type(term).__name__ == "BlankNode":
        return "_:" + value
    return str(value if value is not None else term)


@contextmanager
def recording() -> Iterator[Reads]:
    """Record the reads of this thread (nested recordings each see every read inside them)."""
    reads = Reads()
    stack: list[Reads] = getattr(_local, "stack", None) or []
    _local.stack = [*stack, reads]
    try:
        yield reads
    finally:
        _local.stack = stack


@contextmanager
def unrecorded() -> Iterator[None]:
    """Reads of this thread inside are not recorded: the caller notes (:func:`note`) the keys of
    what it read, for a query it knows reads nothing else (one bound to the subjects it lists, say),
    which the store would take to read everything."""
    stack = getattr(_local, "stack", None)
    _local.stack = []
    try:
        yield
    finally:
        _local.stack = stack


def subjects(nodes: Iterable[object]) -> None:
    """Note that the work read the triples of ``nodes`` as subjects (and nothing else through them)."""
    if active():
        note(*(("s", term_key(node)) for node in nodes))


def active() -> bool:
    return bool(getattr(_local, "stack", None))


def note(*keys: Key) -> None:
    for reads in getattr(_local, "stack", None) or ():
        reads.keys.update(keys)


def note_everything() -> None:
    for reads in getattr(_local, "stack", None) or ():
        reads.everything = True


def note_pattern(subject: Node | None, predicate: Node | None, obj: Node | None, graph: str | None) -> None:
    """An index look-up (:meth:`Store.quads`)."""
    if not active():
        return
    if subject is not None:
        note(("s", term_key(subject)))
    elif obj is not None:
        note(("po", term_key(predicate), term_key(obj)) if predicate is not None else ("o", term_key(obj)))
    elif graph is not None:
        note(("g", graph))
    else:
        note_everything()


def note_query(default_graphs: Collection[str] | None, named_graphs: Collection[str] | None) -> None:
    """A SPARQL query over a dataset (``None``: the whole store)."""
    if not active():
        return
    graphs = set(default_graphs or ()) | set(named_graphs or ())
    if default_graphs is None or named_graphs is None or len(graphs) != 1:
        note_everything()
    else:
        note(("g", next(iter(graphs))))
