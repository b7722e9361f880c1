"""Who may read which graphs: the one place that decides it. Every route asks :func:`readable_graphs`.

Each dataset version is a named graph. Its **review status**, **access level** and **publisher** come
from its workflow record in the system graph when it was uploaded through the publishing workflow
(:mod:`registry.publishing.workflow`); otherwise (seeds, ``efreg load``, harvests) from the catalog graph,
whose word wins, or the version's own record. A **commercial** version is stored as two graphs: the
version graph, which describes what it covers (names, activity, geography, period, publisher,
quality, license), and its **values graph** (``dct:hasPart``, ``…/values``) holding the numbers and
gas components.

* Anyone reads the catalog graph and every published version graph that is open, or commercial and
  split (a commercial version whose values were never split off is never public).
* A publisher's token also reads its own versions in any state, values included; a reviewer's the
  submitted versions; a token whose publisher was granted a commercial dataset its values graphs.
* An admin's token reads every graph but the registry's own (``urn:efreg:…``).

The answer is cached per store and recomputed when the store's write generation changes
(``store.generation``, an int every write bumps). A backend without a generation is asked every
time, which is always correct; :func:`invalidate` drops a cached answer explicitly.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from dataclasses import dataclass, field

from registry.publishing.tokens import Caller
from registry.rdf.namespaces import STORE_NODE, SYSTEM_GRAPH
from registry.store import PublicDataset, QueryDataset, Store

EF = "https://w3id.org/efreg/ontology#"
#: Private predicate of the system graph: dataset ``grantedTo`` publisher (commercial access).
GRANTED_TO = "urn:efreg:auth#grantedTo"
PRIVATE_PREFIX = "urn:efreg:"

BASE_URI_QUERY = f"""PREFIX ef: <{EF}>
SELECT ?base WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{STORE_NODE}> ef:baseURI ?base }} }} LIMIT 1"""

_PREFIXES = f"""PREFIX ef: <{EF}>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
#: Each version's own record (in its own graph).
OWN_QUERY = (
    _PREFIXES
    + """SELECT ?g ?status ?access ?publisher ?dataset WHERE { GRAPH ?g {
  ?g a dcat:Dataset
  OPTIONAL { ?g ef:reviewStatus ?status } OPTIONAL { ?g ef:accessLevel ?access }
  OPTIONAL { ?g dct:publisher ?publisher } OPTIONAL { ?g dct:isVersionOf ?dataset } } }"""
)
#: Records kept about versions in a registry graph (the catalog, or the system graph's workflow).
RECORD_QUERY = (
    _PREFIXES
    + """SELECT ?g ?status ?access ?publisher ?dataset ?part WHERE { GRAPH <{graph}> {
  ?g ef:reviewStatus ?status
  OPTIONAL { ?g ef:accessLevel ?access } OPTIONAL { ?g dct:publisher ?publisher }
  OPTIONAL { ?g dct:isVersionOf ?dataset } OPTIONAL { ?g dct:hasPart ?part } } }"""
)
GRANTS_QUERY = f"SELECT ?d ?p WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ ?d <{GRANTED_TO}> ?p }} }}"


@dataclass(frozen=True)
class Version:
    """What the registry knows about one dataset version graph (statuses and levels as local names:
    ``Draft`` … ``Withdrawn``, ``Open`` / ``Commercial``)."""

    graph: str
    dataset: str | None
    publisher: str | None
    status: str | None
    access: str | None
    values: str | None  #: the values graph of a commercial version
    in_store: bool  #: the version graph holds its dataset record
    recorded: bool  #: has a workflow record (uploaded through the publishing workflow)

    @property
    def public(self) -> bool:
        if not self.in_store or self.status != "Published":
            return False
        return self.access == "Open" or (self.access == "Commercial" and self.values is not None)


