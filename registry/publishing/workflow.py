"""Publishing: upload a dataset version as a draft, review it, release it atomically, withdraw it.

States (``ef:ReviewStatus``): Draft → Submitted → Published | Rejected; Published → Withdrawn
(:data:`TRANSITIONS`). A version's workflow record (status, access level, publisher, its values
graph) and every state change, as a ``prov:Activity`` (who: ``prov:wasAssociatedWith`` the
publisher's agent; when: ``prov:endedAtTime``; which version: ``prov:used``), are kept in the system
graph, which no caller reads, until release; a release copies the record and its activities into the
public catalog graph.

Atomicity. An upload goes through the gate (:func:`registry.ingest.gate.admit`), which writes its
graphs and its record (into the system graph) in one write. Just before, the upload notes its graphs
as *pending* in the system graph, and clears the note after: for a store whose load is not one
transaction (a remote store posts graph by graph), a crash in between leaves graphs that
:func:`recover` drops unless their record was written. A release is one update of the system and
catalog graphs (status, activities, versions, ``dct:isReplacedBy``). :func:`recover`, run at start,
drops graphs a crash left pending. A commercial version is split at upload into its version graph
(the description) and ``…/values`` (``ef:component``, ``ef:co2e`` and the SHACL report), which only
:mod:`registry.publishing.access` decides who reads.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from registry.config import Settings
from registry.ingest import ImportResult, IngestError, read_paths
from registry.ingest.gate import NextVersion, admit
from registry.ingest.quads import ImportData, TripleGraph
from registry.pact import records as pact_records
from registry.publishing import access, activities, catalog, freshness, public_view
from registry.publishing.tokens import Caller, publisher_id
from registry.query import statistics
from registry.rdf.namespaces import DCAT, DCT, EF, FOAF, PROV, RDF, RDFS, SH, SYSTEM_GRAPH, XSD
from registry.rdf.parts import is_part
from registry.store import QueryDataset, Store
from registry.store.meta import view_stale_update

RULE = "https://w3id.org/efreg/ontology#ReviewStatus"
#: status → {action: new status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "Draft": {"submit": "Submitted"},
    "Submitted": {"approve": "Published", "reject": "Rejected"},
    "Published": {"withdraw": "Withdrawn"},
    "Rejected": {},
    "Withdrawn": {},
}
ACCESS_LEVELS = ("Open", "Commercial")
PENDING = "urn:efreg:pending"
PENDING_GRAPH = "urn:efreg:review#graph"
TOKEN = "urn:efreg:auth#token"
#: Properties that carry a factor's numbers: split off into the values graph of a commercial version.
VALUE_PROPERTIES = (EF.component, EF.co2e)
_write_lock = threading.RLock()


class PublishingError(Exception):
    """Base of the workflow's refusals."""


class NotFound(PublishingError):
    """No such dataset or version (or none the caller may see)."""


class NotPermitted(PublishingError):
    """The caller may not do this to this dataset."""


class InvalidTransition(PublishingError):
    """The version's state does not allow the action; ``allowed`` lists the actions it does."""

    def __init__(self, status: str, action: str, allowed: Sequence[str]) -> None:
        self.status, self.action, self.allowed = status, action, list(allowed)
        super().__init__(
            f"cannot {action} a version that is {status.lower()}; allowed: "
            + (", ".join(allowed) if allowed else "none (a final state)")
        )


@dataclass
class UploadOutcome:
    stored: bool
    graph: str | None  #: the version graph (``dataset/{id}/{n}``)
    report: Any  #: registry.validation.reference.ValidationReport
    result: ImportResult


def now() -> Literal:
    return Literal(dt.datetime.now(dt.UTC).isoformat(), datatype=XSD.dateTime)


def dataset_iri(base: str, dataset_id: str) -> str:
    return f"{base}dataset/{dataset_id}"


def version_iri(base: str, dataset_id: str, version: int | str) -> str:
    return f"{base}dataset/{dataset_id}/{version}"


def owner(store: Store, base: str, dataset_id: str) -> str | None:
    """The publisher (agent IRI) of a dataset: that of its versions; ``None`` for a new dataset."""
    prefix = dataset_iri(base, dataset_id)
    for v in access.snapshot(store).versions.values():
        if (v.dataset == prefix or v.graph.rsplit("/", 1)[0] == prefix) and v.publisher:
            return v.publisher
    return None


