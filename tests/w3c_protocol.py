"""A runner for the W3C SPARQL 1.1 Protocol test manifest (tests/data/w3c-sparql-protocol).

Each ``mf:ProtocolTest`` is an ``ht:Connection`` with one or more ``ht:Request`` nodes (method,
absolute path starting ``/sparql/``, headers, a body with its character encoding) and the expected
response (``mf:expectedStatus``, ``mf:expectedBoolean``, ``mf:expectedFormat``). :func:`load_cases`
reads them; :func:`replay` sends them over real HTTP and returns what did not match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import requests
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

MANIFEST_DIR = Path(__file__).resolve().parent / "data" / "w3c-sparql-protocol"
MANIFEST = MANIFEST_DIR / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RESULTS_XML = "{http://www.w3.org/2005/sparql-results#}"
TABULAR = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


@dataclass
class Request:
    method: str
    path: str  #: with the manifest's ``/sparql/`` prefix
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  #: acceptable status classes: 2, 3, 4
    boolean: bool | None
    format: str | None


@dataclass
class Case:
    name: str  #: the manifest's local name, e.g. ``query_post_form``
    title: str
    graphs: dict[str, Path] = field(default_factory=dict)  #: graph IRI -> data file
    requests: list[Request] = field(default_factory=list)

    @property
    def updates(self) -> bool:
        """Whether the test sends an update (then it runs with a token)."""
        return any(
            r.headers.get("content-type", "").startswith("application/sparql-update")
            or (r.body or b"").startswith(b"update=")
            or "update=" in r.path
            for r in self.requests
        )


def load_cases(manifest: Path = MANIFEST) -> list[Case]:
    g = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    root = next(g.subjects(RDF.type, MF.Manifest))
    cases = []
    for entry in Collection(g, g.value(root, MF.entries)):
        case = Case(name=str(entry).rsplit("#", 1)[-1], title=str(g.value(entry, MF.name)))
        for data in g.objects(entry, UT.graphData):
            case.graphs[str(g.value(data, RDFS.label))] = (
                manifest.parent / Path(str(g.value(data, UT.graph))).name
            )
        action = g.value(entry, MF.action)
        for node in Collection(g, g.value(action, HT.requests)):
            headers = {}
            if (header_list := g.value(node, HT.headers)) is not None:
                for header in Collection(g, header_list):
                    headers[str(g.value(header, HT.fieldName)).lower()] = str(g.value(header, HT.fieldValue))
            body = None
            if (content := g.value(node, HT.body)) is not None:
                encoding = str(g.value(content, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(content, CNT.chars)).encode(encoding)
            response = g.value(node, HT.resp)
            statuses = {
                int(str(s).rsplit("StatusCode", 1)[1][0]) for s in g.objects(response, MF.expectedStatus)
            }
            boolean = g.value(response, MF.expectedBoolean)
            fmt = g.value(response, MF.expectedFormat)
            case.requests.append(
                Request(
                    str(g.value(node, HT.methodName)),
                    str(g.value(node, HT.absolutePath)),
                    headers,
                    body,
                    statuses,
                    None if boolean is None else boolean.toPython(),
                    None if fmt is None else str(fmt),
                )
            )
        cases.append(case)
    return cases


def _boolean(response: requests.Response) -> bool | None:
    mime = response.headers.get("Content-Type", "").split(";")[0].strip()
    if mime == "application/sparql-results+json":
        return json.loads(response.content).get("boolean")
    if mime == "application/sparql-results+xml":
        node = ElementTree.fromstring(response.content).find(RESULTS_XML + "boolean")
        return None if node is None else node.text.strip() == "true"
    return None


def check(request: Request, response: requests.Response) -> list[str]:
    """What in ``response`` does not match the manifest's expectation."""
    problems = []
    if response.status_code // 100 not in request.statuses:
        problems.append(
            f"status {response.status_code}, expected {sorted(request.statuses)}xx: {response.text[:300]}"
        )
        return problems
    mime = response.headers.get("Content-Type", "").split(";")[0].strip()
    if request.format == "boolean":
        value = _boolean(response)
        if value is None:
            problems.append(f"expected a boolean result, got {mime}: {response.text[:200]}")
        elif request.boolean is not None and value != request.boolean:
            problems.append(f"expected boolean {request.boolean}, got {value}")
    elif request.format == "tabular":
        if mime not in TABULAR:
            problems.append(f"expected tabular results, got {mime}")
    elif request.format == "RDF":
        if mime not in RDF_TYPES:
            problems.append(f"expected RDF, got {mime}")
        else:
            Graph().parse(data=response.content, format=RDF_TYPES[mime])  # must parse
    return problems


def replay(case: Case, root: str, token: str | None = None, endpoint_path: str = "sparql") -> list[str]:
    """Send the requests of ``case`` to the server at ``root`` in order; the mismatches found."""
    problems = []
    for number, request in enumerate(case.requests, 1):
        path = request.path.replace("/sparql/", endpoint_path, 1)
        headers = dict(request.headers)
        if token and case.updates:
            headers["authorization"] = f"Bearer {token}"
        response = requests.request(
            request.method, root + path, headers=headers, data=request.body, timeout=30, allow_redirects=False
        )
        problems += [f"request {number} ({request.method}): {p}" for p in check(request, response)]
    return problems
