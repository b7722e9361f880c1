"""The catalog graph: version-independent records that point at each resource's published versions.

Dataset version graphs are immutable; everything that changes when a version is released or
withdrawn lives in the catalog graph ``{base}catalog``: ``dcat:hasVersion`` and
``dcat:hasCurrentVersion`` (computed from the **published** versions only, never from drafts),
``dct:isReplacedBy`` from superseded factor and dataset versions to their successors, the review
status and access level of released versions, publishers, and the PROV activities of releases.

This module builds the SPARQL Update texts (so that :mod:`registry.publishing.workflow` can switch a release
in one update) and answers the read questions: history, and the diff of two versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from registry.publishing import access, public_view
from registry.query import statistics
from registry.store import QueryDataset, Store, reads
from registry.store.meta import VIEW_CATALOG, view_stale_update

PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def catalog_iri(base_uri: str) -> str:
    return base_uri + "catalog"


def _values(graphs: Iterable[str]) -> str:
    return " ".join(f"<{g}>" for g in graphs)


def refresh_update(catalog: str, published: Iterable[str]) -> str:
    """The update (without its prologue, :data:`PREFIXES`) that recomputes every resource's versions
    and its current (highest) one from the ``published`` version graphs."""
    graphs = _values(g for g in published if g != catalog)
    return f"""
DELETE {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }} WHERE {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }} ;
DELETE {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }}
WHERE {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }} ;
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }}
WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?v dct:isVersionOf ?thing }} }} ;
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }}
WHERE {{
  {{ SELECT ?thing (MAX(xsd:integer(?n)) AS ?latest)
     WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?x dct:isVersionOf ?thing ; dcat:version ?n }} }} GROUP BY ?thing }}
  VALUES ?h {{ {graphs} }}
  GRAPH ?h {{ ?v dct:isVersionOf ?thing ; dcat:version ?m }}
  FILTER(xsd:integer(?m) = ?latest)
}}"""


def things_of(store: Store, graphs: Iterable[str]) -> list[str]:
    """The resources that the version graphs ``graphs`` hold versions of (index look-ups)."""
    rows = store.select(
        PREFIXES
        + f"SELECT DISTINCT ?thing WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH ?g {{ ?x dct:isVersionOf ?thing }} }}"
    )
    return [str(row["thing"]) for row in rows]


#: Rows of one ``VALUES`` block of :func:`scoped_refresh_update`: Virtuoso makes a block an ``IN``
#: operator, which takes a few thousand arguments at most (a first run's samples name 6,000 things).
VALUES_ROWS = 1000


def scoped_refresh_update(catalog: str, published: Iterable[str], things: Iterable[str]) -> str | None:
    """:func:`refresh_update` for the resources ``things`` only (those of the graphs a release, an
    import or a withdrawal touched): the same catalog records for them, at a cost that grows with
    their number, not with the registry (the whole refresh took ~90 s at 100k factors). ``None``
    when there is nothing to refresh. Things go :data:`VALUES_ROWS` at a time (each thing's records
    depend on that thing only)."""
    listed = list(dict.fromkeys(things))
    graphs = ", ".join(f"<{g}>" for g in published if g != catalog)
    parts = [
        _scoped(catalog, graphs, _values(listed[i : i + VALUES_ROWS]))
        for i in range(0, len(listed), VALUES_ROWS)
    ]
    return " ;\n".join(parts) or None


def _scoped(catalog: str, graphs: str, things: str) -> str:
    versions = f"""VALUES ?thing {{ {things} }}
  GRAPH ?g {{ ?v dct:isVersionOf ?thing }} FILTER(?g IN ({graphs}))"""
    return f"""