def find_version(store: Store, base: str, dataset_id: str, version: str) -> access.Version:
    v = access.snapshot(store).versions.get(version_iri(base, dataset_id, version))
    if v is None or not v.in_store:
        raise NotFound(f"there is no version {version} of dataset {dataset_id}")
    return v


def readable_version(
    store: Store, base: str, caller: Caller | None, dataset_id: str, version: str
) -> access.Version:
    """A version ``caller`` may read; one it may not is as unknown as one that does not exist."""
    v = find_version(store, base, dataset_id, version)
    if not access.may_read(store, caller, v.graph):
        raise NotFound(f"there is no version {version} of dataset {dataset_id}")
    return v


# --- upload ---------------------------------------------------------------------------------------


def upload(
    store: Store,
    settings: Settings,
    caller: Caller,
    dataset_id: str,
    paths: Sequence[Path],
    *,
    format: str | None = None,
    access_level: str = "Open",
    dry_run: bool = False,
    comment: str | None = None,
    root: Path | None = None,
) -> UploadOutcome:
    """Read, check and validate ``paths`` as the next version of ``dataset_id``; unless ``dry_run`` or
    the data violates a shape, store it as a draft of ``caller``'s publisher (see the module doc).
    ``root``: files are named relative to it in reports (an upload's temporary directory)."""
    base = settings.base_uri
    if access_level not in ACCESS_LEVELS:
        raise IngestError(f"access level {access_level!r}: use {' or '.join(ACCESS_LEVELS)}")
    if caller.role == "reviewer":
        raise NotPermitted("a reviewer token may not upload data; a publisher or admin token may")
    # a draft and its record: no public graph changes, kept public answers stay (freshness);
    # the store's write lock: across processes too (a remote store)
    with _write_lock, store.write_lock(), freshness.public_unchanged(store):
        agent = owner(store, base, dataset_id)
        if agent is not None and agent != caller.agent(base) and not caller.is_admin:
            raise NotPermitted(
                f"dataset {dataset_id} belongs to {agent}; your token is for {caller.agent(base)}"
            )
        agent = agent or caller.agent(base)
        read: list[tuple[ImportResult, str]] = []
        pending: list[str] = []  #: the graphs noted pending: bulk-loaded, before the record

        def build(next_version: NextVersion) -> ImportData:
            result = read_paths(
                list(paths),
                format=format,
                base_uri=base,
                dataset_id=dataset_id,
                publisher=publisher_id(agent),
                settings=settings,
                next_version=next_version,
                root=root,
            )
            graph = _check(base, dataset_id, result)
            _prepare(result.data.graph(graph), graph, agent, access_level)
            read.append((result, graph))
            return result.data

        def before_write(data: ImportData) -> None:
            """The commercial split and the record, written with the graphs (not validated)."""
            graph = read[0][1]
            values = graph + "/values" if access_level == "Commercial" else None
            if values:
                data.fold()  # the report the gate attached is split off with the values
                for t in split_values(data.graph(graph)):
                    data.graph(values).add(t)
            record = data.graph(SYSTEM_GRAPH)
            for t in _record(base, graph, dataset_id, agent, access_level, values, caller, comment):
                record.add(t)
            pending.extend([graph] + ([values] if values else []))
            _note(store, pending, pending=True)

        verdict = admit(
            store,
            build,
            base_uri=base,
            validator=settings.validator,
            dry_run=dry_run,
            known=[(URIRef(agent), RDF.type, FOAF.Organization), (URIRef(agent), RDF.type, PROV.Agent)],
            before_write=before_write,
            bulk=pending,
        )
        result, graph = read[0]
        if verdict.stored:
            names = [graph] + ([graph + "/values"] if access_level == "Commercial" else [])
            _note(store, names, pending=False)
            public_view.sync(store)  # a draft changes nothing public: keeps the model in use
        return UploadOutcome(verdict.stored, graph, verdict.report, result)


def _check(base: str, dataset_id: str, result: ImportResult) -> str:
    expected = version_iri(base, dataset_id, "")
    graphs = list(dict.fromkeys(result.dataset_iris))
    if not graphs and result.skipped:
        raise IngestError(
            "nothing in this upload could be imported: "
            + " | ".join(f"{s.where}: {s.reason}" for s in result.skipped[:10])
            + (f" | … and {len(result.skipped) - 10} more" if len(result.skipped) > 10 else "")
        )
    if len(graphs) != 1 or not graphs[0].startswith(expected) or not graphs[0][len(expected) :].isdigit():
        raise IngestError(
            f"an upload is one version of dataset {dataset_id} (graph {expected}N, or triples in "
            f"no graph); this one names " + (", ".join(f"<{g}>" for g in graphs) or "no graph")
        )
    return graphs[0]