@dataclass(frozen=True)
class Snapshot:
    """What is public at one store generation, and when this process first saw that generation."""

    generation: int | None
    base_uri: str | None
    public: tuple[str, ...]
    public_set: frozenset[str]
    seen_at: float
    versions: dict[str, Version] = field(default_factory=dict, compare=False)
    grants: frozenset[tuple[str, str]] = frozenset()


_cache: weakref.WeakKeyDictionary[Store, Snapshot] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def generation(store: Store) -> int | None:
    """The store's write counter, when its backend keeps one."""
    value = getattr(store, "generation", None)
    return value if isinstance(value, int) else None


def base_uri(store: Store) -> str | None:
    """The base URI recorded in the store's system graph (``None`` before one is recorded)."""
    rows = store.select(
        BASE_URI_QUERY, QueryDataset(default_graphs=(SYSTEM_GRAPH,), named_graphs=(SYSTEM_GRAPH,))
    )
    return str(rows[0]["base"]) if rows else None


def _local(term: object | None) -> str | None:
    return str(term).rsplit("#", 1)[-1] if term is not None else None


def _records(store: Store, graph: str) -> dict[str, dict[str, str]]:
    rows = store.select(
        RECORD_QUERY.replace("{graph}", graph), QueryDataset(default_graphs=(), named_graphs=(graph,))
    )
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        record = out.setdefault(str(row["g"]), {})
        for key, value in row.items():
            record.setdefault(key, str(value))
    return out


def load_versions(store: Store, base: str) -> dict[str, Version]:
    """Every dataset version the store knows of, by graph IRI (see the module docstring)."""
    own: dict[str, dict[str, str]] = {}
    for row in store.select(OWN_QUERY):
        record = own.setdefault(str(row["g"]), {})
        for key, value in row.items():
            record.setdefault(key, str(value))
    catalog = _records(store, base + "catalog")
    workflow = _records(store, SYSTEM_GRAPH)
    versions: dict[str, Version] = {}
    for g in own.keys() | catalog.keys() | workflow.keys():
        if g not in own and not g.startswith(base + "dataset/"):
            continue
        mine, cat, flow = own.get(g, {}), catalog.get(g, {}), workflow.get(g)
        if flow is not None:
            versions[g] = Version(
                g,
                flow.get("dataset") or mine.get("dataset"),
                flow.get("publisher"),
                _local(flow.get("status")),
                _local(flow.get("access")),
                flow.get("part"),
                g in own,
                True,
            )
        else:
            versions[g] = Version(
                g,
                mine.get("dataset"),
                mine.get("publisher"),
                _local(cat.get("status") or mine.get("status")),
                _local(cat.get("access") or mine.get("access")),
                cat.get("part"),
                g in own,
                False,
            )
    return versions


def _compute(store: Store, gen: int | None, previous: Snapshot | None) -> Snapshot:
    base = base_uri(store)
    graphs: list[str] = []
    versions: dict[str, Version] = {}
    grants: frozenset[tuple[str, str]] = frozenset()
    if base is not None:
        catalog = base + "catalog"
        versions = load_versions(store, base)
        graphs = sorted(g for g, v in versions.items() if v.public)
        if store.ask(f"ASK {{ GRAPH <{catalog}> {{ ?s ?p ?o }} }}"):
            graphs.insert(0, catalog)
        rows = store.select(GRANTS_QUERY, QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,)))
        grants = frozenset((str(r["d"]), str(r["p"])) for r in rows)
    public = tuple(graphs)
    unchanged = previous is not None and previous.public == public and previous.base_uri == base
    seen_at = previous.seen_at if unchanged and previous is not None else time.time()
    return Snapshot(gen, base, public, frozenset(public), seen_at, versions, grants)


def snapshot(store: Store) -> Snapshot:
    """The cached view of ``store``, recomputed when its generation moved."""
    gen = generation(store)
    cached = _cache.get(store)
    if cached is not None and gen is not None and cached.generation == gen:
        return cached
    with _lock:
        cached = _cache.get(store)
        if cached is not None and gen is not None and cached.generation == gen:
            return cached
        fresh = _compute(store, gen, cached)
        _cache[store] = fresh
        return fresh


