"""The one store interface every backend implements.

All identifiers are plain IRI strings; terms handed back to the domain are rdflib terms.
The SPARQL *dataset* of a query (its default graph and named graphs) is given by
:class:`QueryDataset`; ``None`` fields mean "every graph except the system graph".
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Identifier, Node

#: Input accepted by :meth:`Store.load`: raw bytes, text, a path, or a binary file object.
RDFInput = bytes | str | Path | IO[bytes]

#: RDF formats the store reads and writes, by short name -> media type.
RDF_FORMATS: Mapping[str, str] = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
QUAD_FORMATS = frozenset({"nquads", "trig"})


class StoreError(Exception):
    """Base class of every error the store layer raises on purpose."""


class StoreLocked(StoreError):
    """An embedded store another process holds open (its lock is taken)."""


class UnknownSchemeError(StoreError):
    pass


class BaseURIMismatch(StoreError):
    pass


class RDFParseError(StoreError):
    """Input that does not parse. ``line``/``column`` are 1-based when known."""

    def __init__(
        self, message: str, *, source: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.source, self.line, self.column, self.detail = source, line, column, message
        where = source or "<input>"
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


class QuerySyntaxError(StoreError):
    """A SPARQL query or update that does not parse (message carries line and column)."""


class QueryTimeout(StoreError):
    pass


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a query runs against.

    ``default_graphs``: graphs merged into the default graph (``None``: union of all graphs the
    store holds except the system graph). ``named_graphs``: graphs visible to ``GRAPH``
    (``None``: all except the system graph).
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: Every graph the caller may read (``None``: the registry's own query). A backend whose engine
    #: must be told who reads runs the query as a reader of exactly these graphs (Virtuoso: graph-level
    #: security, :mod:`registry.store.virtuoso_access`); the others enforce the dataset above.
    readable: tuple[str, ...] | None = None
    #: Those of ``readable`` that are not public (names the caller's access level).
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublicDataset(QueryDataset):
    """The dataset of a caller who may read only what is public (:func:`registry.publishing.access.
    reads_only_public` decides). ``default_graphs`` / ``named_graphs`` list public graphs only.

    A backend with a **public read model** (an embedded Oxigraph store keeps a second store holding
    the public graphs and nothing else, :mod:`registry.publishing.public_view`) evaluates it there
    while that model is current: with ``union``, the default graph is the union of every graph of
    the public store (one index look-up per pattern); else the listed graphs of it. Any other
    backend, or a public model not yet synced with the last write, evaluates the listed graphs of
    the whole store, exactly like any :class:`QueryDataset`."""

    union: bool = False  #: the request named no dataset: the default graph is every public graph


QueryForm = Literal["select", "ask", "construct", "describe"]


@dataclass
class RawResult:
    """A query answer already serialized by the store, for the SPARQL endpoint to stream."""

    form: QueryForm
    media_type: str
    chunks: Iterator[bytes]


class Store(abc.ABC):
    """A quad store. Backends register themselves in ``registry.store.BACKENDS`` by URL scheme."""

    url: str
    #: Non-standard query syntax the backend evaluates (Oxigraph: ``LATERAL``, SEP-0006).
    query_extensions: frozenset[str] = frozenset()
    #: Whether :meth:`quads` answers from the backend's own indexes (a few look-ups by subject cost
    #: microseconds); backends without it answer the same questions with SPARQL.
    indexed: bool = False

    # --- reading -----------------------------------------------------------------------------
    @abc.abstractmethod
    def select(self, query: str, dataset: QueryDataset | None = None) -> list[dict[str, Identifier]]:
        """Run a SELECT; each row maps variable name (no ``?``) to an rdflib term (unbound: absent)."""

    @abc.abstractmethod
    def ask(self, query: str, dataset: QueryDataset | None = None) -> bool: ...

    @abc.abstractmethod
    def construct(self, query: str, dataset: QueryDataset | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE; the answer as an rdflib Graph."""

    @abc.abstractmethod
    def query_raw(
        self, query: str, media_type: str, dataset: QueryDataset | None = None, timeout: float | None = None
    ) -> RawResult:
        """Run any query form and serialize the answer as ``media_type`` (SPARQL results JSON/XML/
        CSV/TSV for SELECT and ASK; an RDF media type for CONSTRUCT/DESCRIBE)."""

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        object: Node | None = None,
        graph: str | None = None,
        *,
        graphs: Collection[str] | None = None,
    ) -> Iterator[tuple[Node, URIRef, Node, str]]:
        """The quads of named graphs matching the pattern (``None`` matches anything; ``graph`` the
        one graph to look in; ``graphs`` the graphs to keep), as rdflib terms and the graph name,
        read from the indexes. Only backends that are :attr:`indexed` offer it."""
        raise NotImplementedError(f"{type(self).__name__} has no index look-ups; use SPARQL")

    # --- writing -----------------------------------------------------------------------------
    @abc.abstractmethod
    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update, atomically."""

    @abc.abstractmethod
    def load(self, data: RDFInput, format: str, graph: str | None = None, base_iri: str | None = None) -> int:
        """Add the triples of ``data`` to ``graph`` (quad formats: to the graphs they name;
        ``graph`` then names where default-graph triples go). All or nothing: on
        :class:`RDFParseError` the store is unchanged. Returns the number of quads read."""

    def bulk_load(self, data: RDFInput, format: str) -> int:
        """Add a large quad file fast, without a transaction where the backend has a bulk loader (an
        interrupted bulk load leaves part of the data: the caller notes what it loads and checks it
        next time, as the first run's samples do). The default is :meth:`load`."""
        return self.load(data, format)

    def load_quads(self, quads: Sequence[ox.Quad]) -> None:
        """Add pyoxigraph quads (named graphs) in one write: one transaction where the backend has
        transactions (the default sends them as one N-Quads :meth:`load`)."""
        self.load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", "nquads")

    def bulk_load_quads(self, quads: Sequence[ox.Quad]) -> None:
        """Add pyoxigraph quads fast, without a transaction where the backend has a bulk loader: an
        interrupted call leaves part of them, so the caller notes the graphs it writes first and
        :func:`registry.publishing.workflow.recover` drops them. The default is :meth:`load_quads`."""
        self.load_quads(quads)

    @abc.abstractmethod
    def replace_graph(self, graph: str, data: RDFInput, format: str, base_iri: str | None = None) -> int:
        """Replace ``graph`` by the triples of ``data`` atomically (readers see old or new)."""

    @abc.abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove ``graph`` and its triples (no error when it does not exist)."""

    @contextlib.contextmanager
    def public_unchanged(self) -> Iterator[None]:
        """Writes of this thread inside change no public graph (the caller's word: a draft, the
        system graph, the public read model). A backend that keeps a public generation
        (:mod:`registry.publishing.freshness`) leaves it where it is for them; others ignore it."""
        yield

    def write_lock(self) -> contextlib.AbstractContextManager[None]:
        """Held around each read-then-write of the registry (an import picking its version, a
        workflow step): a store written by several processes (a remote store) serializes them
        across processes; an embedded store is written by one process, whose own locks suffice."""
        return contextlib.nullcontext()

    # --- inspecting --------------------------------------------------------------------------
    @abc.abstractmethod
    def graphs(self) -> dict[str, int]:
        """Every named graph with its triple count (the system graph included)."""

    def graph_names(self) -> set[str]:
        """The names of every named graph (the system graph included), without counting triples:
        what start-up checks use. Backends override it when they can answer from an index."""
        return set(self.graphs())

    @abc.abstractmethod
    def dump(self, out: IO[bytes], format: str = "nquads", graphs: Iterable[str] | None = None) -> None:
        """Write ``graphs`` (default: all but the system graph) to ``out`` as N-Quads or TriG,
        streaming."""

    def compact_after_writes(self, delay: float) -> None:  # noqa: B027 - optional for backends
        """Keep the store compacted: compact in the background ``delay`` seconds after each burst
        of writes. Embedded on-disk stores do (:mod:`registry.store.compaction`); a remote server
        compacts on its own schedule (Virtuoso's checkpoints)."""

    def keep_analytic_replica(self, background: bool = True, memory_limit: str = "1GB") -> object | None:
        """Keep an analytic (DuckDB) replica of the public read model for whole-result queries
        (:mod:`registry.store.analytic`); ``None`` for a backend without a public read model."""
        return None

    def close(self) -> None:
        """Release files and connections (backends extend it and call ``super().close()``)."""
        self.closed_callbacks()

    def when_closed(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when this store is closed: what was made for it (query workers forked
        from it) ends with it rather than when the object happens to be collected."""
        self.__dict__.setdefault("_when_closed", []).append(callback)

    def closed_callbacks(self) -> None:
        """Run (once) the callbacks given to :meth:`when_closed`."""
        for callback in self.__dict__.pop("_when_closed", []):
            callback()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
