"""Access enforced by Virtuoso itself: graph-level security, one SQL user per access level.

Virtuoso 7.2 does not apply ``named-graph-uri`` to ``GRAPH <iri>`` with a constant IRI, and a
dataset is only as strong as the engine's reading of the query text. So on Virtuoso every query run
for a caller (a :class:`~registry.store.QueryDataset` with ``readable`` set: the SPARQL endpoint, and
domain code reading through :class:`~registry.publishing.access.ReadView`) runs **as a Virtuoso SQL
user that may read exactly the caller's graphs and no other** — whatever the query names (``GRAPH
<iri>``, ``FROM``, paths, ``DESCRIBE``, ``SERVICE``): the engine checks each graph it reads against
the user's permissions (``DB.DBA.RDF_GRAPH_USER_PERMS_SET``). Nothing depends on two parsers
agreeing about a query.

* Access levels: ``efreg_public`` reads the public graphs; a caller who may read more (a publisher's
  drafts, granted commercial values, a reviewer, an admin) gets the level named by a hash of the
  graphs it reads beyond the public ones (``efreg_`` + 20 hex digits), which it reads besides the
  public graphs. Few callers share few levels; a release changes no level's name.
* Secure by default: the unauthenticated user ``nobody`` and every level user read **no** graph by
  default (``DB.DBA.RDF_DEFAULT_USER_PERMS_SET(…, 0)``, public and private graphs); a level reads a
  graph only once efreg granted it. A new graph (an upload's draft, a values graph) is unreadable by
  every level until granted; a withdrawn one is revoked before the level's next query.
* Levels are created and kept in step by efreg over the SPARQL endpoint as the store's admin user
  (``dba``: SQL procedures called from SPARQL as ``<sql:NAME>(…)``), lazily: before a level's first
  query after its graphs changed, in every process (idempotent: each process sets the same
  permissions). Passwords are derived from the admin password (HMAC), so every process on the same
  store URL finds the same ones.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Collection, Sequence

from registry.rdf.sparql_client import SparqlClient

PUBLIC_LEVEL = "efreg_public"
_BATCH = 500  #: graphs per permission request


def level_name(extra: Collection[str]) -> str:
    """The SQL user of a level: ``efreg_public`` or ``efreg_`` + a hash of the graphs beyond public."""
    if not extra:
        return PUBLIC_LEVEL
    digest = hashlib.sha256("\n".join(sorted(set(extra))).encode()).hexdigest()
    return "efreg_" + digest[:20]


def _iri(graph: str) -> str:
    if any(c in graph for c in '<>"{}|^`\\ \n'):
        raise ValueError(f"not an IRI a graph can have: {graph!r}")
    return f"<{graph}>"


class Levels:
    """The access levels of one Virtuoso, as this process last set them.

    ``admin_select(query)`` runs a SELECT as the store's admin user; ``all_graphs()`` lists every
    graph of the store (to revoke what a level may no longer read); ``client_for(user, password)``
    makes a SPARQL client authenticating as that user."""

    def __init__(
        self,
        admin_select: Callable[[str], object],
        all_graphs: Callable[[], Collection[str]],
        client_for: Callable[[str, str], SparqlClient],
        secret: str,
    ) -> None:
        self._select, self._all_graphs, self._client_for = admin_select, all_graphs, client_for
        self._secret = secret.encode()
        self._lock = threading.Lock()
        self._granted: dict[str, frozenset[str]] = {}
        self._clients: dict[str, SparqlClient] = {}
        self._secured = False

    def password(self, user: str) -> str:
        return hmac.new(self._secret, user.encode(), hashlib.sha256).hexdigest()[:32]

    def client(self, readable: Sequence[str], extra: Collection[str]) -> SparqlClient:
        """The client of the level that reads exactly ``readable`` (``extra``: those of them that are
        not public), its permissions brought in step first."""
        user = level_name(extra)
        wanted = frozenset(readable)
        with self._lock:
            if self._granted.get(user) != wanted:
                self._secure()
                if user not in self._clients:
                    self._create(user)
                self._grant(user, wanted)
                self._granted[user] = wanted
            return self._clients[user]

    def _call(self, body: str) -> None:
        self._select(f"SELECT ({body} AS ?done) WHERE {{ }}")

    def _secure(self) -> None:
        """``nobody`` (the anonymous endpoint, and the floor of every user) reads no graph."""
        if not self._secured:
            self._call("<sql:RDF_DEFAULT_USER_PERMS_SET>('nobody', 0, 0)")
            self._call("<sql:RDF_DEFAULT_USER_PERMS_SET>('nobody', 0, 1)")
            self._secured = True

    def _create(self, user: str) -> None:
        try:
            self._call(f"<sql:USER_CREATE>('{user}', '{self.password(user)}')")
        except Exception as exc:  # noqa: BLE001 - the store's error type; "already exists" is fine
            if "exists" not in str(exc):
                raise
        try:
            self._call(f"<sql:USER_GRANT_ROLE>('{user}', 'SPARQL_SELECT')")
        except Exception as exc:  # noqa: BLE001
            if "already" not in str(exc) and "granted" not in str(exc):
                raise
        self._call(f"<sql:RDF_DEFAULT_USER_PERMS_SET>('{user}', 0, 0)")
        self._call(f"<sql:RDF_DEFAULT_USER_PERMS_SET>('{user}', 0, 1)")
        self._clients[user] = self._client_for(user, self.password(user))

    def _grant(self, user: str, wanted: frozenset[str]) -> None:
        revoke = sorted(set(self._all_graphs()) - wanted)
        for graphs, body in (
            (sorted(wanted), f"<sql:RDF_GRAPH_USER_PERMS_SET>(str(?g), '{user}', 1)"),
            (revoke, f"<sql:RDF_GRAPH_USER_PERMS_DEL>(str(?g), '{user}')"),
        ):
            for i in range(0, len(graphs), _BATCH):
                values = " ".join(_iri(g) for g in graphs[i : i + _BATCH])
                self._select(f"SELECT (COUNT({body}) AS ?n) WHERE {{ VALUES ?g {{ {values} }} }}")

    def close(self) -> None:
        """Close the levels' HTTP connections (Virtuoso keeps a server thread per kept-alive one)."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            self._granted.clear()
