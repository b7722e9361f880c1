"""What a kept answer depends on: the one place every cache of the registry asks.

Documents (:mod:`registry.web.documents`), replayed answers (:mod:`registry.web.replay`), kept SPARQL
answers (:mod:`registry.query.answers`), warm query workers (:mod:`registry.query.worker`), the
home counts, the planner's statistics, dump ETags and the label cache of descriptions all keep
something derived from the store. Each asks :func:`depends_on` for the *state* that thing was
derived from, keeps it beside the thing, and uses the thing again only while :func:`depends_on`
answers an equal state (``None``: keep nothing, ask the store every time).

Two kinds of state, so that a write does not throw away what it did not change:

* **Public** — derived from the public graphs only (what an anonymous caller, or any caller who may
  read exactly the public graphs, sees): the set of public graphs (:func:`registry.publishing.access.
  snapshot`) and the store's **public generation**, which every write moves except those the
  registry wraps in :func:`public_unchanged` because they change no public graph: a draft upload,
  a submission (any transition that does not touch the catalog), the public read model's sync.
  Any other write — a release, an admin update, a direct ``store.load`` — moves it.
* **Store** — derived from anything else (drafts, commercial values, the system graph): the store's
  write generation, which every write moves (``OxigraphStore.writing``).
* **Resource** — a public thing that knows what it read (``reads``: the keys :mod:`registry.store.
  reads` recorded while it was built — the subjects it looked up, the objects it looked up links to,
  the single graphs it queried): the public generation of the last **release** that touched one of
  those keys. A release (approve, withdraw, a supersession: :func:`releasing`) records what it
  touched: every subject, linked object and the name of each graph that entered or left the public
  graphs, each subject and object of the catalog quads it added or removed, and each registry graph
  (``urn:efreg:…``) whose content it changed. So a release of dataset A keeps the documents of
  dataset B's factors and renews A's and those of the things A's graphs and records mention. Any
  other public write (an admin update, a load) touches everything, as does a release too large to
  list (:data:`MAX_TOUCHED_QUADS`). Things built from SPARQL over several graphs (the home page, the
  dataset list, VoID, SPARQL answers: a query can read anything) read everything and keep the
  public state above; a query bound to the subjects it lists (a dataset page's review history)
  notes just those (:func:`registry.store.reads.unrecorded`). A thing that can renew itself in
  part asks what releases touched since it was derived (:func:`touched_since`: searches). Kept
  SPARQL answers are renewed at the end of a release, before it is acknowledged
  (:func:`after_release`), while readers are given the state it started from.

The state of a public entry is computed *before* the thing is derived from the store and the public
generation moves *after* the change is written (``OxigraphStore.writing``), so an entry derived while a write was under way is
kept under the state that write ends. The generations come from the store object (an embedded store
is written by this process only); a store that keeps its generations elsewhere (several web
processes on one server store) changes :func:`store_generation` and :func:`public_generation` and
nothing else.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterator
from dataclasses import dataclass, field

from registry.publishing import access
from registry.store import Store
from registry.store.reads import Key

PUBLIC, STORE, RESOURCE = "public", "store", "resource"
#: A release touching more quads than this (graphs entering or leaving the public graphs, and the
#: catalog compared before and after) touches everything instead of listing them.
MAX_TOUCHED_QUADS = 3_000_000
#: Keys remembered; beyond this the record starts again, everything touched at that generation.
MAX_KEYS = 2_000_000
#: Releases whose keys are listed one by one (:func:`touched_since`).
MAX_LOGGED = 256
#: Answers of :meth:`_Touched.last_touch` kept until the next release (by the reads' key set).
MAX_MEMO = 100_000


def store_generation(store: Store) -> int | None:
    """The store's write generation (every write moves it); ``None``: the backend keeps none."""
    return access.generation(store)


def public_generation(store: Store) -> int | None:
    """The generation of the public graphs' content: moves when a public graph's content changed
    (the set of public graphs is part of :func:`depends_on` on its own). A backend without it falls
    back on the write generation."""
    value = getattr(store, "public_generation", None)
    return value if isinstance(value, int) else store_generation(store)