def carry_over(store: Store, snap: Snapshot, gen: int) -> None:
    """Keep ``snap`` as the view of generation ``gen``: for a writer whose writes since
    ``snap.generation`` changed nothing this module reads (the public read model, its notes)."""
    with _lock:
        cached = _cache.get(store)
        if cached is None or cached.generation != gen:
            _cache[store] = dataclasses.replace(snap, generation=gen)


def invalidate(store: Store) -> None:
    """Forget the cached answer for ``store`` (for backends without a generation counter)."""
    with _lock:
        _cache.pop(store, None)


def public_graphs(store: Store) -> tuple[str, ...]:
    """Every graph anyone may read: the catalog graph and the published version graphs (never a
    commercial values graph)."""
    return snapshot(store).public


def all_graphs(store: Store) -> tuple[str, ...]:
    """Every graph but the registry's own (``urn:efreg:…``)."""
    return tuple(sorted(g for g in store.graph_names() if not g.startswith(PRIVATE_PREFIX)))


#: What each token caller may read, per access snapshot: (the snapshot, {(role, publisher): graphs}).
_readable: weakref.WeakKeyDictionary[Store, tuple[Snapshot, dict[tuple[str, str], tuple[str, ...]]]] = (
    weakref.WeakKeyDictionary()
)
_READABLE_KEPT = 256  #: callers kept per snapshot


def readable_graphs(store: Store, caller: Caller | None = None) -> tuple[str, ...]:
    """The graphs ``caller`` may read (anonymous callers, ``None``: the public graphs). A token
    caller's answer is kept while the access snapshot is the same object (a write, which moves the
    store's generation, makes a new one); a backend without a generation is asked every time."""
    snap = snapshot(store)
    if caller is None or snap.base_uri is None:
        return snap.public
    key = (caller.role, caller.publisher)
    kept = _readable.get(store) if snap.generation is not None else None
    if kept is not None and kept[0] is snap and key in kept[1]:
        return kept[1][key]
    graphs = _readable_graphs(store, snap, snap.base_uri, caller)
    if snap.generation is not None:
        with _lock:
            kept = _readable.get(store)
            if kept is None or kept[0] is not snap or len(kept[1]) >= _READABLE_KEPT:
                kept = _readable[store] = (snap, {})
            kept[1][key] = graphs
    return graphs


def _readable_graphs(store: Store, snap: Snapshot, base: str, caller: Caller) -> tuple[str, ...]:
    if caller.is_admin:
        return all_graphs(store)
    agent = caller.agent(base)
    extra: set[str] = set()
    for v in snap.versions.values():
        parts = [v.graph] + ([v.values] if v.values else [])
        if v.publisher == agent or (caller.role == "reviewer" and v.status == "Submitted"):
            extra.update(parts)
        elif v.values and v.public and v.dataset is not None and (v.dataset, agent) in snap.grants:
            extra.add(v.values)
    return snap.public + tuple(sorted(extra - snap.public_set))


def reads_only_public(
    store: Store, caller: Caller | None = None, readable: tuple[str, ...] | None = None
) -> bool:
    """Whether ``caller`` may read the public graphs and nothing else (anonymous callers, tokens
    without grants, drafts or reviews): its queries may then run on the public read model
    (:mod:`registry.publishing.public_view`), a store that holds nothing else. ``readable``: what
    :func:`readable_graphs` answered for ``caller`` (asked again when not given)."""
    if caller is None:
        return True
    snap = snapshot(store)
    return set(readable if readable is not None else readable_graphs(store, caller)) == snap.public_set


