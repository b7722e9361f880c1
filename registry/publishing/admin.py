"""Administration (Flask-free): organisations and tokens, for an admin caller, each change recorded
with PROV (:mod:`registry.publishing.activities`). ``efreg token …`` / ``efreg publisher …`` and
``/api/admin/…`` call these same functions.

Publishers are organisations (``publisher/{id}``, ``foaf:Organization``); the ones created here are
described in the catalog graph (public); those the seeds describe live in their (immutable) dataset
graphs and are renamed by a new version of that dataset, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal

from registry.publishing import activities, public_view, tokens
from registry.publishing.tokens import Caller, Role, TokenInfo, publisher_id
from registry.publishing.workflow import NotFound, NotPermitted, PublishingError, recover
from registry.rdf.namespaces import FOAF, RDFS
from registry.store import Store
from registry.store.meta import view_stale_update


class Conflict(PublishingError):
    """The change contradicts what the registry holds (a publisher that exists; one it cannot rename)."""


@dataclass(frozen=True)
class Publisher:
    id: str
    iri: str
    names: dict[str, str]  #: language → name
    in_catalog: bool  #: described in the catalog graph (created here), so it can be renamed here
    tokens: int  #: tokens not revoked

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "iri": self.iri,
            "names": self.names,
            "renamable": self.in_catalog,
            "tokens": self.tokens,
        }


def require_admin(caller: Caller) -> None:
    """Refuse (403) a caller that is not an administrator."""
    if not caller.is_admin:
        raise NotPermitted(f"administration needs an admin token; yours is a {caller.role} token")


def publishers(store: Store, base: str) -> list[Publisher]:
    """Every organisation under ``{base}publisher/``, with its names and its live tokens."""
    catalog = base + "catalog"
    rows = store.select(f"""PREFIX foaf: <{FOAF}> PREFIX rdfs: <{RDFS}>
SELECT ?p ?g ?name WHERE {{ GRAPH ?g {{ ?p a foaf:Organization OPTIONAL {{ ?p foaf:name ?name }} }}
  FILTER(STRSTARTS(STR(?p), "{base}publisher/")) }}""")
    live: dict[str, int] = {}
    for t in tokens.list_tokens(store):
        if t.revoked is None:
            key = publisher_id(t.publisher) if _valid(t.publisher) else t.publisher
            live[key] = live.get(key, 0) + 1
    found: dict[str, dict[str, object]] = {}
    for r in rows:
        iri = str(r["p"])
        entry = found.setdefault(iri, {"names": {}, "catalog": False})
        if str(r["g"]) == catalog:
            entry["catalog"] = True
        if "name" in r:
            name = r["name"]
            lang = getattr(name, "language", None) or "en"
            names: dict[str, str] = entry["names"]  # type: ignore[assignment]
            if str(r["g"]) == catalog or lang not in names:
                names[lang] = str(name)
    out = []
    for iri, entry in sorted(found.items()):
        pid = iri[len(base + "publisher/") :]
        out.append(Publisher(pid, iri, entry["names"], bool(entry["catalog"]), live.get(pid, 0)))  # type: ignore[arg-type]
    return out


def _valid(publisher: str) -> bool:
    try:
        publisher_id(publisher)
    except ValueError:
        return False
    return True


def find_publisher(store: Store, base: str, publisher: str) -> Publisher:
    pid = publisher_id(publisher)
    for p in publishers(store, base):
        if p.id == pid:
            return p
    raise NotFound(f"there is no publisher {pid}")


def create_publisher(
    store: Store, base: str, caller: Caller, publisher: str, name: str, name_zh: str | None = None
) -> Publisher:
    """Describe a new organisation in the catalog graph; an existing one is a :class:`Conflict`."""
    require_admin(caller)
    pid = publisher_id(publisher)
    if any(p.id == pid for p in publishers(store, base)):
        raise Conflict(f"publisher {pid} exists already; rename it instead")
    iri = tokens.ensure_publisher(store, base, pid, name)
    if name_zh:
        _set_names(store, base, iri, {"zh": name_zh})
    activities.record(store, base, caller, "publisher create", [("generated", iri)])
    public_view.sync(store)
    return find_publisher(store, base, pid)


def rename_publisher(
    store: Store, base: str, caller: Caller, publisher: str, name: str | None, name_zh: str | None = None
) -> Publisher:
    """Give a publisher of the catalog graph new names (English ``name``, Chinese ``name_zh``)."""
    require_admin(caller)
    found = find_publisher(store, base, publisher)
    if not found.in_catalog:
        raise Conflict(
            f"publisher {found.id} is described by an immutable dataset version (the seeds); "
            "publish a new version of that dataset to rename it"
        )
    names = {lang: text for lang, text in (("en", name), ("zh", name_zh)) if text}
    if not names:
        raise PublishingError('give the new name: {"name": "…"} and/or {"name_zh": "…"}')
    _set_names(store, base, found.iri, names)
    activities.record(store, base, caller, "publisher rename", [("used", found.iri)])
    public_view.sync(store)
    return find_publisher(store, base, found.id)


def _set_names(store: Store, base: str, iri: str, names: dict[str, str]) -> None:
    catalog = base + "catalog"
    ops = []
    for lang, text in names.items():
        label = Literal(text, lang=lang).n3()
        ops.append(f"""DELETE {{ GRAPH <{catalog}> {{ <{iri}> <{FOAF.name}> ?n . <{iri}> <{RDFS.label}> ?l }} }}