def public_unchanged(store: Store) -> contextlib.AbstractContextManager[None]:
    """Around writes that change no public graph (a draft upload, a submission, the public read
    model's sync): kept public documents and answers stay valid through them."""
    return store.public_unchanged()


def depends_on(
    store: Store,
    graphs: Collection[str] | None = None,
    *,
    public: bool | None = None,
    reads: frozenset[Key] | None = None,
    acknowledged: bool = True,
) -> Hashable | None:
    """The state a thing derived from ``graphs`` of ``store`` depends on (``graphs`` ``None``: the
    public graphs). ``public``: the caller already knows whether ``graphs`` are exactly the public
    graphs (:func:`registry.publishing.access.reads_only_public`); else it is compared here.
    ``reads``: the keys a public thing read (:mod:`registry.store.reads`; ``None``: it may have read
    anything); its state is then the last release that touched one of them. ``None``: keep nothing.

    While a release is under way (it is not acknowledged yet), the public state is the one it
    started from: what was kept before it is served until it ends, and what is derived meanwhile
    (perhaps from half of it) is never served after. ``acknowledged=False``: the state as written
    now (for renewing kept things before the release ends, :func:`after_release`)."""
    generation = store_generation(store)
    if generation is None:
        return None
    if public is False:
        return (STORE, generation)
    snap = access.snapshot(store)
    if public is None and not (graphs is None or frozenset(graphs) == snap.public_set):
        return (STORE, generation)
    if reads is not None and getattr(store, "records_reads", False):
        last = _touches(store).last_touch(store, reads)
        if last is not None:
            return (RESOURCE, last)
    if acknowledged and getattr(store, "records_reads", False):
        before = _touches(store).before
        if before is not None:  # a release under way: the state it started from, until it ends
            return before
    return (PUBLIC, public_generation(store), snap.public)


def kept_through(store: Store, started: int | None, state: Hashable | None) -> bool:
    """Whether a thing built from ``store`` since the public generation ``started`` (read before the
    build began) may be kept under ``state`` (:func:`depends_on` with the keys its build read,
    computed after it): no release that touched one of those keys ended since it began, and none is
    under way (``state`` is then the public state, not a resource's). Releases of other things while
    it was built do not stop it being kept."""
    return (
        started is not None
        and isinstance(state, tuple)
        and len(state) == 2
        and state[0] == RESOURCE
        and state[1] <= started
    )


