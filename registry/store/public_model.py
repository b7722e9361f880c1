"""The quad-level operations on an embedded store's public read model (the second store beside the
data, ``PATH/public``): what :func:`registry.publishing.public_view.sync` uses to make it equal to
the public graphs. Each graph copy, drop and patch is one transaction of the model."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Literal, Protocol

import pyoxigraph as ox

Side = Literal["store", "model"]


class ModelOwner(Protocol):
    """What :class:`PublicModel` needs of the store object (``OxigraphStore``)."""

    path: str | None
    view: ox.Store | None
    view_marker: str

    @property
    def pyoxigraph(self) -> ox.Store: ...


#: The directory of the public read model inside an on-disk store's directory, and the two names a
#: rebuild uses on its way (left over only by a crash, then removed at open).
VIEW_DIR, NEW_DIR, OLD_DIR = "public", "public.new", "public.old"
#: The file beside the model naming its content (see :attr:`PublicModel.marker`).
MARKER = "public.marker"


def read_marker(path: str | None) -> str:
    """The marker of the model of the store at ``path`` ("" when unknown: none yet, or a change
    was under way; a fresh one for a store in memory, whose model starts empty)."""
    if path is None:
        return uuid.uuid4().hex
    try:
        return (Path(path) / MARKER).read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _write_marker(path: str | None, marker: str) -> None:
    if path is None:
        return
    target, temporary = Path(path) / MARKER, Path(path) / (MARKER + ".new")
    with open(temporary, "w", encoding="ascii") as out:
        out.write(marker)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(target)


def open_model(path: str | None) -> ox.Store:
    """The public read model of the store at ``path`` (an in-memory one for ``None``)."""
    if path is None:
        return ox.Store()
    for leftover in (NEW_DIR, OLD_DIR):
        shutil.rmtree(Path(path) / leftover, ignore_errors=True)
    return ox.Store(str(Path(path) / VIEW_DIR))


def checkpoint_model(store: ox.Store, path: str, keep: Collection[str]) -> ox.Store:
    """A new public read model for the on-disk store at ``path``: a RocksDB checkpoint of the store
    (hard links to its table files: seconds at any size, no extra disk until either side compacts)
    without the graphs not in ``keep``, swapped in by renaming directories. The caller drops its
    handle of the old model first."""
    base = Path(path)
    fresh, old = base / NEW_DIR, base / OLD_DIR
    shutil.rmtree(fresh, ignore_errors=True)
    store.backup(str(fresh))
    model = ox.Store(str(fresh))
    for graph in list(model.named_graphs()):
        if not (isinstance(graph, ox.NamedNode) and graph.value in keep):
            model.remove_graph(graph)
    model.clear_graph(ox.DefaultGraph())
    model.flush()
    del model  # closed: a RocksDB directory is renamed only while closed
    shutil.rmtree(old, ignore_errors=True)
    if (base / VIEW_DIR).exists():
        (base / VIEW_DIR).rename(old)
    fresh.rename(base / VIEW_DIR)
    shutil.rmtree(old, ignore_errors=True)
    return ox.Store(str(base / VIEW_DIR))


class PublicModel:
    """The main store (``store``) and its public read model (``model``), side by side."""

    def __init__(self, owner: ModelOwner) -> None:
        self.owner = owner

    @property
    def store(self) -> ox.Store:
        return self.owner.pyoxigraph

    @property
    def model(self) -> ox.Store:
        view = self.owner.view
        assert view is not None
        return view

    @property
    def marker(self) -> str:
        """A name for the model's content, kept beside it: a change of the model first sets it to
        "" (unknown), :meth:`settle` gives it a new name once a sync is done. Whatever is derived
        from the model (:mod:`registry.store.analytic`) records the marker it equals."""
        return self.owner.view_marker

    def _changing(self) -> None:
        if self.owner.view_marker:
            self.owner.view_marker = ""
            _write_marker(self.owner.path, "")

    def settle(self) -> str:
        """After a sync: a new marker when the model changed; the marker."""
        if not self.owner.view_marker:
            self.owner.view_marker = uuid.uuid4().hex
            _write_marker(self.owner.path, self.owner.view_marker)
        return self.owner.view_marker

    @property
    def _sides(self) -> dict[str, ox.Store]:
        return {"store": self.store, "model": self.model}

    def rebuild(self, keep: Collection[str]) -> bool:
        """For an on-disk store: the model made anew from a checkpoint holding the graphs ``keep``
        (what a first sync does instead of copying graph by graph); ``False`` for a store in memory."""
        path = self.owner.path
        if path is None:
            return False
        self._changing()
        self.owner.view = None  # the old model closes when its last reader is done
        self.owner.view = checkpoint_model(self.store, path, keep)
        return True

    def graphs(self) -> set[str]:
        """The named graphs the model holds."""
        return {g.value for g in self.model.named_graphs() if isinstance(g, ox.NamedNode)}

    def clear_default(self) -> bool:
        """Empty the model's default graph (nothing belongs there); whether it held anything."""
        if next(iter(self.model.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
            return False
        self._changing()
        self.model.clear_graph(ox.DefaultGraph())
        return True

    def copy(self, graph: str) -> None:
        """``graph`` of the store into the model, in one transaction."""
        self._changing()
        self.model.extend(self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def drop(self, graph: str) -> None:
        self._changing()
        self.model.remove_graph(ox.NamedNode(graph))

    def iris(
        self, side: Side, s: str | None, p: str | None, o: str | None, graph: str
    ) -> Iterator[tuple[str | None, str | None]]:
        """(subject, object) of the triples of ``graph`` on ``side`` matching the pattern (IRIs;
        ``None`` for a blank node or literal): index look-ups, no query plan."""
        terms = [None if t is None else ox.NamedNode(t) for t in (s, p, o)]
        for quad in self._sides[side].quads_for_pattern(*terms, ox.NamedNode(graph)):  # type: ignore[arg-type]
            yield (
                quad.subject.value if isinstance(quad.subject, ox.NamedNode) else None,
                quad.object.value if isinstance(quad.object, ox.NamedNode) else None,
            )

    def lines(self, side: Side, graph: str, subjects: Iterable[str] | None = None) -> set[bytes]:
        """The triples of ``graph`` on ``side`` (only those about ``subjects`` when given) as
        N-Triples lines."""
        store, name = self._sides[side], ox.NamedNode(graph)
        if subjects is None:
            quads: Iterable[ox.Quad] = store.quads_for_pattern(None, None, None, name)
        else:
            quads = (q for s in subjects for q in store.quads_for_pattern(ox.NamedNode(s), None, None, name))
        triples = (q.triple for q in quads)
        return set((ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").splitlines())

    def patch(self, graph: str, removed: set[bytes], added: set[bytes]) -> None:
        """Remove and add N-Triples lines in ``graph`` of the model in one update (a blank node
        cannot be named in DELETE DATA: the graph is then copied again, in two transactions)."""
        if not removed and not added:
            return
        self._changing()
        if any(b"_:" in line for line in (*removed, *added)):
            self.drop(graph)
            self.copy(graph)
            return
        ops = []
        for verb, lines in (("DELETE", removed), ("INSERT", added)):
            if lines:
                body = b"\n".join(sorted(lines)).decode("utf-8")
                ops.append(f"{verb} DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
        self.model.update(" ;\n".join(ops))