DELETE {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }}
WHERE {{ VALUES ?thing {{ {things} }} GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }} ;
DELETE {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }}
WHERE {{ VALUES ?thing {{ {things} }} GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }} ;
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }} WHERE {{ {versions} }} ;
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }}
WHERE {{
  {{ SELECT ?thing (MAX(xsd:integer(?n)) AS ?latest)
     WHERE {{ {versions} GRAPH ?g {{ ?v dcat:version ?n }} }} GROUP BY ?thing }}
  {versions} GRAPH ?g {{ ?v dcat:version ?m }}
  FILTER(xsd:integer(?m) = ?latest)
}}"""


def refresh_versions(store: Store, base_uri: str, released: Iterable[str] | None = None) -> None:
    """Recompute, in the catalog graph, the published versions and the current one of every resource
    (``released`` None) or of the resources the version graphs ``released`` (an import's) hold; then
    bring the public read model up to date (:func:`registry.publishing.public_view.sync`), which
    compares only the catalog records about ``released``, else the whole catalog graph."""
    catalog = catalog_iri(base_uri)
    if released is None:
        notes, update = [VIEW_CATALOG], refresh_update(catalog, access.public_graphs(store))
    else:
        notes = list(dict.fromkeys(released))
        update = scoped_refresh_update(catalog, access.public_graphs(store), things_of(store, notes))
    ops = ([update] if update else []) + [view_stale_update(note) for note in notes]
    if ops:
        store.update(PREFIXES + " ;\n".join(ops))
    statistics.refresh(store)  # before the sync: a write after it would leave the model behind
    public_view.sync(store)


def release_update(catalog: str, graph: str) -> str:
    """The part of a release that links versions: the things of ``graph`` get it as a version; where
    it is newer than their current version, the current one ``dct:isReplacedBy`` it and it becomes
    current (run in the same update that marks ``graph`` published)."""
    newer = f"""GRAPH <{graph}> {{ ?v dct:isVersionOf ?thing ; dcat:version ?n }}
  GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?old }}
  GRAPH ?h {{ ?old dcat:version ?m }}
  FILTER(?old != ?v && xsd:integer(?n) > xsd:integer(?m))"""
    return f"""
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasVersion ?v }} }} WHERE {{ GRAPH <{graph}> {{ ?v dct:isVersionOf ?thing }} }} ;
INSERT {{ GRAPH <{catalog}> {{ ?old dct:isReplacedBy ?v }} }} WHERE {{ {newer} }} ;
DELETE {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?old }} }} WHERE {{ {newer} }} ;
INSERT {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?v }} }}
WHERE {{ GRAPH <{graph}> {{ ?v dct:isVersionOf ?thing }}
         FILTER NOT EXISTS {{ GRAPH <{catalog}> {{ ?thing dcat:hasCurrentVersion ?any }} }} }}"""


def unlink_update(catalog: str, graph: str) -> str:
    """Drop the ``dct:isReplacedBy`` links to and from the versions of ``graph`` (a withdrawal)."""
    return f"""
DELETE {{ GRAPH <{catalog}> {{ ?v dct:isReplacedBy ?w }} }}
WHERE {{ GRAPH <{graph}> {{ ?v dct:isVersionOf ?thing }} GRAPH <{catalog}> {{ ?v dct:isReplacedBy ?w }} }} ;
DELETE {{ GRAPH <{catalog}> {{ ?w dct:isReplacedBy ?v }} }}
WHERE {{ GRAPH <{graph}> {{ ?v dct:isVersionOf ?thing }} GRAPH <{catalog}> {{ ?w dct:isReplacedBy ?v }} }}"""


# --- diff ----------------------------------------------------------------------------------------

VALUES_QUERY = (
    PREFIXES
    + """SELECT ?factor ?thing ?kind ?of ?value ?unit WHERE {
  ?factor a ef:EmissionFactor ; dct:isPartOf <{graph}> .
  OPTIONAL { ?factor dct:isVersionOf ?thing }
  OPTIONAL {
    { ?factor ef:component ?n . ?n ef:gas ?of ; ef:value ?value . OPTIONAL { ?n ef:unit ?unit } BIND("component" AS ?kind) }
    UNION
    { ?factor ef:co2e ?n . ?n ef:gwpSet ?of ; ef:value ?value . OPTIONAL { ?n ef:unit ?unit } BIND("co2e" AS ?kind) }
  }
}"""
)

Values = dict[tuple[str, str], tuple[str, str | None]]


@dataclass
class Change:
    factor: str  #: the version-independent factor IRI
    old: str  #: the factor version in the older dataset version
    new: str
    changes: list[dict[str, str | None]] = field(default_factory=list)


@dataclass
class Diff:
    old: str
    new: str
    added: list[str]
    removed: list[str]
    changed: list[Change]
    unchanged: int

    def to_json(self) -> dict[str, object]:
        return {
            "from": self.old,
            "to": self.new,
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {"factor": c.factor, "old": c.old, "new": c.new, "changes": c.changes} for c in self.changed
            ],
            "unchanged": self.unchanged,
        }


def _factor_values(store: Store, graph: str, readable: Iterable[str]) -> dict[str, tuple[str, Values]]:
    """factor (version-independent IRI) → (factor version IRI, {(kind, gas or GWP set): (value, unit)}),
    read from those of ``graph`` and its values graph that are in ``readable``."""
    parts = [g for g in (graph, graph + "/values") if g in set(readable)]
    rows = store.select(
        VALUES_QUERY.replace("{graph}", graph), QueryDataset(default_graphs=tuple(parts), named_graphs=())
    )
    out: dict[str, tuple[str, Values]] = {}
    for row in rows:
        version = str(row["factor"])
        thing = str(row.get("thing", version))
        entry = out.setdefault(thing, (version, {}))
        if "kind" in row:
            entry[1][(str(row["kind"]), str(row["of"]))] = (
                str(row["value"]),
                str(row["unit"]) if "unit" in row else None,
            )
    return out


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return a == b


def diff(store: Store, old: str, new: str, readable: Iterable[str]) -> Diff:
    """Factors added, removed and changed (with old and new values) from version graph ``old`` to
    ``new``, reading only the ``readable`` graphs (a caller who may not read the values of a
    commercial version sees the factors added and removed, and no values)."""
    readable = tuple(readable)
    before, after = _factor_values(store, old, readable), _factor_values(store, new, readable)
    changed: list[Change] = []
    unchanged = 0
    for thing in sorted(before.keys() & after.keys()):
        (old_iri, old_values), (new_iri, new_values) = before[thing], after[thing]
        change = Change(thing, old_iri, new_iri)
        for key in sorted(old_values.keys() | new_values.keys()):
            was, now = old_values.get(key, (None, None)), new_values.get(key, (None, None))
            if not _same(was[0], now[0]) or was[1] != now[1]:
                change.changes.append(
                    {
                        "kind": key[0],
                        "of": key[1],
                        "old": was[0],
                        "new": now[0],
                        "old_unit": was[1],
                        "new_unit": now[1],
                    }
                )
        if change.changes:
            changed.append(change)
        else:
            unchanged += 1
    return Diff(
        old,
        new,
        sorted(after.keys() - before.keys()),
        sorted(before.keys() - after.keys()),
        changed,
        unchanged,
    )


# --- history and factors --------------------------------------------------------------------------

HISTORY_QUERY = (
    PREFIXES
    + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?a ?label ?type ?agent ?at ?comment WHERE {
  GRAPH ?g { ?a prov:used <{graph}> ; prov:endedAtTime ?at
    OPTIONAL { ?a rdfs:label ?label } OPTIONAL { ?a dct:type ?type }
    OPTIONAL { ?a prov:wasAssociatedWith ?agent } OPTIONAL { ?a rdfs:comment ?comment } }
} ORDER BY ?at ?a"""
)