class Flights:
    """One build at a time per key (single flight): requests that miss the same kept thing at once
    wait for the first one's build and then find it kept, instead of each building it again (after
    a release, every reader of a renewed search or answer would otherwise evaluate it at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Hashable, list] = {}

    @contextlib.contextmanager
    def one(self, key: Hashable) -> Iterator[None]:
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = [threading.Lock(), 0]
            flight[1] += 1
        try:
            with flight[0]:
                yield
        finally:
            with self._lock:
                flight[1] -= 1
                if not flight[1]:
                    del self._flights[key]


# --- what releases touched -------------------------------------------------------------------------


@dataclass
class _Touched:
    """The public generation at which each key was last touched by a release of this process."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    #: every key counts as touched at this generation (the start, or a write that listed nothing)
    floor: int = 0
    #: the public generation up to which every public write is accounted for
    through: int = 0
    releasing: int = 0  #: releases under way
    #: the public state (:func:`depends_on`) the releases under way started from
    before: Hashable | None = None
    keys: dict[Key, int] = field(default_factory=dict)
    #: the keys of each of the last releases (generation, keys), oldest first, for :meth:`since`
    log: deque[tuple[int, frozenset[Key]]] = field(default_factory=lambda: deque(maxlen=MAX_LOGGED))
    #: :meth:`since` knows every release after this generation
    logged_from: int = 0
    #: :meth:`last_touch` by the key set asked about, until ``keys`` or ``floor`` change: a kept
    #: document asks with its own set at every request (one dict lookup per key it read, ~6% of the
    #: serving process's CPU under writes, issue 14); the set's hash is kept by Python
    memo: dict[frozenset[Key], int] = field(default_factory=dict)

    def _settle(self, store: Store) -> None:
        """A public write that was not a release (outside one) touched everything."""
        current = public_generation(store) or 0
        if current != self.through and not self.releasing:
            self.floor = self.through = self.logged_from = current
            self.keys.clear()
            self.log.clear()
            self.memo.clear()

    def last_touch(self, store: Store, reads: frozenset[Key]) -> int | None:
        """The generation of the last release that touched ``reads`` (or of the last public write
        that touched everything). While a release is under way, the releases that ended before it:
        its own touches are known when it ends (it is acknowledged after that), and what was built
        while it ran is then renewed if it read what the release touched."""
        with self.lock:
            self._settle(store)
            found = self.memo.get(reads)
            if found is None:
                keys, floor = self.keys, self.floor
                found = max((keys.get(k, floor) for k in reads), default=floor)
                if len(self.memo) >= MAX_MEMO:
                    self.memo.clear()
                self.memo[reads] = found
            return found

    def since(self, store: Store, generation: int) -> tuple[int, set[Key]] | None:
        """(the generation up to which releases are known, every key a release that ended after
        ``generation`` touched); ``None``: not known (a write touched everything since, or the
        releases since are more than the log keeps)."""
        with self.lock:
            self._settle(store)
            if generation < self.logged_from:
                return None
            keys: set[Key] = set()
            for at, touched in self.log:
                if at > generation:
                    keys |= touched
            return self.through, keys

    def record(self, generation: int, touched: set[Key] | None) -> None:
        with self.lock:
            self.memo.clear()
            if touched is None or len(self.keys) + len(touched) > MAX_KEYS:
                self.floor = self.logged_from = generation
                self.keys.clear()
                self.log.clear()
            else:
                for key in touched:
                    self.keys[key] = generation
                if len(self.log) == self.log.maxlen:
                    self.logged_from = self.log[0][0]
                self.log.append((generation, frozenset(touched)))
            self.through = generation


_touched: weakref.WeakKeyDictionary[Store, _Touched] = weakref.WeakKeyDictionary()
_touched_lock = threading.Lock()


def touched_since(store: Store, generation: int | None) -> tuple[int, set[Key]] | None:
    """For a public thing derived at public generation ``generation`` (read before it was derived)
    that can renew itself in part: (the generation it is then current at, the keys releases touched
    since); ``None``: derive it afresh (a write that was not a release, or a store that records no
    reads)."""
    if generation is None or not getattr(store, "records_reads", False):
        return None
    return _touches(store).since(store, generation)


#: Renewals run at the end of each release of a store, before it is acknowledged (:func:`after_release`).
_renewals: weakref.WeakKeyDictionary[Store, list[tuple[weakref.ref, Callable]]] = weakref.WeakKeyDictionary()


def after_release(store: Store, renew: Callable[[], None]) -> None:
    """Call ``renew`` (a bound method, held weakly) at the end of every release of ``store``, after
    its writes and before it ends: it may derive kept things afresh under the state the release
    leaves (``depends_on(..., acknowledged=False)``), so that readers find them when it ends, while
    they are served what was kept before."""
    with _touched_lock:
        _renewals.setdefault(store, []).append((weakref.ref(renew.__self__), renew.__func__))  # type: ignore[attr-defined]


def _renew(store: Store) -> None:
    with _touched_lock:
        found = _renewals.get(store, [])
        alive = [(ref, method) for ref, method in found if ref() is not None]
        found[:] = alive
    for ref, method in alive:
        owner = ref()
        if owner is None:
            continue
        try:
            method(owner)
        except Exception:  # renewing is an optimisation: the release stands, readers derive it
            logging.getLogger(__name__).exception("renewing kept answers after a release failed")


def releases_under_way(store: Store) -> bool:
    """Whether a release (:func:`releasing`) of ``store`` is being written now."""
    found = _touched.get(store) if getattr(store, "records_reads", False) else None
    return found is not None and found.releasing > 0


