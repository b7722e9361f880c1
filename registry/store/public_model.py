"""The quad-level operations on an embedded store's public read model (the second store beside the
data, ``PATH/public``): what :func:`registry.publishing.public_view.sync` uses to make it equal to
the public graphs. Each graph copy, drop and patch is one transaction of the model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

import pyoxigraph as ox

Side = Literal["store", "model"]


class PublicModel:
    """The main store (``store``) and its public read model (``model``), side by side."""

    def __init__(self, store: ox.Store, model: ox.Store) -> None:
        self._sides = {"store": store, "model": model}
        self.store, self.model = store, model

    def graphs(self) -> set[str]:
        """The named graphs the model holds."""
        return {g.value for g in self.model.named_graphs() if isinstance(g, ox.NamedNode)}

    def clear_default(self) -> bool:
        """Empty the model's default graph (nothing belongs there); whether it held anything."""
        if next(iter(self.model.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
            return False
        self.model.clear_graph(ox.DefaultGraph())
        return True

    def copy(self, graph: str) -> None:
        """``graph`` of the store into the model, in one transaction."""
        self.model.extend(self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def drop(self, graph: str) -> None:
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
