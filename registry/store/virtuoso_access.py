"""Access enforced by Virtuoso itself: graph-level security, one SQL user per set of readable graphs.

Virtuoso 7.2 does not apply ``named-graph-uri`` to ``GRAPH <iri>`` with a constant IRI, and a
dataset is only as strong as the engine's reading of the query text. So on Virtuoso every query run
for a caller (a :class:`~registry.store.QueryDataset` with ``readable`` set: the SPARQL endpoint, and
domain code reading through :class:`~registry.publishing.access.ReadView`) runs **as a Virtuoso SQL
user that may read exactly the caller's graphs and no other** — whatever the query names (``GRAPH
<iri>``, ``FROM``, paths, ``DESCRIBE``, ``SERVICE``): the engine checks each graph it reads against
the user's permissions (``DB.DBA.RDF_GRAPH_USER_PERMS_SET``; its SPARQL compiler adds the check to
every triple pattern whose graph it cannot prove readable). Nothing depends on two parsers agreeing
about a query.

* **Content-addressed levels.** A level user is named by a hash of the *whole* set of graphs it reads
  (``efreg_g_`` + 24 hex digits, :func:`level_name`) and is only ever granted exactly that set: its
  permissions never change after it is made. A release, a withdrawal or a new grant changes a
  caller's readable set and so its level's *name*: the next query runs as another user, made then.
  So no process can run a query as a user that reads more than the set the process computed from
  the catalog (two processes a generation apart use two users, each exact for its view), a graph
  dropped and made again under the same IRI is unreadable to every level that did not list it, and
  a crash half way through making a level leaves a user that reads *fewer* graphs — the next process
  that needs it grants the whole set again (idempotent) before its first query. No revocation, no
  state to repair after a crash: what a level reads is its name.
* Because a level's permissions are exactly the caller's graphs, the remote store sends **no
  dataset** when the caller's dataset is everything it may read (the common case): Virtuoso's default
  graph is then the union of the graphs the user may read. An explicit list of 100+ graphs made
  Virtuoso plan some queries 100–400× slower (benchmarks/RESULTS.md, session 6); a graph group per
  level in ``default-graph-uri`` was as slow as the list.
* Secure by default: the unauthenticated user ``nobody`` and every level user read **no** graph by
  default (``DB.DBA.RDF_DEFAULT_USER_PERMS_SET(…, 0)``, public and private graphs); a level reads a
  graph only once efreg granted it. A new graph (an upload's draft, a values graph) is unreadable by
  every level until a level whose set names it is made.
* Levels are made by efreg over the SPARQL endpoint as the store's admin user (``dba``: SQL
  procedures called from SPARQL as ``<sql:NAME>(…)``), lazily: before the first query of a level in
  each process (idempotent: each process sets the same permissions). Passwords are derived from the
  admin password (HMAC), so every process on the same store URL finds the same ones. Users of sets
  no longer current stay (a row and a few permission rows each); ``docs/deploy.md`` says how to
  drop them.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence

from registry.rdf.sparql_client import SparqlClient

LEVEL_PREFIX = "efreg_g_"
_BATCH = 500  #: graphs per permission request
_CLIENTS = 8  #: level clients (kept-alive connections) one process keeps at most


def level_name(readable: Collection[str]) -> str:
    """The SQL user reading exactly ``readable``: ``efreg_g_`` + a hash of the set."""
    digest = hashlib.sha256("\n".join(sorted(set(readable))).encode()).hexdigest()
    return LEVEL_PREFIX + digest[:24]


def level_password(secret: str, user: str) -> str:
    """The password of level user ``user`` on a store whose admin credentials are ``secret``
    (``user:password``): every process on the same store URL derives the same one."""
    return hmac.new(secret.encode(), user.encode(), hashlib.sha256).hexdigest()[:32]


def _iri(graph: str) -> str:
    if any(c in graph for c in '<>"{}|^`\\ \n'):
        raise ValueError(f"not an IRI a graph can have: {graph!r}")
    return f"<{graph}>"


class Levels:
    """The access levels of one Virtuoso this process has made ready.

    ``admin_select(query)`` runs a SELECT as the store's admin user; ``client_for(user, password)``
    makes a SPARQL client authenticating as that user."""

    def __init__(
        self,
        admin_select: Callable[[str], object],
        client_for: Callable[[str, str], SparqlClient],
        secret: str,
    ) -> None:
        self._select, self._client_for = admin_select, client_for
        self._secret = secret
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, SparqlClient] = OrderedDict()  # the most recently used last
        self._ready: set[str] = set()  #: users this process made or completed
        self._secured = False
        self._last: tuple[tuple[str, ...], str] | None = None  #: the last readable tuple, its level

    def password(self, user: str) -> str:
        return level_password(self._secret, user)

    def client(self, readable: Sequence[str]) -> SparqlClient:
        """The client of the level that reads exactly ``readable``, made first if this process has
        not yet made it ready."""
        user = self._name(readable)
        with self._lock:
            if user not in self._ready:
                self._secure()
                self._create(user)
                self._grant(user, sorted(set(readable)))
                self._ready.add(user)
            client = self._clients.get(user)
            if client is None:
                client = self._clients[user] = self._client_for(user, self.password(user))
                while len(self._clients) > _CLIENTS:  # not closed: a thread may still stream from it;
                    self._clients.popitem(last=False)  # its connections close when it is collected
            self._clients.move_to_end(user)
            return client

    def _name(self, readable: Sequence[str]) -> str:
        """:func:`level_name`, kept for the last tuple asked (the caller's access snapshot hands the
        same tuple to every query of a generation; hashing a set of 1,000+ graph names took 0.4 ms).
        Only a tuple: it cannot change in place, and the one kept here keeps its identity."""
        last = self._last
        if last is not None and last[0] is readable:
            return last[1]
        user = level_name(readable)
        if isinstance(readable, tuple):
            self._last = (readable, user)
        return user

    def _call(self, body: str) -> None:
        self._select(f"SELECT ({body} AS ?done) WHERE {{ }}")

    def _secure(self) -> None:
        """``nobody`` (the anonymous endpoint, and the floor of every user) reads no graph."""
        if not self._secured:
            self._call("<sql:RDF_DEFAULT_USER_PERMS_SET>('nobody', 0, 0)")
            self._call("<sql:RDF_DEFAULT_USER_PERMS_SET>('nobody', 0, 1)")
            self._secured = True

    def _create(self, user: str) -> None:
        """The user, reading no graph by default (idempotent: another process may have made it)."""
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

    def _grant(self, user: str, graphs: list[str]) -> None:
        body = f"<sql:RDF_GRAPH_USER_PERMS_SET>(str(?g), '{user}', 1)"
        for i in range(0, len(graphs), _BATCH):
            values = " ".join(_iri(g) for g in graphs[i : i + _BATCH])
            self._select(f"SELECT (COUNT({body}) AS ?n) WHERE {{ VALUES ?g {{ {values} }} }}")

    def close(self) -> None:
        """Close the levels' HTTP connections (Virtuoso keeps a server thread per kept-alive one)."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
