"""Write generations kept in the store itself, for a store several processes write (issue 19).

Every cache of the registry (kept answers, documents, replayed answers, access snapshots) is keyed by
the store's write **generation** (and, for what is derived from public graphs only, its **public
generation**; :mod:`registry.publishing.freshness`). An embedded store counts its writes in memory:
one process writes it. Several ``efreg serve`` processes on one Virtuoso cannot: each must see the
others' writes. So the remote store keeps both generations as triples of a graph of their own
(``urn:efreg:generations``, never listed among the store's graphs)::

    <urn:efreg:store> <urn:efreg:generation> 123456789 .
    <urn:efreg:store> <urn:efreg:publicGeneration> 123456789 .

read at most every ``ttl`` seconds (``generation_ttl=`` of the store URL, default 0.25 s: another
process's write is seen within that bound; this process's own writes at once) and moved **after**
each write, so that anything derived while a write was under way is kept under the generation that
write ends (never a newer answer under an older generation's key than the one that follows it).

The reading is kept off the requests' path: while the process is asked for its generations (within
the last ``idle`` seconds), a thread of its own reads them every ``ttl / 2`` seconds, so a request
finds a value younger than ``ttl`` and does not wait for a round trip to the store (on Virtuoso one
such read cost a light query 5-20 ms: benchmarks/RESULTS.md, "Session 8: efreg on Virtuoso"). A
request that finds none younger (the first after a quiet spell, a slow store) reads it itself, as
before: the bound holds either way.

Concurrent writers on different processes could read the same value and both write value + 1, and
two different writes would then share one generation. So a new value is the next multiple of 2**24
above the current one plus 24 random bits: each bump writes a value no process has written before
(p = 2**-24 that two racing bumps pick the same), always greater than the value it read. Readers
take the greatest value present (two racing bumps may leave two triples; the next bump removes both).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from registry.rdf.namespaces import STORE_NODE

#: The graph holding the generations (not the system graph: its triple counts stay the registry's).
GENERATIONS_GRAPH = "urn:efreg:generations"

GENERATION = "urn:efreg:generation"
PUBLIC_GENERATION = "urn:efreg:publicGeneration"
_STEP_BITS = 24

READ_QUERY = (
    f"SELECT ?p (MAX(?n) AS ?v) WHERE {{ GRAPH <{GENERATIONS_GRAPH}> {{ <{STORE_NODE}> ?p ?n "
    f"FILTER(?p = <{GENERATION}> || ?p = <{PUBLIC_GENERATION}>) }} }} GROUP BY ?p"
)


def bump_update(current: int, public: bool) -> tuple[str, int]:
    """The SPARQL Update moving the generation (and the public one when ``public``) above
    ``current``, and the new value."""
    new = (((current >> _STEP_BITS) + 1) << _STEP_BITS) | secrets.randbits(_STEP_BITS)
    preds = [GENERATION] + ([PUBLIC_GENERATION] if public else [])
    values = " ".join(f"<{p}>" for p in preds)
    inserted = " ".join(f"<{STORE_NODE}> <{p}> {new} ." for p in preds)
    update = (
        f"DELETE {{ GRAPH <{GENERATIONS_GRAPH}> {{ <{STORE_NODE}> ?p ?o }} }} WHERE {{ "
        f"GRAPH <{GENERATIONS_GRAPH}> {{ <{STORE_NODE}> ?p ?o }} VALUES ?p {{ {values} }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{GENERATIONS_GRAPH}> {{ {inserted} }} }}"
    )
    return update, new


class PublicQuiet:
    """How deep each thread is in ``public_unchanged()`` blocks: the writes of a thread inside one
    leave the public generation where it is (a draft upload, a submission, the read model's sync)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __bool__(self) -> bool:
        return bool(getattr(self._local, "depth", 0))

    @contextmanager
    def held(self) -> Iterator[None]:
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            yield
        finally:
            self._local.depth -= 1


class Generations:
    """The two generations of one store, as this process last read or wrote them.

    ``read`` runs :data:`READ_QUERY` and returns its rows as ``{predicate IRI: int}``; ``write``
    sends an update. ``idle``: seconds without a :meth:`current` after which the reading thread
    stops (the next :meth:`current` reads and starts it again)."""

    def __init__(
        self, read: Callable[[], dict[str, int]], write: Callable[[str], None], ttl: float, idle: float = 10.0
    ) -> None:
        self._read, self._write, self.ttl, self.idle = read, write, ttl, idle
        self._lock = threading.Lock()
        self._value: tuple[int, int] = (0, 0)
        self._read_at: float | None = None
        self._epoch = 0  #: moved by expire() and bump(): a read begun before either is not kept
        self._asked_at = 0.0
        self._reader: threading.Thread | None = None
        self._closed = False
        self._quiet = PublicQuiet()

    def _fetch(self) -> tuple[int, int]:
        found = self._read()
        gen = found.get(GENERATION, 0)
        return gen, found.get(PUBLIC_GENERATION, gen)

    def current(self) -> tuple[int, int]:
        """(generation, public generation), read from the store when older than ``ttl``."""
        now = time.monotonic()
        with self._lock:
            self._asked_at = now
            self._start_reader()
            if self._read_at is not None and now - self._read_at < self.ttl:
                return self._value
            epoch = self._epoch
        value = self._fetch()
        self._keep(value, now, epoch)
        return value

    def _keep(self, value: tuple[int, int], read_at: float, epoch: int) -> None:
        """Keep a value read from ``read_at`` on, unless a newer one is kept or the generations
        were expired or moved since the read began."""
        with self._lock:
            if epoch == self._epoch and (self._read_at is None or read_at >= self._read_at):
                self._value, self._read_at = value, read_at

    def _start_reader(self) -> None:
        """The reading thread, unless it runs (called holding the lock)."""
        if self.ttl <= 0 or self._closed or (self._reader is not None and self._reader.is_alive()):
            return
        self._reader = threading.Thread(target=self._read_ahead, name="efreg-generations", daemon=True)
        self._reader.start()

    def _read_ahead(self) -> None:
        """Read the generations every ``ttl / 2`` while asked for them; a failed read is retried
        (a request that finds no value younger than ``ttl`` reads, and reports, itself)."""
        while True:
            now = time.monotonic()
            with self._lock:
                if self._closed or now - self._asked_at > self.idle:
                    return
                due = 0.0 if self._read_at is None else self._read_at + self.ttl / 2 - now
                epoch = self._epoch
            if due > 0:
                time.sleep(due)
                continue
            try:
                value = self._fetch()
            except Exception:  # noqa: BLE001 - any failure of the store: the requests' path reports it
                time.sleep(self.ttl)
                continue
            self._keep(value, now, epoch)

    def expire(self) -> None:
        """Read the generations from the store at the next :meth:`current`."""
        with self._lock:
            self._read_at = None
            self._epoch += 1

    def bump(self) -> None:
        """Move the generations after a write of this process (the public one unless inside
        :meth:`public_unchanged`); this process sees the new values at once."""
        public = not self._quiet
        current = self._fetch()
        update, new = bump_update(max(current[0], self._value[0]), public)
        self._write(update)
        with self._lock:
            self._value = (new, new if public else current[1])
            self._read_at = time.monotonic()
            self._epoch += 1

    def close(self) -> None:
        """Stop the reading thread (it ends after its current read)."""
        with self._lock:
            self._closed = True

    def public_unchanged(self) -> AbstractContextManager[None]:
        """Writes of this thread inside leave the public generation where it is."""
        return self._quiet.held()
