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

The state of a public entry is computed *before* the thing is derived from the store and the public
generation moves *after* the change is written (``OxigraphStore.writing``), so an entry derived while a write was under way is
kept under the state that write ends. The generations come from the store object (an embedded store
is written by this process only); a store that keeps its generations elsewhere (several web
processes on one server store) changes :func:`store_generation` and :func:`public_generation` and
nothing else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Hashable

from registry.publishing import access
from registry.store import Store

PUBLIC, STORE = "public", "store"


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
    store: Store, graphs: Collection[str] | None = None, *, public: bool | None = None
) -> Hashable | None:
    """The state a thing derived from ``graphs`` of ``store`` depends on (``graphs`` ``None``: the
    public graphs). ``public``: the caller already knows whether ``graphs`` are exactly the public
    graphs (:func:`registry.publishing.access.reads_only_public`); else it is compared here.
    ``None``: keep nothing."""
    generation = store_generation(store)
    if generation is None:
        return None
    if public is False:
        return (STORE, generation)
    snap = access.snapshot(store)
    if public is None and not (graphs is None or frozenset(graphs) == snap.public_set):
        return (STORE, generation)
    return (PUBLIC, public_generation(store), snap.public)
