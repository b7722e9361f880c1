"""The one SPARQL HTTP client: the remote store (:mod:`registry.store.remote`), SERVICE
(:mod:`registry.federation.service`) and harvesting (:mod:`registry.federation.harvest`) all talk to
endpoints through it.

Every request has a timeout, never follows a redirect (a redirect could lead to a host nobody
allowed), ignores proxy settings of the environment, and is first put to the ``allow`` hook (the
federation allow-list) when one is given. Queries go as SPARQL 1.1 Protocol form POSTs
(https://www.w3.org/TR/sparql11-protocol/#query-via-post-urlencoded). Results are read from SPARQL
JSON (https://www.w3.org/TR/sparql11-results-json/) or XML (https://www.w3.org/TR/rdf-sparql-XMLres/)
into JSON-shaped terms (``{"type", "value", "xml:lang"?, "datatype"?}``); :func:`to_rdflib` makes rdflib
terms of them with the lexical form exactly as sent. Failures raise :class:`SparqlClientError`
subclasses whose messages name the endpoint and say what happened; callers map them to their errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree as SafeET
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from registry import __version__

_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

if TYPE_CHECKING:
    import requests

RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_XML_NS = "{http://www.w3.org/2005/sparql-results#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class SparqlClientError(Exception):
    """An endpoint could not be asked, or did not answer well."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class EndpointRefused(SparqlClientError):
    """The ``allow`` hook did not allow the URL; nothing was sent."""


class EndpointTimeout(SparqlClientError):
    """No answer within the timeout."""


class EndpointUnreachable(SparqlClientError):
    """No connection (refused, unknown host, reset)."""


class EndpointStatus(SparqlClientError):
    """An HTTP status of 300 or more (a redirect, which is not followed, included)."""

    def __init__(self, message: str, url: str, status: int, body: str) -> None:
        super().__init__(message, url)
        self.status, self.body = status, body


class BadAnswer(SparqlClientError):
    """An answer that is not what was asked for (not SPARQL results, malformed, too large)."""


@dataclass
class Results:
    """A SELECT or ASK answer: variables and rows of JSON-shaped terms, or the boolean."""

    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, dict[str, str]]] = field(default_factory=list)
    boolean: bool | None = None


class SparqlClient:
    """Requests to SPARQL endpoints (query, update, Graph Store Protocol), one connection pool.

    ``allow``: called with every URL before it is contacted; ``False`` raises :class:`EndpointRefused`.
    ``auth``: a ``requests`` auth object for every request. ``max_bytes``: the largest answer
    :meth:`results` reads (``None``: no limit). ``keep_alive=False``: every request goes on a
    connection of its own (``Connection: close``), for a server whose answers stall on a kept-alive
    connection (Virtuoso 7: :mod:`registry.store.remote`, "Connections")."""

    def __init__(
        self,
        *,
        timeout: float,
        allow: Callable[[str], bool] | None = None,
        auth: object | None = None,
        agent: str = f"efreg/{__version__}",
        max_bytes: int | None = 64 * 1024 * 1024,
        keep_alive: bool = True,
    ) -> None:
        self.timeout, self.allow, self.auth, self.agent, self.max_bytes = (
            timeout,
            allow,
            auth,
            agent,
            max_bytes,
        )
        self.keep_alive = keep_alive
        self._session: requests.Session | None = None

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            import requests  # 70 ms: loaded by the first request, not by every start of the server

            self._session = requests.Session()
            self._session.trust_env = False  # no proxies from the environment: only the endpoint
            self._session.auth = self.auth  # type: ignore[assignment]
            self._session.headers["User-Agent"] = self.agent
            if not self.keep_alive:
                self._session.headers["Connection"] = "close"
        return self._session

    def request(
        self, method: str, url: str, *, stream: bool = False, read_only: bool = False, **kwargs: Any
    ) -> requests.Response:
        """One HTTP request; a response of status 300 or more raises :class:`EndpointStatus`.
        ``read_only``: the request changes nothing, so it is sent once more when the server had
        closed the kept-alive connection it went out on (Virtuoso closes idle ones after
        ``KeepAliveTimeout``; the request was never read)."""
        import requests

        if self.allow is not None and not self.allow(url):
            raise EndpointRefused(f"{url} is not on the allow-list; it was not contacted", url)
        try:
            try:
                response = self.session.request(
                    method, url, timeout=self.timeout, allow_redirects=False, stream=stream, **kwargs
                )
            except requests.ConnectionError as exc:
                if not read_only or "RemoteDisconnected" not in str(exc):
                    raise
                response = self.session.request(
                    method, url, timeout=self.timeout, allow_redirects=False, stream=stream, **kwargs
                )
        except requests.Timeout:
            raise EndpointTimeout(f"{url} did not answer within {self.timeout:g} s", url) from None
        except requests.ConnectionError as exc:
            raise EndpointUnreachable(f"{url} cannot be reached ({exc})", url) from None
        except requests.RequestException as exc:
            raise SparqlClientError(f"request to {url} failed: {exc}", url) from None
        if response.status_code >= 300:
            body = response.text[:500].strip()
            response.close()
            reason = response.reason
            if 300 <= response.status_code < 400:
                reason = f"redirect to {response.headers.get('Location')} not followed"
            raise EndpointStatus(
                f"{url} answered HTTP {response.status_code} ({reason})" + (f": {body}" if body else ""),
                url,
                response.status_code,
                body,
            )
        return response

    def query(
        self,
        url: str,
        query: str,
        *,
        accept: str,
        params: Sequence[tuple[str, str]] = (),
        stream: bool = False,
    ) -> requests.Response:
        """POST ``query`` (and protocol parameters such as ``default-graph-uri``) to ``url``."""
        return self.request(
            "POST",
            url,
            data=[("query", query), *params],
            headers={"Accept": accept},
            stream=stream,
            read_only=True,
        )

    def results(self, url: str, query: str, *, params: Sequence[tuple[str, str]] = ()) -> Results:
        """A SELECT or ASK answer of ``url``, read (at most ``max_bytes``) and parsed."""
        import requests

        response = self.query(url, query, accept=RESULTS_ACCEPT, params=params, stream=True)
        limit = self.max_bytes
        try:
            raw = response.content if limit is None else response.raw.read(limit + 1, decode_content=True)
        except (OSError, requests.RequestException) as exc:
            raise EndpointUnreachable(f"reading the answer of {url} failed: {exc}", url) from None
        finally:
            response.close()
        if limit is not None and len(raw) > limit:
            raise BadAnswer(f"{url} answered more than {limit} bytes", url)
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return parse_results(raw, url, xml=media.endswith("xml"))

    def select(self, url: str, query: str, *, params: Sequence[tuple[str, str]] = ()) -> Results:
        """:meth:`results` of a SELECT: an ASK answer (or none) raises :class:`BadAnswer`."""
        answer = self.results(url, query, params=params)
        if answer.boolean is not None:
            raise BadAnswer(
                f"{url} answered JSON that is not a SPARQL SELECT result (no results.bindings list)", url
            )
        return answer

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def parse_results(raw: bytes, url: str, *, xml: bool = False) -> Results:
    """SPARQL results (JSON, or XML when ``xml``) into :class:`Results`; anything else raises
    :class:`BadAnswer` saying what came instead."""
    if xml:
        return _parse_xml(raw, url)
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested 1,000s deep
        head = raw[:80].decode("utf-8", "replace").replace("\n", " ")
        raise BadAnswer(f"{url} did not answer SPARQL results JSON (it began {head!r})", url) from None
    if isinstance(doc, dict) and isinstance(doc.get("boolean"), bool) and "results" not in doc:
        return Results(boolean=doc["boolean"])
    bindings = doc.get("results", {}).get("bindings") if isinstance(doc, dict) else None
    if not isinstance(bindings, list) or not all(isinstance(b, dict) for b in bindings):
        raise BadAnswer(
            f"{url} answered JSON that is not a SPARQL SELECT result (no results.bindings list)", url
        )
    head = doc.get("head")
    variables = head.get("vars") if isinstance(head, dict) else None
    rows: list[dict[str, dict[str, str]]] = []
    for b in bindings:
        for var, term in b.items():
            if not isinstance(term, dict) or not isinstance(term.get("value"), str):
                raise BadAnswer(f"{url} answered a malformed binding for ?{var}: {term!r}", url)
        rows.append(b)
    if not isinstance(variables, list):
        variables = list(dict.fromkeys(v for b in rows for v in b))
    return Results(variables=[str(v) for v in variables], rows=rows)


