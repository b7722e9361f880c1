"""The RDF dataset a request runs against, restricted to what the caller may read.

Semantics (documented in the service description and on the query page):

* With no dataset given, the **default graph is the union of the graphs the caller may read** and
  the **named graphs are those graphs** (``GRAPH ?g`` ranges over them). The system graph and
  unpublished graphs never appear.
* ``default-graph-uri`` / ``named-graph-uri`` (protocol) override ``FROM`` / ``FROM NAMED`` (query),
  as SPARQL 1.1 Protocol 2.1.4 says. Protocol-named graphs the caller may not read, or that do not
  exist, are **empty** (the answer is the same whether the graph is secret or absent: no oracle).
* ``FROM`` / ``FROM NAMED`` in the query text must name graphs the caller may read; any other IRI is
  **refused (403)**. The registry never fetches a FROM IRI, so ``FROM <http://intranet/...>`` is an
  error rather than a silently empty answer that would look like a fetch that failed.

The engine enforces the dataset: the lists below are handed to the store, which evaluates the query
against them whatever the query text says (Oxigraph's dataset arguments override FROM / FROM NAMED,
and ``GRAPH <iri>`` finds only listed named graphs). Nothing here depends on reading the query's
patterns. A caller who may read only what is public gets a :class:`~registry.store.PublicDataset`,
which an embedded store evaluates on its public read model, a store that holds nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from registry.query.inspect import RequestInfo
from registry.store import PublicDataset, QueryDataset, StoreError

RULE = "https://www.w3.org/TR/sparql11-query/#specifyingDataset"


class GraphNotReadable(StoreError):
    """FROM / FROM NAMED naming a graph that is not one the caller may read (403)."""


def restrict(
    readable: Iterable[str],
    info: RequestInfo,
    default_graph_uri: Sequence[str] = (),
    named_graph_uri: Sequence[str] = (),
    public: bool = False,
    extra: Sequence[str] = (),
) -> QueryDataset:
    """The dataset for a query: see the module docstring. ``public``: the caller may read only the
    public graphs (``readable`` is then exactly those); ``extra``: the graphs of ``readable`` that
    are not public. Every dataset carries both, for a backend whose engine enforces who reads."""
    if public and not (default_graph_uri or named_graph_uri or info.from_default or info.from_named):
        graphs = tuple(dict.fromkeys(readable))  # the commonest request: no set of the graphs to build
        return PublicDataset(
            default_graphs=graphs, named_graphs=graphs, union=True, readable=graphs, extra=tuple(extra)
        )
    allowed = list(dict.fromkeys(readable))
    allowed_set = set(allowed)
    reader = {"readable": tuple(allowed), "extra": tuple(extra)}

    def kind(**graphs: tuple[str, ...]) -> QueryDataset:
        return (PublicDataset if public else QueryDataset)(**graphs, **reader)  # type: ignore[arg-type]

    if default_graph_uri or named_graph_uri:
        return kind(
            default_graphs=tuple(g for g in dict.fromkeys(default_graph_uri) if g in allowed_set),
            named_graphs=tuple(g for g in dict.fromkeys(named_graph_uri) if g in allowed_set),
        )
    if info.from_default or info.from_named:
        refused = [g for g in (*info.from_default, *info.from_named) if g not in allowed_set]
        if refused:
            raise GraphNotReadable(
                "FROM / FROM NAMED may only name graphs of this registry that you may read; not "
                + ", ".join(f"<{g}>" for g in dict.fromkeys(refused))
                + " (the registry never fetches FROM IRIs; its graphs are listed in the service "
                "description at GET /sparql)"
            )
        return kind(
            default_graphs=tuple(dict.fromkeys(info.from_default)),
            named_graphs=tuple(dict.fromkeys(info.from_named)),
        )
    return QueryDataset(default_graphs=tuple(allowed), named_graphs=tuple(allowed), **reader)
