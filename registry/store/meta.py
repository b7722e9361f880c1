"""The store's own metadata, kept in the system graph ``urn:efreg:system`` (see ontology/README.md)."""

from __future__ import annotations

from rdflib import Literal

from registry.rdf.namespaces import EF, STORE_NODE, SYSTEM_GRAPH
from registry.store.base import BaseURIMismatch, QueryDataset, Store

_SYSTEM_ONLY = QueryDataset(default_graphs=(SYSTEM_GRAPH,), named_graphs=())


def _sparql_string(value: str) -> str:
    return Literal(value).n3()


def stored_base_uri(store: Store) -> str | None:
    """The base URI the store was created for, or None for a store that never recorded one."""
    rows = store.select(f"SELECT ?b WHERE {{ <{STORE_NODE}> <{EF.baseURI}> ?b }}", _SYSTEM_ONLY)
    return str(rows[0]["b"]) if rows else None


def ensure_base_uri(store: Store, base_uri: str) -> None:
    """Record ``base_uri`` in a new store; for a store that has one already, insist it is the same.

    Instance IRIs are minted from the base URI, so a store created for one base cannot be served
    under another. Raises :class:`BaseURIMismatch` saying how to fix it.
    """
    if check_base_uri(store, base_uri) is None:
        store.update(
            f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ <{STORE_NODE}> <{EF.baseURI}> "
            f"{_sparql_string(base_uri)} }} }}"
        )


def check_base_uri(store: Store, base_uri: str) -> str | None:
    """The base URI the store was created for (``None``: none recorded yet); raises
    :class:`BaseURIMismatch` when it is not ``base_uri``. Writes nothing."""
    stored = stored_base_uri(store)
    if stored is not None and stored != base_uri:
        raise BaseURIMismatch(
            f"the store {store.url} was created for base URI {stored}, but you asked for {base_uri}; "
            f"start with --base-uri {stored} (or EFREG_BASE_URI={stored}), or dump it "
            f"(efreg dump) and reload the dump into a new store under the new base URI"
        )
    return stored


#: Notes about the public read model (:mod:`registry.publishing.public_view`), in the system graph.
VIEW_NODE = "urn:efreg:public-view"
#: ``VIEW_NODE VIEW_RELEASE <IRI>``: the catalog records about that version graph changed (the
#: version, its activities, its resources, the things they are versions of, the versions they
#: replace), or, for an IRI that names no graph, the records about that resource (a publisher).
VIEW_RELEASE = VIEW_NODE + "#release"
#: ``VIEW_NODE VIEW_STALE VIEW_CATALOG``: anything in the catalog graph may have changed;
#: ``VIEW_NODE VIEW_STALE VIEW_ALL``: any public graph may have changed in place.
VIEW_STALE = VIEW_NODE + "#stale"
VIEW_CATALOG = VIEW_NODE + "#catalog"
VIEW_ALL = VIEW_NODE + "#all"


def view_stale_update(scope: str) -> str:
    """The operation to put into an update that changes the catalog graph (or any public graph) in
    place, so that the next sync of the public read model compares it: ``scope`` a released version
    graph (its catalog records), or :data:`VIEW_CATALOG` / :data:`VIEW_ALL`. Being part of the same
    update, the note is there after a crash whenever the change is."""
    predicate = VIEW_STALE if scope in (VIEW_CATALOG, VIEW_ALL) else VIEW_RELEASE
    return f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ <{VIEW_NODE}> <{predicate}> <{scope}> }} }}"


__all__ = ["check_base_uri", "ensure_base_uri", "stored_base_uri", "view_stale_update"]