WHERE {{ GRAPH <{catalog}> {{ {{ <{iri}> <{FOAF.name}> ?n FILTER(lang(?n) = "{lang}") }} UNION
  {{ <{iri}> <{RDFS.label}> ?l FILTER(lang(?l) = "{lang}") }} }} }} ;
INSERT DATA {{ GRAPH <{catalog}> {{ <{iri}> <{FOAF.name}> {label} ; <{RDFS.label}> {label} }} }}""")
    store.update(" ;\n".join([*ops, view_stale_update(iri)]))


@dataclass(frozen=True)
class IssuedToken:
    secret: str  #: the whole token, shown once
    info: TokenInfo


def issue_token(
    store: Store, base: str, caller: Caller, publisher: str, role: Role, name: str | None = None
) -> IssuedToken:
    """A new token for ``publisher`` (recorded as an organisation when new, named ``name``)."""
    require_admin(caller)
    if role not in tokens.ROLES:
        raise PublishingError(f"unknown role {role!r}; roles: {', '.join(tokens.ROLES)}")
    pid = publisher_id(publisher)
    iri = tokens.ensure_publisher(store, base, pid, name)
    secret = tokens.create_token(store, pid, role)
    token_id = secret.split("_")[1]
    activities.record(
        store, base, caller, "token create", [("generated", tokens.token_node(token_id)), ("used", iri)]
    )
    public_view.sync(store)
    info = next(t for t in tokens.list_tokens(store) if t.token_id == token_id)
    return IssuedToken(secret, info)


def revoke_token(store: Store, base: str, caller: Caller, token: str) -> TokenInfo:
    """Revoke a token (its id or the whole token); unknown: :class:`NotFound`."""
    require_admin(caller)
    try:
        token_id = tokens.revoke_token(store, token)
    except tokens.UnknownToken as exc:
        raise NotFound(str(exc)) from None
    activities.record(store, base, caller, "token revoke", [("invalidated", tokens.token_node(token_id))])
    return next(t for t in tokens.list_tokens(store) if t.token_id == token_id)


def list_tokens(store: Store, caller: Caller) -> list[TokenInfo]:
    """Every token, never a secret."""
    require_admin(caller)
    return tokens.list_tokens(store)


def recover_graphs(store: Store, base: str, caller: Caller) -> list[str]:
    """Drop the graphs an interrupted upload left behind (:func:`registry.publishing.workflow.recover`,
    which ``efreg serve`` runs at start); returns them."""
    require_admin(caller)
    dropped = recover(store, base)
    if dropped:
        activities.record(store, base, caller, "recover", [("invalidated", g) for g in dropped])
    return dropped
