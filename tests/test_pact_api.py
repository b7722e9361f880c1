"""The PACT v3 host API (/pact) over the Flask test client, HTTPS as the PACT routes require; each
action's answer validated against PACT's v3 OpenAPI schema. Event answers go to a real HTTP
receiver on loopback."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from pact_support import BASE, ELEC, FOOTPRINT, response_schema, tiangong_store, validator

from registry.config import Settings
from registry.pact import clients
from registry.store import Store
from registry.web import create_app

HTTPS = "https://registry.example"
SAMPLE = [
    ELEC,
    "183fbd9a-f1af-4cfd-97d0-68ae6021541b",  # Jiangsu thermal power
    "5fe47320-8c57-46c5-8cc6-1702b8f46ccf",  # Shanghai thermal power
    "dbf9e576-0d58-4ddd-b491-8dbfb73674ca",  # Beijing thermal power
    "0059b3c2-8989-44a7-882e-c26a3dc06a2f",  # propylene: refused
]


class Receiver(http.server.BaseHTTPRequestHandler):
    """A recipient's /3/events endpoint: keeps every event posted to it."""

    received: list[tuple[str, str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.append((self.path, self.headers.get("Content-Type", ""), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/3/events"
    server.shutdown()


@pytest.fixture(scope="module")
def module_store() -> Iterator[Store]:
    store = tiangong_store(SAMPLE)
    yield store
    store.close()


@pytest.fixture
def store(module_store: Store) -> Store:
    return module_store


@pytest.fixture(scope="module")
def pact_app(module_store: Store):
    app = create_app(Settings(store="memory:", base_uri=BASE, load_seeds=False), store=module_store)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def web(pact_app):
    return pact_app.test_client()


def credentials(store: Store, events_url: str | None = None) -> dict[str, str]:
    cid, secret = clients.create_client(store, "Partner Co", events_url)
    return {"Authorization": "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()}


def token(web, store: Store, events_url: str | None = None) -> dict[str, str]:
    r = web.post(
        "/pact/auth/token",
        data={"grant_type": "client_credentials"},
        headers=credentials(store, events_url),
        base_url=HTTPS,
    )
    assert r.status_code == 200, r.data
    return {"Authorization": "Bearer " + r.json["access_token"]}


# --- Action Authenticate ----------------------------------------------------------------------------


def test_token_for_valid_client_credentials(web, store):
    r = web.post(
        "/pact/auth/token",
        data={"grant_type": "client_credentials"},
        headers=credentials(store),
        base_url=HTTPS,
    )
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.json["token_type"] == "Bearer" and r.json["expires_in"] == 3600 and r.json["access_token"]


def test_token_with_credentials_in_the_body(web, store):
    cid, secret = clients.create_client(store, "Partner Co")
    r = web.post(
        "/pact/auth/token",
        data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret},
        base_url=HTTPS,
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("auth", "grant", "status", "error"),
    [
        (
            "Basic " + base64.b64encode(b"nobody:nothing").decode(),
            "client_credentials",
            401,
            "invalid_client",
        ),
        ("Basic !!!", "client_credentials", 401, "invalid_client"),
        (None, "client_credentials", 401, "invalid_client"),
        ("Basic " + base64.b64encode(b"a:b").decode(), "password", 400, "unsupported_grant_type"),
    ],
)
def test_token_refused(web, auth, grant, status, error):
    headers = {"Authorization": auth} if auth else {}
    r = web.post("/pact/auth/token", data={"grant_type": grant}, headers=headers, base_url=HTTPS)
    assert r.status_code == status and r.json["error"] == error and "access_token" not in r.json


def test_a_wrong_secret_gets_no_token(web, store):
    cid, _secret = clients.create_client(store, "Partner Co")
    bad = "Basic " + base64.b64encode(f"{cid}:wrong-secret".encode()).decode()
    r = web.post(
        "/pact/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": bad},
        base_url=HTTPS,
    )
    assert r.status_code == 401


def test_client_secrets_are_stored_hashed(store):
    cid, secret = clients.create_client(store, "Partner Co")
    dump = store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert not any(secret in str(r["o"]) for r in dump)
    assert clients.authenticate(store, cid, secret).name == "Partner Co"
    assert clients.authenticate(store, cid, secret + "x") is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/pact/auth/token"),
        ("get", "/pact/3/footprints"),
        ("get", "/pact/3/footprints/x"),
        ("post", "/pact/3/events"),
    ],
)
def test_plain_http_is_refused(web, store, method, path):
    headers = credentials(store) if path.endswith("token") else token(web, store)
    r = getattr(web, method)(path, data={"grant_type": "client_credentials"}, headers=headers)
    assert r.status_code == 403 and r.json["code"] == "AccessDenied"
    assert "access_token" not in r.json and "data" not in r.json


def test_a_loopback_proxy_saying_https_is_trusted_another_host_is_not(web, store):
    headers = {**token(web, store), "X-Forwarded-Proto": "https"}
    assert web.get("/pact/3/footprints", headers=headers).status_code == 200
    far = web.get("/pact/3/footprints", headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert far.status_code == 403


# --- Action ListFootprints --------------------------------------------------------------------------


def test_list_footprints_validates_against_the_v3_schema(web, store):
    r = web.get("/pact/3/footprints", headers=token(web, store), base_url=HTTPS)
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert list(validator(response_schema("/3/footprints")).iter_errors(r.json)) == []
    assert len(r.json["data"]) == 4  # the four power data sets; propylene is refused
    assert "Link" not in r.headers


@pytest.mark.parametrize(
    ("query", "count"),
    [
        (f"productId=urn:uuid:{ELEC}", 1),
        (f"productId=urn:uuid:{ELEC}&productId=urn:uuid:183fbd9a-f1af-4cfd-97d0-68ae6021541b", 2),
        ("geography=CN", 1),
        ("geography=CN-JS&geography=CN-SH", 2),
        ("geography=XX", 0),
        ("status=Active", 4),
        ("status=Deprecated", 0),
        ("classification=", 4),  # an empty value filters nothing
        ("classification=urn:pact:x", 0),
        ("validOn=2021-06-01T00:00:00Z", 4),  # valid 3 years from the reference period's end (2020)
        ("validOn=2019-06-01T00:00:00Z", 0),
        ("validAfter=2019-12-31T00:00:00Z", 4),
        ("validAfter=2020-01-01T00:00:00Z", 0),
        ("validBefore=2023-01-02T00:00:00Z", 4),
        ("validBefore=2022-12-31T00:00:00Z", 0),
        (f"status=Active&productId=urn:uuid:{ELEC}&geography=CN", 1),
        (f"status=Deprecated&productId=urn:uuid:{ELEC}", 0),
        ("x-efreg-anything=1", 4),
    ],
)
def test_list_filters(web, store, query, count):
    r = web.get(f"/pact/3/footprints?{query}", headers=token(web, store), base_url=HTTPS)
    assert r.status_code == 200 and len(r.json["data"]) == count


@pytest.mark.parametrize(
    "query",
    [
        "$filter=created ge '2023-01-15T10:15:30Z'",
        "limit=0",
        "limit=x",
        "offset=-1",
        "validOn=yesterday",
        "colour=red",
    ],
)
def test_bad_list_queries_are_400(web, store, query):
    r = web.get(f"/pact/3/footprints?{query}", headers=token(web, store), base_url=HTTPS)
    assert r.status_code == 400 and r.json["code"] == "BadRequest" and r.json["message"]


def test_pagination_links_are_absolute_on_the_request_host(web, store):
    headers = token(web, store)
    seen, url, pages = (
        [],
        f"{HTTPS}/pact/3/footprints?geography=CN&geography=CN-JS&geography=CN-SH&limit=2",
        0,
    )
    while url:
        r = web.get(url, headers=headers, base_url=HTTPS)
        assert r.status_code == 200 and len(r.json["data"]) <= 2
        seen += [fp["id"] for fp in r.json["data"]]
        links = dict(
            (part.split('rel="')[1].rstrip('"'), part.split(">")[0].lstrip("<"))
            for part in r.headers["Link"].split(", ")
        )
        assert all(urlsplit(u).netloc == "registry.example" and u.startswith(HTTPS) for u in links.values())
        assert "geography=CN-JS" in links["first"]  # the filters stay
        url, pages = links.get("next"), pages + 1
    assert pages == 2 and len(seen) == len(set(seen)) == 3


def test_invalid_token_is_401(web):
    r = web.get("/pact/3/footprints", headers={"Authorization": "Bearer nope"}, base_url=HTTPS)
    assert r.status_code == 401 and r.json == {"code": "BadRequest", "message": "Invalid token provided"}


# --- Action GetFootprint ----------------------------------------------------------------------------


def test_get_footprint_validates_against_the_v3_schema(web, store):
    headers = token(web, store)
    first = web.get("/pact/3/footprints?limit=1", headers=headers, base_url=HTTPS).json["data"][0]
    r = web.get(f"/pact/3/footprints/{first['id']}", headers=headers, base_url=HTTPS)
    assert r.status_code == 200 and r.json["data"] == first
    assert list(validator(response_schema("/3/footprints/{id}")).iter_errors(r.json)) == []


@pytest.mark.parametrize(
    ("pf_id", "status", "code"),
    [("00000000-0000-0000-0000-000000000000", 404, "NotFound"), ("non-existent-id", 400, "BadRequest")],
)
def test_get_unknown_footprint(web, store, pf_id, status, code):
    r = web.get(f"/pact/3/footprints/{pf_id}", headers=token(web, store), base_url=HTTPS)
    assert r.status_code == status and r.json["code"] == code
    assert list(validator({"$ref": "#/components/schemas/Error"}).iter_errors(r.json)) == []


# --- Action Events ----------------------------------------------------------------------------------


def event(kind: str, data: dict) -> dict:
    return {
        "specversion": "1.0",
        "id": "request-1",
        "source": "https://partner.example/3/events",
        "time": "2026-01-01T00:00:00Z",
        "type": f"org.wbcsd.pact.ProductFootprint.{kind}.3",
        "data": data,
    }


def post_event(web, pact_app, headers, body) -> tuple[int, list]:
    r = web.post(
        "/pact/3/events",
        data=json.dumps(body),
        headers={**headers, "Content-Type": "application/cloudevents+json; charset=UTF-8"},
        base_url=HTTPS,
    )
    thread = pact_app.extensions.get("efreg.pact.last_delivery")
    if thread is not None:
        thread.join(10)
    return r.status_code, list(Receiver.received)


def test_a_request_is_fulfilled_at_the_clients_events_url(web, pact_app, store, receiver):
    headers = token(web, store, receiver)
    status, received = post_event(
        web, pact_app, headers, event("RequestCreatedEvent", {"productId": [f"urn:uuid:{ELEC}"]})
    )
    assert status == 200
    assert len(received) == 1
    path, content_type, answer = received[0]
    assert path == "/3/events" and content_type.startswith("application/cloudevents+json")
    assert (
        list(
            validator({"$ref": "#/components/schemas/RequestFulfilledEvent"}, events=True).iter_errors(answer)
        )
        == []
    )
    assert answer["data"]["requestEventId"] == "request-1"
    assert [fp["productIds"] for fp in answer["data"]["pfs"]] == [[f"urn:uuid:{ELEC}"]]
    assert answer["source"] == f"{HTTPS}/pact/3/events"
    assert list(validator(FOOTPRINT).iter_errors(answer["data"]["pfs"][0])) == []


@pytest.mark.parametrize(
    "data", [{"productId": ["urn:pact:null"]}, {"comment": "anything you have"}, {"x-colour": ["red"]}]
)
def test_a_request_nothing_matches_is_rejected(web, pact_app, store, receiver, data):
    status, received = post_event(
        web, pact_app, token(web, store, receiver), event("RequestCreatedEvent", data)
    )
    assert status == 200 and len(received) == 1
    answer = received[0][2]
    assert (
        list(
            validator({"$ref": "#/components/schemas/RequestRejectedEvent"}, events=True).iter_errors(answer)
        )
        == []
    )
    assert answer["data"]["error"]["code"] == "NotFound"


def test_a_client_without_an_events_url_gets_no_callback(web, pact_app, store, receiver):
    status, received = post_event(
        web, pact_app, token(web, store), event("RequestCreatedEvent", {"productId": [f"urn:uuid:{ELEC}"]})
    )
    assert status == 200 and received == []


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("PublishedEvent", {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}),
        ("RequestFulfilledEvent", {"requestEventId": "r", "pfs": [{"id": "x"}]}),
        ("RequestRejectedEvent", {"requestEventId": "r", "error": {"code": "NotFound", "message": "none"}}),
    ],
)
def test_other_events_are_accepted(web, pact_app, store, kind, data):
    body = event(kind, data)
    if kind == "PublishedEvent":  # the others carry footprints or errors of the recipient's making
        assert list(validator({"$ref": f"#/components/schemas/{kind}"}, events=True).iter_errors(body)) == []
    status, _ = post_event(web, pact_app, token(web, store), body)
    assert status == 200