def _prepare(g: TripleGraph, graph: str, agent: str, access_level: str) -> None:
    """The version graph says who publishes it and its access level; its review status lives in the
    registry's records, never in the (immutable) graph."""
    subject = URIRef(graph)
    if (subject, RDF.type, DCAT.Dataset) not in g:
        raise IngestError(f"the data has no dataset record <{graph}> a dcat:Dataset")
    factors = set(g.subjects(RDF.type, EF.EmissionFactor))
    for node in (subject, *factors):
        stated = set(g.objects(node, DCT.publisher))
        if stated - {URIRef(agent)}:
            raise NotPermitted(
                f"<{node}> names publisher "
                + ", ".join(f"<{p}>" for p in sorted(stated))
                + f"; this upload is by <{agent}>"
            )
        g.add((node, DCT.publisher, URIRef(agent)))
        g.remove((node, EF.accessLevel, None))
        g.add((node, EF.accessLevel, EF[access_level]))
    g.remove((subject, EF.reviewStatus, None))


def _closure(g: Graph | TripleGraph, start: Node, into: TripleGraph, owner: Node | None = None) -> None:
    """Copy the description of ``start`` — a blank node or a part of ``owner`` (a gas component's
    IRI) — and of the blank nodes and parts below it into ``into``."""
    todo = [start]
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen or not (isinstance(node, BNode) or (owner is not None and is_part(node, owner))):
            continue
        seen.add(node)
        for t in list(g.triples((node, None, None))):
            into.add(t)
            todo.append(t[2])


def split_values(g: Graph | TripleGraph) -> TripleGraph:
    """Move the numbers of ``g`` (``ef:component`` / ``ef:co2e`` with their parts and blank nodes, and any
    SHACL report, whose ``sh:value`` may quote them) into a new graph, which is returned. (The new
    graph is a :class:`TripleGraph`: an rdflib ``Graph`` spent half the split indexing triples.)"""
    values = TripleGraph(URIRef(str(g.identifier) + "/values"))
    for prop in VALUE_PROPERTIES:
        for s, p, o in list(g.triples((None, prop, None))):
            values.add((s, p, o))
            _closure(g, o, values, s)
    for report in list(g.subjects(RDF.type, SH.ValidationReport)):
        values.add((report, RDF.type, SH.ValidationReport))
        for t in list(g.triples((report, None, None))):
            values.add(t)
            _closure(g, t[2], values)
    for t in list(g.triples((None, EF.validationReport, None))):
        values.add(t)
    for t in values:
        g.remove(t)
    return values


def _record(
    base: str,
    graph: str,
    dataset_id: str,
    agent: str,
    access_level: str,
    values: str | None,
    caller: Caller,
    comment: str | None,
) -> Graph:
    g = Graph()
    subject = URIRef(graph)
    g.add((subject, EF.reviewStatus, EF.Draft))
    g.add((subject, EF.accessLevel, EF[access_level]))
    g.add((subject, DCT.publisher, URIRef(agent)))
    g.add((subject, DCT.isVersionOf, URIRef(dataset_iri(base, dataset_id))))
    g.add((subject, DCAT.version, Literal(graph.rsplit("/", 1)[1])))
    g.add((subject, DCT.created, now()))
    if values:
        g.add((subject, DCT.hasPart, URIRef(values)))
    _activity(g, graph, "upload", "Draft", caller, base, comment)
    return g


def _activity(
    g: Graph, graph: str, action: str, status: str, caller: Caller, base: str, comment: str | None
) -> URIRef:
    node = URIRef(f"{graph}#{action}-{secrets.token_hex(6)}")
    g.add((node, RDF.type, PROV.Activity))
    g.add((node, RDFS.label, Literal(action, lang="en")))
    g.add((node, DCT.type, EF[status]))
    g.add((node, PROV.used, URIRef(graph)))
    g.add((node, PROV.wasAssociatedWith, URIRef(caller.agent(base))))
    g.add((node, PROV.endedAtTime, now()))
    g.add((node, URIRef(TOKEN), Literal(caller.token_id)))
    if comment:
        g.add((node, RDFS.comment, Literal(comment)))
    return node