def history(store: Store, graph: str, registry_graphs: tuple[str, ...]) -> list[dict[str, str | None]]:
    """The PROV activities about version ``graph`` (upload, submit, approve, …), oldest first, from
    the ``registry_graphs`` (the system graph's workflow records, the catalog)."""
    with reads.unrecorded():  # what uses the version and the triples of those activities
        rows = store.select(
            HISTORY_QUERY.replace("{graph}", graph),
            QueryDataset(default_graphs=(), named_graphs=registry_graphs),
        )
    reads.note(("po", "http://www.w3.org/ns/prov#used", graph))
    reads.subjects(r["a"] for r in rows)
    seen: dict[str, dict[str, str | None]] = {}
    for r in rows:
        seen.setdefault(
            str(r["a"]),
            {
                "activity": str(r["a"]),
                "action": str(r["label"]) if "label" in r else None,
                "status": str(r["type"]).rsplit("#", 1)[-1].lower() if "type" in r else None,
                "agent": str(r["agent"]) if "agent" in r else None,
                "at": str(r["at"]),
                "comment": str(r["comment"]) if "comment" in r else None,
            },
        )
    return list(seen.values())


LABELS_QUERY = (
    PREFIXES
    + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?factor ?label WHERE { ?factor a ef:EmissionFactor ; dct:isPartOf <{graph}> ; rdfs:label ?label }"""
)


def factors(store: Store, graph: str, readable: Iterable[str]) -> list[dict[str, object]]:
    """The factors of version ``graph`` with their labels and the values ``readable`` holds (none for
    a commercial version whose values graph is not readable)."""
    readable = tuple(readable)
    values = _factor_values(store, graph, readable)
    parts = tuple(g for g in (graph, graph + "/values") if g in set(readable))
    labels: dict[str, dict[str, str]] = {}
    for r in store.select(
        LABELS_QUERY.replace("{graph}", graph), QueryDataset(default_graphs=parts, named_graphs=())
    ):
        labels.setdefault(str(r["factor"]), {})[getattr(r["label"], "language", None) or ""] = str(r["label"])
    out: list[dict[str, object]] = []
    for thing, (version, found) in sorted(values.items()):
        out.append(
            {
                "factor": version,
                "isVersionOf": thing,
                "label": labels.get(version, {}),
                "values": [
                    {"kind": kind, "of": of, "value": value, "unit": unit}
                    for (kind, of), (value, unit) in sorted(found.items())
                ],
            }
        )
    return out