@pytest.mark.parametrize(
    "body",
    [
        event("PublishedEvent", {"pfIds": ["urn:gtin:4712345060507"]}),
        event("PublishedEvent", {"pfIds": []}),
        event("NoSuchEvent", {}),
        {**event("RequestCreatedEvent", {}), "specversion": "0.3"},
        {k: v for k, v in event("RequestCreatedEvent", {}).items() if k != "source"},
        event("RequestCreatedEvent", {"productId": "urn:not-a-list"}),
        "not an object",
    ],
)
def test_malformed_events_are_400(web, pact_app, store, body):
    status, _ = post_event(web, pact_app, token(web, store), body)
    assert status == 400


def test_events_need_a_token(web, pact_app):
    status, _ = post_event(
        web, pact_app, {"Authorization": "Bearer nope"}, event("PublishedEvent", {"pfIds": []})
    )
    assert status == 401


# --- the footprints' own documents, linked from their dataset and factor pages ---------------------


def test_footprint_documents_and_pages(web, store):
    first = web.get("/pact/3/footprints?limit=1", headers=token(web, store), base_url=HTTPS).json["data"][0]
    stem = f"/pact/footprint/{first['id']}"
    seen = web.get(stem, headers={"Accept": "text/turtle"})
    assert seen.status_code == 303 and seen.headers["Location"].endswith(stem + ".ttl")
    from rdflib import Graph, URIRef

    g = Graph().parse(data=web.get(stem + ".ttl").data, format="turtle")
    s = URIRef(BASE + stem.lstrip("/"))
    assert str(g.value(s, URIRef("https://w3id.org/efreg/ontology#pfId"))) == first["id"]
    for lang, words in (("en", "PACT product footprints"), ("zh", "PACT 产品碳足迹")):
        product = first["productIds"][0].removeprefix("urn:uuid:")
        page = web.get(f"/dataset/tiangong-{product}/1.html?lang={lang}").get_data(as_text=True)
        assert words in page and stem in page
    html = web.get(stem + ".html?lang=zh").get_data(as_text=True)
    assert "产品碳足迹" in html
    assert web.get("/pact/footprint/00000000-0000-0000-0000-000000000000.ttl").status_code == 404


def test_a_refused_factor_page_says_which_field_and_why(web):
    page = web.get("/factor/tiangong-0059b3c2-8989-44a7-882e-c26a3dc06a2f/1.html?lang=en").get_data(
        as_text=True
    )
    assert "No PACT footprint" in page and "fossilCarbonContent" in page