def _triples(g: Graph) -> str:
    return g.serialize(format="nt", encoding="utf-8").decode("utf-8")


def _note(store: Store, graphs: list[str], *, pending: bool) -> None:
    """Note ``graphs`` as pending in the system graph (``pending``), or clear the note."""
    note = " ".join(f"<{PENDING}> <{PENDING_GRAPH}> <{n}> ." for n in graphs)
    verb = "INSERT" if pending else "DELETE"
    store.update(f"{verb} DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {note} }} }}")


def recover(store: Store, base: str) -> list[str]:
    """Drop the graphs a crash left behind (noted pending, or a values graph whose version has no
    record) and clear the notes; returns the graphs dropped. Run at start, before serving."""
    system = QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,))
    pending = {
        str(r["g"])
        for r in store.select(
            f"SELECT ?g WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{PENDING}> <{PENDING_GRAPH}> ?g }} }}", system
        )
    }
    access.invalidate(store)
    versions = access.snapshot(store).versions
    recorded = {g for g, v in versions.items() if v.recorded}
    existing = store.graph_names()
    orphans = {
        g
        for g in existing
        if g.startswith(base + "dataset/") and g.endswith("/values") and g[: -len("/values")] not in versions
    }
    dropped = sorted(
        g
        for g in (pending | orphans)
        if g in existing and (g.removesuffix("/values") not in recorded or g in orphans)
    )
    for g in dropped:
        store.drop_graph(g)
    if pending:
        store.update(f"DELETE WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{PENDING}> <{PENDING_GRAPH}> ?g }} }}")
    if dropped or pending:  # else the snapshot just made still holds (serve's first request uses it)
        access.invalidate(store)
    public_view.sync(store)  # the public read model, checked and repaired
    return dropped


# --- review ---------------------------------------------------------------------------------------


def _permit(caller: Caller, base: str, v: access.Version, action: str) -> None:
    mine = v.publisher == caller.agent(base)
    if action in ("approve", "reject"):
        if mine:
            raise NotPermitted(f"publishers cannot {action} their own data: {v.graph} is by {v.publisher}")
        if caller.role not in ("reviewer", "admin"):
            raise NotPermitted(f"only reviewer or admin tokens may {action}; yours is a {caller.role} token")
    elif action == "comment":
        if not (mine or caller.role in ("reviewer", "admin")):
            raise NotPermitted("only the publisher of a version and reviewers may comment on it")
    elif not (mine or caller.is_admin):
        raise NotPermitted(f"{v.graph} belongs to {v.publisher}; your token is for {caller.agent(base)}")


def act(
    store: Store,
    base: str,
    caller: Caller,
    dataset_id: str,
    version: str,
    action: str,
    comment: str | None = None,
) -> access.Version:
    """Do ``action`` (submit, approve, reject, withdraw, comment) to a version; one update each.
    Raises NotFound (404), NotPermitted (403) or InvalidTransition (409); nothing changes then."""
    with _write_lock, store.write_lock():  # across processes too (a remote store)
        v = find_version(store, base, dataset_id, version)
        _permit(caller, base, v, action)
        status = v.status or "Draft"
        if action == "comment":
            if not comment:
                raise IngestError("a comment needs text")
            new = status
        elif action not in TRANSITIONS.get(status, {}):
            raise InvalidTransition(status, action, sorted(TRANSITIONS.get(status, {})))
        else:
            new = TRANSITIONS[status][action]
        update = _transition_update(store, base, v, action, new, caller, comment)
        releases = f"GRAPH <{catalog.catalog_iri(base)}>" in update  # else the system graph only
        # a release records what it touched (kept documents of other resources stay); else no
        # public graph changes at all
        with freshness.releasing(store) if releases else freshness.public_unchanged(store):
            store.update(update)
            if action in ("approve", "withdraw"):  # a release: the catalog graph changed
                statistics.refresh(store)  # before the sync: a write after it leaves the model behind
            public_view.sync(store)
            if action in ("approve", "withdraw"):  # footprints follow what is published (registry/pact)
                pact_records.sync(store, base)
        return find_version(store, base, dataset_id, version)


