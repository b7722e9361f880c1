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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from registry.query.inspect import Check, RequestInfo
from registry.store import QueryDataset, StoreError

RULE = "https://www.w3.org/TR/sparql11-query/#specifyingDataset"


class GraphNotReadable(StoreError):
    """FROM / FROM NAMED naming a graph that is not one the caller may read (403)."""


@dataclass(frozen=True)
class ReadableDataset(QueryDataset):
    """The dataset of a query that names none: every graph the caller may read, with the query's
    data checks (:func:`registry.query.inspect.data_checks`), so that a store may evaluate the
    default graph as the union of all its graphs when the others cannot change the answer
    (``OxigraphStore.union_dataset``, decided where the query runs, on the state it reads)."""

    checks: tuple[Check, ...] | None = None


def restrict(
    readable: Iterable[str],
    info: RequestInfo,
    default_graph_uri: Sequence[str] = (),
    named_graph_uri: Sequence[str] = (),
) -> QueryDataset:
    """The dataset for a query: see the module docstring."""
    allowed = list(dict.fromkeys(readable))
    allowed_set = set(allowed)
    if default_graph_uri or named_graph_uri:
        return QueryDataset(
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
        return QueryDataset(
            default_graphs=tuple(dict.fromkeys(info.from_default)),
            named_graphs=tuple(dict.fromkeys(info.from_named)),
        )
    checks = None if info.services else info.checks
    return ReadableDataset(default_graphs=tuple(allowed), named_graphs=tuple(allowed), checks=checks)
