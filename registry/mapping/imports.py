"""Importing and deleting mapping sets, as an administrator does it (``efreg mappings import|delete``
and ``/api/admin/mappings``, which call these functions): read a file (SSSOM/TSV, flow-mapping CSV or
SKOS RDF) into a :class:`~registry.mapping.sets.MappingSet`, admit it through the gate, report what
was stored and rejected, record it with PROV (:mod:`registry.publishing.activities`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax import SAXException

from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError

from registry.ingest.base import valid_id
from registry.mapping.flowmap import read_flowmap
from registry.mapping.sets import (
    MappingError,
    MappingSet,
    MappingSetNotFound,
    mappings_from_skos,
    store_set,
    versions,
)
from registry.mapping.sssom import read_sssom
from registry.publishing import access, activities, catalog, public_view
from registry.publishing.admin import require_admin
from registry.publishing.tokens import Caller
from registry.query import statistics
from registry.rdf.namespaces import EF
from registry.store import Store
from registry.store.meta import VIEW_CATALOG, view_stale_update

FORMATS = ("sssom", "flowmap", "skos")


@dataclass
class MappingImport:
    """What an import did: the CLI prints :meth:`summary` and the rejected rows, the API answers
    :meth:`to_json`."""

    set_id: str
    read: int
    stored: int
    rejected: list[str]
    dataset_iri: str
    version: int
    unchanged: bool
    dry_run: bool
    activity: str | None = None

    def summary(self) -> str:
        state = "unchanged: " if self.unchanged else "dry run, would store " if self.dry_run else "stored "
        return (
            f"{self.read} mapping(s) read, {self.stored} stored, {len(self.rejected)} rejected; "
            f"{state}{self.dataset_iri}"
        )

    def to_json(self) -> dict[str, object]:
        return {**vars(self), "summary": self.summary()}


@dataclass
class MappingFile:
    """How to read one mapping file (what ``efreg mappings import`` takes as options)."""

    fmt: str | None = None
    set_id: str | None = None
    publisher: str = "efreg"
    publisher_name: str | None = None
    title: str | None = None
    license: str | None = None
    source_url: str | None = None
    rdf_format: str | None = None  #: rdflib's name of a SKOS file's syntax (default: from its name)


def guess_format(name: str) -> str:
    """The format of a mapping file from its name: ``.tsv``/``.sssom`` SSSOM, ``.csv`` flowmap, else SKOS."""
    return "sssom" if name.endswith((".tsv", ".sssom")) else "flowmap" if name.endswith(".csv") else "skos"


def read_mapping_file(path: Path, how: MappingFile, base_uri: str, name: str | None = None) -> MappingSet:
    """Read ``path`` (called ``name`` in messages) as a mapping set; bad input raises :class:`MappingError`."""
    name = name or path.name
    fmt = how.fmt or guess_format(name)
    if fmt not in FORMATS:
        raise MappingError(f"unknown mapping format {fmt!r}; formats: {', '.join(FORMATS)}")
    try:
        if fmt == "sssom":
            mset = read_sssom(
                path.read_text(encoding="utf-8"), source=name, set_id=how.set_id, publisher=how.publisher
            )
            mset.publisher_name = how.publisher_name
            return mset
        if not (how.set_id and how.license):
            raise MappingError(f"a set id and a license are required for {fmt} input (--set-id, --license)")
        source = URIRef(how.source_url) if how.source_url else None
        if fmt == "flowmap":
            return read_flowmap(
                path.read_text(encoding="utf-8"),
                set_id=how.set_id,
                base_uri=base_uri,
                title=how.title or Path(name).stem,
                license=URIRef(how.license),
                publisher=how.publisher,
                publisher_name=how.publisher_name,
                source=name,
                source_url=source,
            )
        try:
            g = Graph().parse(path, format=how.rdf_format or _rdf_format(name))
        except RecursionError:
            raise MappingError(f"{name}: nested deeper than the RDF parser follows") from None
        except (SyntaxError, ValueError, ParserError, SAXException) as exc:  # rdflib's parsers' errors
            raise MappingError(f"{name} does not parse as SKOS RDF: {str(exc)[:300]}") from None
        return MappingSet(
            how.set_id,
            how.title or Path(name).stem,
            URIRef(how.license),
            how.publisher,
            mappings=mappings_from_skos(g),
            publisher_name=how.publisher_name,
            source=source,
        )
    except UnicodeDecodeError as exc:
        raise MappingError(f"{name} is not UTF-8 text: {exc}") from None


def _rdf_format(name: str) -> str | None:
    from rdflib.util import guess_format as rdf_guess

    return rdf_guess(name) or "turtle"


def import_mapping_set(
    store: Store,
    base_uri: str,
    caller: Caller,
    path: Path,
    how: MappingFile,
    *,
    dry_run: bool = False,
    validator: str = "fast",
    name: str | None = None,
) -> MappingImport:
    """Read ``path`` and admit it as the next version of its set (nothing on ``dry_run``); raises
    :class:`MappingError` for bad input (:class:`~registry.mapping.sets.MappingNotConforming` when
    it violates the shapes)."""
    require_admin(caller)
    mset = read_mapping_file(path, how, base_uri, name)
    outcome = store_set(store, mset, base_uri, dry_run=dry_run, validator=validator)
    report = MappingImport(
        mset.id,
        len(mset.mappings),
        outcome.stored,
        [str(r) for r in outcome.rejected],
        outcome.dataset_iri,
        outcome.version,
        outcome.unchanged,
        dry_run,
    )
    if not dry_run and not outcome.unchanged:
        report.activity = activities.record(
            store, base_uri, caller, "mapping set import", [("generated", outcome.dataset_iri)]
        )
    return report


def delete_mapping_set(store: Store, base_uri: str, caller: Caller, set_id: str) -> list[str]:
    """Delete every version of mapping set ``set_id`` (its graphs and the catalog's records of them)
    in one update; returns the graphs deleted. An unknown set: :class:`MappingSetNotFound`."""
    require_admin(caller)
    graphs = [
        g
        for n in (versions(store, base_uri, set_id) if valid_id(set_id) else [])
        if store.ask(
            f"ASK {{ GRAPH <{(g := f'{base_uri}dataset/{set_id}/{n}')}> {{ <{g}> a <{EF.MappingSet}> }} }}"
        )
    ]
    if not graphs:
        raise MappingSetNotFound(f"there is no mapping set {set_id!r}")
    cat = catalog.catalog_iri(base_uri)
    things = catalog.things_of(store, graphs)
    remaining = [g for g in access.public_graphs(store) if g not in graphs]
    ops = [catalog.unlink_update(cat, g) for g in graphs]
    ops += [f"DELETE WHERE {{ GRAPH <{cat}> {{ <{g}> ?p ?o }} }}" for g in graphs]
    ops += [f"DROP SILENT GRAPH <{g}>" for g in graphs]
    scoped = catalog.scoped_refresh_update(cat, remaining, things)
    if scoped:
        ops.append(scoped)
    ops.append(view_stale_update(VIEW_CATALOG))
    store.update(catalog.PREFIXES + " ;\n".join(ops))
    access.invalidate(store)
    activities.record(store, base_uri, caller, "mapping set delete", [("invalidated", g) for g in graphs])
    statistics.refresh(store)
    public_view.sync(store)
    return graphs