def _touches(store: Store) -> _Touched:
    with _touched_lock:
        found = _touched.get(store)
        if found is None:
            found = _touched[store] = _Touched(floor=public_generation(store) or 0)
            found.through = found.logged_from = found.floor
        return found


@contextlib.contextmanager
def releasing(store: Store) -> Iterator[None]:
    """Around a release (every write of it, up to the public read model's sync): afterwards, what
    it touched is known to :func:`depends_on`. While it runs (it is not acknowledged yet), things
    that know their reads are served as the releases before it left them; one built meanwhile
    that read what it touches (half of it, perhaps) is renewed when it ends."""
    if not getattr(store, "records_reads", False):
        yield
        return
    touched = _touches(store)
    state = depends_on(store, acknowledged=False)
    with touched.lock:
        touched.releasing += 1
        if touched.releasing == 1:
            touched.before = state
    keys: set[Key] | None = None
    try:
        before = _Before.take(store)
        yield
        keys = before.touched(store)
        touched.record(public_generation(store) or 0, keys)
        _renew(store)  # still under way: what readers get is what was kept before it
    finally:
        if keys is None:
            touched.record(public_generation(store) or 0, None)
        with touched.lock:
            touched.releasing -= 1
            if not touched.releasing:
                touched.before = None


def _quads(store: Store, graph: str, limit: int) -> set | None:
    """The triples of ``graph`` (``OxigraphStore.graph_content``); ``None`` beyond ``limit``."""
    return store.graph_content(graph, limit)  # type: ignore[attr-defined]


def _raw(store: Store, graph: str, limit: int) -> set | None:
    """The quads of ``graph`` as the store's own objects (``OxigraphStore.graph_quads``), for
    comparing it before and after a release (a registry graph: the catalog, the system graph — the
    whole catalog twice per release, the largest share of a release's CPU in the serving process);
    ``None`` beyond ``limit``."""
    return store.graph_quads(graph, limit)  # type: ignore[attr-defined]


def _keys_of(triples: set, keys: set[Key]) -> None:
    """The keys a triple touches: its subject, and its object, alone and with the predicate."""
    for s, p, o, literal in triples:
        keys.add(("s", s))
        if not literal:
            keys.add(("po", p, o))
            keys.add(("o", o))


@dataclass
class _Before:
    """What a release compares after it: the public graphs and the registry graphs' content."""

    public: frozenset[str]
    registry: dict[str, set | None]

    @staticmethod
    def registry_graphs(store: Store) -> list[str]:
        snap = access.snapshot(store)
        catalog = [g for g in snap.public if not g.startswith((snap.base_uri or "\0") + "dataset/")]
        return catalog + [g for g in store.graph_names() if g.startswith(access.PRIVATE_PREFIX)]

    @classmethod
    def take(cls, store: Store) -> _Before:
        graphs = cls.registry_graphs(store)
        return cls(access.snapshot(store).public_set, {g: _raw(store, g, MAX_TOUCHED_QUADS) for g in graphs})

    def touched(self, store: Store) -> set[Key] | None:
        """Every key the release touched; ``None``: too many to list (everything)."""
        keys: set[Key] = set()
        budget = MAX_TOUCHED_QUADS
        changed = self.public ^ access.snapshot(store).public_set
        if not changed <= store.graph_names():  # a graph dropped: what it held is not known now
            return None
        for graph in sorted(changed):
            keys.add(("g", graph))
            content = _quads(store, graph, budget)
            if content is None:
                return None
            budget -= len(content)
            _keys_of(content, keys)
        for graph in sorted(set(self.registry) | set(self.registry_graphs(store))):
            old, new = self.registry.get(graph, set()), _raw(store, graph, MAX_TOUCHED_QUADS)
            if old is None or new is None:
                return None
            if old != new:  # compared as the store's quads; keyed only where they differ
                keys.add(("g", graph))
                _keys_of(store.quad_keys(old ^ new), keys)  # type: ignore[attr-defined]
        return keys