def _parse_xml(raw: bytes, url: str) -> Results:
    try:
        root = SafeET.fromstring(raw)
    except Exception:  # noqa: BLE001 - any parse failure is the same bad answer
        head = raw[:80].decode("utf-8", "replace").replace("\n", " ")
        raise BadAnswer(f"{url} did not answer SPARQL results XML (it began {head!r})", url) from None
    boolean = root.find(f"{_XML_NS}boolean")
    if boolean is not None:
        return Results(boolean=(boolean.text or "").strip() == "true")
    variables = [v.get("name", "") for v in root.iter(f"{_XML_NS}variable")]
    rows: list[dict[str, dict[str, str]]] = []
    for result in root.iter(f"{_XML_NS}result"):
        row: dict[str, dict[str, str]] = {}
        for binding in result.findall(f"{_XML_NS}binding"):
            term = next(iter(binding), None)
            if term is None:
                raise BadAnswer(f"{url} answered an empty binding for ?{binding.get('name')}", url)
            kind = term.tag.removeprefix(_XML_NS)
            value: dict[str, str] = {"type": kind, "value": term.text or ""}
            if term.get(_XML_LANG):
                value["xml:lang"] = term.get(_XML_LANG, "")
            if term.get("datatype"):
                value["datatype"] = term.get("datatype", "")
            row[binding.get("name", "")] = value
        rows.append(row)
    return Results(variables=variables, rows=rows)


def bnode_label(label: str) -> str:
    """A result's blank node label as a label every RDF syntax accepts: an endpoint may label blank
    nodes as it likes (Virtuoso: ``nodeID://b1234``), so anything but letters, digits, ``_`` and ``-``
    becomes ``_`` (one label stays one node; the answers never compare labels across requests)."""
    return _LABEL_UNSAFE.sub("_", label) or "b"


def to_rdflib(term: dict[str, str]) -> Identifier:
    """A JSON-shaped result term as an rdflib term, the literal's lexical form kept exactly
    (``xsd:string`` literals as plain literals, as the embedded backends give them)."""
    kind, value = term.get("type"), term["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(bnode_label(value))
    if kind in ("literal", "typed-literal"):
        if term.get("xml:lang"):
            return Literal(value, lang=term["xml:lang"], normalize=False)
        datatype = term.get("datatype")
        if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
            return Literal(value, datatype=URIRef(datatype), normalize=False)
        return Literal(value, normalize=False)
    raise ValueError(f"unknown result term type {kind!r}")