def beyond_public(store: Store, readable: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``readable`` that are not public: they name a caller's access level on a store whose
    engine enforces who reads (:class:`~registry.store.QueryDataset` ``extra``)."""
    public = snapshot(store).public_set
    return tuple(g for g in readable if g not in public)


class ReadView:
    """A read-only view of a store restricted to what one caller may read: domain code that takes a
    store (crosswalks, profiles, mapping sets) is handed this, so it cannot see past the caller's
    graphs whatever its queries say. An explicit dataset is intersected with the readable graphs. A
    caller who may read only what is public reads the public read model (a
    :class:`~registry.store.PublicDataset`)."""

    def __init__(self, store: Store, caller: Caller | None = None) -> None:
        self.store, self.readable = store, readable_graphs(store, caller)
        self.public = reads_only_public(store, caller, self.readable)
        self.extra = () if self.public else beyond_public(store, self.readable)

    def _dataset(self, dataset: QueryDataset | None) -> QueryDataset:
        allowed = set(self.readable)
        kind = PublicDataset if self.public else QueryDataset
        reader = {"readable": self.readable, "extra": self.extra}
        if dataset is None:
            if self.public:
                return PublicDataset(self.readable, self.readable, union=True, **reader)  # type: ignore[arg-type]
            return QueryDataset(default_graphs=self.readable, named_graphs=self.readable, **reader)  # type: ignore[arg-type]

        def keep(graphs: tuple[str, ...] | None) -> tuple[str, ...]:
            return self.readable if graphs is None else tuple(g for g in graphs if g in allowed)

        return kind(
            default_graphs=keep(dataset.default_graphs), named_graphs=keep(dataset.named_graphs), **reader
        )  # type: ignore[arg-type]

    def select(self, query: str, dataset: QueryDataset | None = None):  # noqa: ANN201 - as Store.select
        return self.store.select(query, self._dataset(dataset))

    def ask(self, query: str, dataset: QueryDataset | None = None) -> bool:
        return self.store.ask(query, self._dataset(dataset))

    def construct(self, query: str, dataset: QueryDataset | None = None):  # noqa: ANN201 - as Store.construct
        return self.store.construct(query, self._dataset(dataset))

    def graphs(self) -> dict[str, int]:
        allowed = set(self.readable)
        return {g: n for g, n in self.store.graphs().items() if g in allowed}


def may_read(store: Store, caller: Caller | None, graph: str) -> bool:
    """Whether ``caller`` may read ``graph``."""
    return graph in readable_graphs(store, caller)


def readable_versions(
    store: Store, base: str, caller: Caller | None, dataset_id: str | None = None
) -> list[Version]:
    """The dataset versions (of ``dataset_id``, or all) whose graph ``caller`` may read, ordered by
    dataset and number."""
    readable = set(readable_graphs(store, caller))
    prefix = base + "dataset/" + (f"{dataset_id}/" if dataset_id else "")
    found = [
        v
        for v in snapshot(store).versions.values()
        if v.graph.startswith(prefix)
        and v.graph in readable
        and v.graph[len(prefix) :].count("/") == (0 if dataset_id else 1)
    ]

    def key(v: Version) -> tuple[str, int]:
        stem, _, number = v.graph.rpartition("/")
        return stem, int(number) if number.isdigit() else 0

    return sorted(found, key=key)


def may_read_values(store: Store, caller: Caller | None, version: Version) -> bool:
    """Whether ``caller`` sees the numbers of ``version`` (its own graph, or its values graph)."""
    readable = set(readable_graphs(store, caller))
    return version.graph in readable and (version.values is None or version.values in readable)


def data_changed_at(store: Store) -> float:
    """When this process first saw the current set of public graphs (for ``Last-Modified``).

    Dataset version graphs are immutable and the catalog graph changes only when a version is
    released (which changes the set), so this is never earlier than the last change of any public
    document; after a restart it is the restart time (conservative: fewer 304s, never a wrong one)."""
    return snapshot(store).seen_at