def _transition_update(
    store: Store, base: str, v: access.Version, action: str, new: str, caller: Caller, comment: str | None
) -> str:
    cat = catalog.catalog_iri(base)
    g = Graph()
    node = _activity(g, v.graph, action, new, caller, base, comment)
    ops = [f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {_triples(g)} }} }}"]
    if v.recorded and new != v.status:
        ops.append(f"""DELETE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{v.graph}> ef:reviewStatus ?s }} }}
INSERT {{ GRAPH <{SYSTEM_GRAPH}> {{ <{v.graph}> ef:reviewStatus ef:{new} }} }}
WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{v.graph}> ef:reviewStatus ?s }} }}""")
    public = Graph()  # what the catalog says about the version from now on
    if action == "approve":
        public.add((URIRef(v.graph), EF.reviewStatus, EF.Published))
        public.add((URIRef(v.graph), EF.accessLevel, EF[v.access or "Open"]))
        if v.publisher:
            public.add((URIRef(v.graph), DCT.publisher, URIRef(v.publisher)))
        if v.dataset:
            public.add((URIRef(v.graph), DCT.isVersionOf, URIRef(v.dataset)))
        if v.values:
            public.add((URIRef(v.graph), DCT.hasPart, URIRef(v.values)))
        public.add((URIRef(v.graph), DCT.issued, now()))
        ops.append(f"INSERT DATA {{ GRAPH <{cat}> {{ {_triples(public)} }} }}")
        ops.append(f"""INSERT {{ GRAPH <{cat}> {{ ?a ?p ?o }} }} WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ ?a prov:used <{v.graph}> ; ?p ?o
  FILTER(?p != <{TOKEN}>) }} }}""")
        ops.append(catalog.release_update(cat, v.graph))
    elif v.status in ("Published", "Withdrawn") or action == "withdraw":
        public_activity = Graph()
        for t in g.triples((node, None, None)):
            if t[1] != URIRef(TOKEN):
                public_activity.add(t)
        ops.append(f"INSERT DATA {{ GRAPH <{cat}> {{ {_triples(public_activity)} }} }}")
    if action == "withdraw":
        ops.append(f"""DELETE {{ GRAPH <{cat}> {{ <{v.graph}> ef:reviewStatus ?s }} }} WHERE {{ GRAPH <{cat}> {{ <{v.graph}> ef:reviewStatus ?s }} }} ;
INSERT DATA {{ GRAPH <{cat}> {{ <{v.graph}> ef:reviewStatus ef:Withdrawn }} }}""")
        ops.append(catalog.unlink_update(cat, v.graph))
        remaining = [p for p in access.public_graphs(store) if p not in (v.graph, v.values)]
        scoped = catalog.scoped_refresh_update(cat, remaining, catalog.things_of(store, [v.graph]))
        if scoped:
            ops.append(scoped)
    if any(f"GRAPH <{cat}>" in op for op in ops):  # the public read model compares these records
        ops.append(view_stale_update(v.graph))
    return catalog.PREFIXES + " ;\n".join(ops)


# --- grants ---------------------------------------------------------------------------------------


def grant(
    store: Store, base: str, caller: Caller, dataset_id: str, publisher: str, revoke: bool = False
) -> str:
    """Let ``publisher``'s tokens read the values of the published versions of a commercial dataset
    (or, ``revoke``, no longer). The dataset's publisher or an admin may; returns the grantee's IRI."""
    with _write_lock, store.write_lock():  # across processes too (a remote store)
        agent = owner(store, base, dataset_id)
        if agent is None:
            raise NotFound(f"there is no dataset {dataset_id}")
        if agent != caller.agent(base) and not caller.is_admin:
            raise NotPermitted(
                f"dataset {dataset_id} belongs to {agent}; only it or an admin may grant access"
            )
        grantee = f"{base}publisher/{publisher_id(publisher)}"
        triple = f"<{dataset_iri(base, dataset_id)}> <{access.GRANTED_TO}> <{grantee}>"
        verb = "DELETE" if revoke else "INSERT"
        store.update(f"{verb} DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {triple} }} }}")
        activities.record(
            store,
            base,
            caller,
            "grant revoke" if revoke else "grant",
            [("used", dataset_iri(base, dataset_id)), ("used", grantee)],
        )
        public_view.sync(store)
        return grantee


def grants(store: Store, base: str, dataset_id: str) -> list[str]:
    iri = dataset_iri(base, dataset_id)
    return sorted(p for d, p in access.snapshot(store).grants if d == iri)
