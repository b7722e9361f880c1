"""The PROV record of what administrators do (Flask-free): every administrative change — a publisher
created or renamed, a token issued or revoked, a grant, a mapping set imported or deleted, a bulk load,
a harvest — is a ``prov:Activity`` in the system graph, like the workflow's state changes
(:mod:`registry.publishing.workflow`): who (``prov:wasAssociatedWith`` the caller's organisation, and
the token it used), when (``prov:endedAtTime``), what (``prov:generated``, ``prov:used`` or
``prov:invalidated`` the resources it touched), with a comment when given.

The system graph is never readable by callers; administrators list the activities with
:func:`activities` (``GET /api/admin/activities``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Literal as Kind

from rdflib import Graph, Literal, URIRef

from registry.publishing import public_view
from registry.publishing.tokens import Caller
from registry.rdf.namespaces import PROV, RDF, RDFS, SYSTEM_GRAPH, XSD
from registry.store import QueryDataset, Store

#: Node of one administrative activity: ``urn:efreg:admin:{hex}``.
NODE = "urn:efreg:admin:"
#: The registry's own class of administrative activities (⊑ prov:Activity).
ADMIN_ACTIVITY = URIRef("urn:efreg:auth#AdministrativeActivity")
TOKEN = URIRef("urn:efreg:auth#token")
Effect = Kind["generated", "used", "invalidated"]
_SYSTEM = QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,))


def record(
    store: Store,
    base: str,
    caller: Caller,
    action: str,
    touched: Iterable[tuple[Effect, str]],
    comment: str | None = None,
) -> str:
    """Record ``action`` (``"token create"``, ``"mapping set delete"``, …) by ``caller``, touching
    the resources ``touched`` (effect, IRI), in one update of the system graph; returns its node."""
    node = URIRef(NODE + secrets.token_hex(8))
    g = Graph()
    g.add((node, RDF.type, PROV.Activity))
    g.add((node, RDF.type, ADMIN_ACTIVITY))
    g.add((node, RDFS.label, Literal(action, lang="en")))
    g.add((node, PROV.wasAssociatedWith, URIRef(caller.agent(base))))
    g.add((node, PROV.endedAtTime, Literal(dt.datetime.now(dt.UTC).isoformat(), datatype=XSD.dateTime)))
    g.add((node, TOKEN, Literal(caller.token_id)))
    for effect, iri in touched:
        g.add((node, PROV[effect], URIRef(iri)))
    if comment:
        g.add((node, RDFS.comment, Literal(comment[:4000])))
    body = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
    store.update(f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {body} }} }}")
    public_view.sync(store)  # nothing public changed: the read model stays in use after this write
    return str(node)


def activities(store: Store, limit: int = 1000) -> list[dict[str, object]]:
    """The latest administrative activities, newest first: action, agent, token, time, comment and
    the resources generated, used and invalidated."""
    rows = store.select(
        f"""PREFIX prov: <{PROV}> PREFIX rdfs: <{RDFS}>
SELECT ?a ?label ?agent ?token ?when ?comment ?effect ?iri WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{
  ?a a <{ADMIN_ACTIVITY}> ; rdfs:label ?label ; prov:wasAssociatedWith ?agent ; prov:endedAtTime ?when
  OPTIONAL {{ ?a <{TOKEN}> ?token }} OPTIONAL {{ ?a rdfs:comment ?comment }}
  OPTIONAL {{ VALUES ?effect {{ prov:generated prov:used prov:invalidated }} ?a ?effect ?iri }} }} }}
ORDER BY DESC(?when) ?a""",
        _SYSTEM,
    )
    out: dict[str, dict[str, object]] = {}
    for r in rows:
        entry = out.setdefault(
            str(r["a"]),
            {
                "activity": str(r["a"]),
                "action": str(r["label"]),
                "agent": str(r["agent"]),
                "token": str(r["token"]) if "token" in r else None,
                "time": str(r["when"]),
                "comment": str(r["comment"]) if "comment" in r else None,
                "generated": [],
                "used": [],
                "invalidated": [],
            },
        )
        if "effect" in r:
            entry[str(r["effect"]).rsplit("#", 1)[-1]].append(str(r["iri"]))  # type: ignore[union-attr]
    return list(out.values())[:limit]


__all__ = ["activities", "record"]
