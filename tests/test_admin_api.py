"""Administration over real HTTP (waitress): every ``/api/admin`` route for an admin token, and refused
for anyone else (401 anonymous, 403 publisher and reviewer tokens) with the store unchanged; each
change recorded with PROV; mapping imports with the same report as ``efreg mappings import``."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from registry.ingest.seeds import load_seeds
from registry.publishing.tokens import create_token, ensure_publisher
from registry.store import open_store
from registry.store.meta import ensure_base_uri

from conftest import BASE, DATA, ROOT, free_port, serving
from served import efreg, partner  # noqa: F401  (fixture)

SSSOM = DATA / "mapping" / "partner-sources.sssom.tsv"
FLOWMAP = DATA / "mapping" / "uslci" / "USLCIv2019Q4_to_FEDEFL.csv"
EXAMPLE = ROOT / "docs" / "examples" / "efreg-template-example.csv"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_factors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_factors)

#: (method, path, JSON body) of every admin route, with arguments that would succeed for an admin
ROUTES = [
    ("GET", "api/admin/publishers", None),
    ("POST", "api/admin/publishers", {"id": "gamma", "name": "Gamma"}),
    ("PATCH", "api/admin/publishers/acme", {"name": "ACME Renamed"}),
    ("GET", "api/admin/tokens", None),
    ("POST", "api/admin/tokens", {"publisher": "acme", "role": "admin"}),
    ("DELETE", "api/admin/tokens/0123456789abcdef", None),
    ("POST", "api/admin/pact/clients", {"name": "Partner"}),
    ("POST", "api/admin/pact/derive", None),
    ("GET", "api/admin/grants", None),
    ("GET", "api/admin/activities", None),
    ("POST", "api/admin/mappings", None),
    ("DELETE", "api/admin/mappings/mappings-units", None),
    ("POST", "api/admin/loads", None),
    (
        "POST",
        "api/admin/harvests",
        {"endpoint": "http://127.0.0.1:9/sparql", "dataset": "x", "publisher": "y"},
    ),
    ("POST", "api/admin/recover", None),
]


@pytest.fixture
def tokens(store) -> dict[str, dict[str, str]]:
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    ensure_publisher(store, BASE, "beta", "Beta Institute")
    return {
        name: {"Authorization": "Bearer " + create_token(store, publisher, role)}
        for name, publisher, role in (
            ("publisher", "acme", "publisher"),
            ("reviewer", "efreg", "reviewer"),
            ("admin", "efreg", "admin"),
        )
    }


def call(root: str, method: str, path: str, headers: dict[str, str], body: object = None, **kw):
    return requests.request(method, root + path, headers=headers, json=body, timeout=60, **kw)


def sssom_upload(root: str, headers: dict[str, str], **params: str):
    return requests.post(
        root + "api/admin/mappings",
        params={"set_id": "partner-sources", **params},
        data=SSSOM.read_bytes(),
        headers={**headers, "Content-Type": "text/tab-separated-values"},
        timeout=60,
    )


def test_every_admin_route_refuses_anyone_but_an_admin(live_server, tokens, store):
    before = (
        sorted(store.graph_names()),
        store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
    )
    for method, path, body in ROUTES:
        anonymous = call(live_server, method, path, {}, body)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["Content-Type"] == "application/problem+json"
        assert "Bearer" in anonymous.headers.get("WWW-Authenticate", "")
        revoked = {"Authorization": "Bearer efreg_0123456789abcdef_" + "x" * 40}
        assert call(live_server, method, path, revoked, body).status_code == 401
        for role in ("publisher", "reviewer"):
            refused = call(live_server, method, path, tokens[role], body)
            assert refused.status_code == 403, (method, path, role, refused.text)
            assert "admin token" in refused.json()["detail"]
    after = (
        sorted(store.graph_names()),
        store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
    )
    assert after == before


def test_every_admin_route_is_in_the_openapi_document(live_server):
    paths = requests.get(live_server + "api/openapi.json", timeout=10).json()["paths"]
    for method, path, _ in ROUTES:
        template = "/" + path
        for name, value in (
            ("publisher", "acme"),
            ("token_id", "0123456789abcdef"),
            ("set_id", "mappings-units"),
        ):
            template = template.replace(value, "{" + name + "}")
        operation = paths[template][method.lower()]
        assert operation["security"] == [{"bearer": []}] and {"401", "403"} <= set(operation["responses"])


def test_publishers_create_list_rename(live_server, tokens):
    admin = tokens["admin"]
    made = call(
        live_server,
        "POST",
        "api/admin/publishers",
        admin,
        {"id": "gamma", "name": "Gamma", "name_zh": "伽马"},
    )
    assert made.status_code == 201, made.text
    assert (
        made.json()["names"] == {"en": "Gamma", "zh": "伽马"}
        and made.json()["iri"] == BASE + "publisher/gamma"
    )
    again = call(live_server, "POST", "api/admin/publishers", admin, {"id": "gamma", "name": "Gamma"})
    assert again.status_code == 409
    bad = call(live_server, "POST", "api/admin/publishers", admin, {"id": "no spaces", "name": "X"})
    assert bad.status_code == 400 and "[A-Za-z0-9._-]" in bad.json()["detail"]
    assert call(live_server, "POST", "api/admin/publishers", admin, {"id": "delta"}).status_code == 400
    renamed = call(live_server, "PATCH", "api/admin/publishers/gamma", admin, {"name": "Gamma Institute"})
    assert renamed.status_code == 200 and renamed.json()["names"] == {"en": "Gamma Institute", "zh": "伽马"}
    listed = {
        p["id"]: p for p in call(live_server, "GET", "api/admin/publishers", admin).json()["publishers"]
    }
    assert listed["gamma"]["names"]["en"] == "Gamma Institute" and listed["acme"]["tokens"] == 1
    assert listed["efreg"]["tokens"] == 2
    seeded = next(p for p in listed.values() if not p["renamable"])  # described by the seeds
    assert (
        call(live_server, "PATCH", f"api/admin/publishers/{seeded['id']}", admin, {"name": "X"}).status_code
        == 409
    )
    assert call(live_server, "PATCH", "api/admin/publishers/nobody", admin, {"name": "X"}).status_code == 404
    # the public page of the publisher says the new name (the public read model follows)
    page = requests.get(
        BASE.replace("http://localhost:8080/", live_server) + "publisher/gamma.ttl", timeout=10
    )
    assert page.status_code == 200 and "Gamma Institute" in page.text


def test_tokens_issue_list_revoke(live_server, tokens):
    admin = tokens["admin"]
    issued = call(live_server, "POST", "api/admin/tokens", admin, {"publisher": "beta", "role": "reviewer"})
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    secret, token_id = issued.json()["token"], issued.json()["id"]
    assert secret.startswith(f"efreg_{token_id}_") and issued.json()["role"] == "reviewer"
    mine = {"Authorization": f"Bearer {secret}"}
    assert requests.get(live_server + "api/datasets", headers=mine, timeout=10).status_code == 200
    listed = call(live_server, "GET", "api/admin/tokens", admin)
    assert (
        secret.split("_", 2)[2] not in listed.text and "hash" not in listed.text and "salt" not in listed.text
    )
    assert {t["id"] for t in listed.json()["tokens"]} >= {token_id}
    bad_role = call(live_server, "POST", "api/admin/tokens", admin, {"publisher": "beta", "role": "owner"})
    assert bad_role.status_code == 400 and "roles" in bad_role.json()["detail"]
    revoked = call(live_server, "DELETE", f"api/admin/tokens/{token_id}", admin)
    assert revoked.status_code == 200 and revoked.json()["revoked"]
    assert requests.get(live_server + "api/datasets", headers=mine, timeout=10).status_code == 401
    assert call(live_server, "DELETE", "api/admin/tokens/ffffffffffffffff", admin).status_code == 404


def test_grants_are_listed_and_recorded(live_server, tokens, store):
    ensure_publisher(store, BASE, "beta", "Beta Institute")
    body = _factors.factors("acme-fuels", 1, "acme", range(2), frozenset())
    up = requests.post(
        live_server + "api/datasets/acme-fuels/versions?access=commercial",
        data=body.encode(),
        headers={**tokens["publisher"], "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert up.status_code == 201, up.text
    admin = tokens["admin"]
    granted = call(live_server, "POST", "api/datasets/acme-fuels/grants", admin, {"publisher": "beta"})
    assert granted.status_code == 201
    held = call(live_server, "GET", "api/admin/grants", admin).json()["grants"]
    assert held == [{"dataset": BASE + "dataset/acme-fuels", "publisher": BASE + "publisher/beta"}]
    log = call(live_server, "GET", "api/admin/activities", admin).json()["activities"]
    assert log[0]["action"] == "grant" and BASE + "publisher/beta" in log[0]["used"]


def test_mapping_sets_import_with_the_cli_report_and_delete(live_server, tokens, tmp_path: Path):
    admin = tokens["admin"]
    first = sssom_upload(live_server, admin)
    assert first.status_code == 201, first.text
    report = first.json()
    assert (
        report["dataset_iri"] == BASE + "dataset/partner-sources/1"
        and report["stored"] + len(report["rejected"]) == report["read"] > 0
    )
    # the same file through `efreg mappings import` on a store of its own: the same report line
    other = "oxigraph://" + (tmp_path / "other").as_posix()
    with open_store(other) as seeded:
        ensure_base_uri(seeded, BASE)
        load_seeds(seeded, BASE)
    cli = efreg(other, "mappings", "import", str(SSSOM), "--set-id", "partner-sources")
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == report["summary"]
    unchanged = sssom_upload(live_server, admin)
    assert unchanged.status_code == 200 and unchanged.json()["unchanged"]
    dry = sssom_upload(live_server, admin, set_id="dry-set", dry_run="true")
    assert dry.status_code == 200 and "dry run, would store" in dry.json()["summary"]
    flow = requests.post(
        live_server + "api/admin/mappings",
        params={"set_id": "uslci-fedefl", "license": CC_BY, "filename": FLOWMAP.name},
        data=FLOWMAP.read_bytes(),
        headers={**admin, "Content-Type": "text/csv"},
        timeout=120,
    )
    assert flow.status_code == 201, flow.text
    no_license = requests.post(
        live_server + "api/admin/mappings",
        params={"set_id": "x"},
        data=b"not,a,flow,map\n",
        headers={**admin, "Content-Type": "text/csv"},
        timeout=60,
    )
    assert no_license.status_code == 400 and "license" in no_license.json()["detail"]
    sets = {s["id"] for s in requests.get(live_server + "api/mappings", timeout=10).json()}
    assert {"partner-sources", "uslci-fedefl"} <= sets and "dry-set" not in sets
    deleted = call(live_server, "DELETE", "api/admin/mappings/partner-sources", admin)
    assert deleted.status_code == 200 and deleted.json()["deleted"] == [BASE + "dataset/partner-sources/1"]
    assert "partner-sources" not in {
        s["id"] for s in requests.get(live_server + "api/mappings", timeout=10).json()
    }
    assert requests.get(live_server + "api/mappings/partner-sources.sssom.tsv", timeout=10).status_code == 404
    assert call(live_server, "DELETE", "api/admin/mappings/partner-sources", admin).status_code == 404
    # a factor dataset is not a mapping set: not deleted by this route
    assert call(live_server, "DELETE", "api/admin/mappings/ipcc2006-v2-ch2-t2.2", admin).status_code == 404
    log = call(live_server, "GET", "api/admin/activities", admin).json()["activities"]
    assert [a["action"] for a in log[:3]] == [
        "mapping set delete",
        "mapping set import",
        "mapping set import",
    ]
    assert log[0]["invalidated"] == [BASE + "dataset/partner-sources/1"]


def test_bulk_loads_report_like_efreg_load(live_server, tokens):
    admin = tokens["admin"]

    def load(data: bytes, content_type: str = "text/csv", **params: str):
        return requests.post(
            live_server + "api/admin/loads",
            params={"dataset": "template-example", "publisher": "acme", **params},
            data=data,
            headers={**admin, "Content-Type": content_type},
            timeout=120,
        )

    dry = load(EXAMPLE.read_bytes(), dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["summary"].endswith("nothing stored (dry run)") and dry.json()["datasets"] == []
    stored = load(EXAMPLE.read_bytes())
    assert stored.status_code == 201, stored.text
    assert stored.json()["datasets"] == [BASE + "dataset/template-example/1"]
    listed = requests.get(live_server + "api/datasets/template-example", timeout=10)
    assert listed.status_code == 200
    broken = _factors.factors("broken", 1, "acme", range(1), frozenset())
    broken = broken.replace('"50000"^^xsd:decimal', '"-5"^^xsd:decimal')
    refused = load(broken.encode(), "text/turtle", lang="zh")
    assert refused.status_code == 422 and not refused.json()["stored"]
    assert refused.json()["report"]["violations"] >= 1 and "违规" in refused.json()["report_text"]
    garbage = load(b"@prefix broken <", "text/turtle")
    assert garbage.status_code == 400 and "line" in garbage.json()["detail"]
    log = call(live_server, "GET", "api/admin/activities", admin).json()["activities"]
    assert log[0]["action"] == "load" and log[0]["generated"] == [BASE + "dataset/template-example/1"]


def test_harvests_from_an_allowed_endpoint_only(tokens, store, settings, partner):  # noqa: F811
    from registry.web import create_app

    app = create_app(replace(settings, service_allowlist=(partner,)), store=store)
    with serving(app, free_port()) as root:
        admin = tokens["admin"]
        assert sssom_upload(root, admin).status_code == 201  # the partner's sources, mapped to ours
        body = {
            "endpoint": partner,
            "dataset": "partner-ecfo",
            "publisher": "partner-kg",
            "publisher_name": "Test partner KG",
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "gwp_set": "AR5-GWP100",
            "page_size": 2,
        }
        done = call(root, "POST", "api/admin/harvests", admin, body)
        assert done.status_code == 201, done.text
        report = done.json()
        assert report["read"] == 7 and report["factors"] == 3 and report["stored"] and report["version"] == 1
        again = call(root, "POST", "api/admin/harvests", admin, body)
        assert again.status_code == 200 and again.json()["unchanged"]
        elsewhere = {**body, "endpoint": "http://127.0.0.1:9/sparql"}
        assert call(root, "POST", "api/admin/harvests", admin, elsewhere).status_code == 403
        forced = call(root, "POST", "api/admin/harvests", admin, {**elsewhere, "allow_endpoint": True})
        assert forced.status_code == 403 and "efreg command" in forced.json()["detail"]
        assert call(root, "POST", "api/admin/harvests", admin, {"endpoint": partner}).status_code == 400
        log = call(root, "GET", "api/admin/activities", admin).json()["activities"]
        assert log[0]["action"] == "harvest" and partner in log[0]["used"]


def test_recover_drops_leftovers(live_server, tokens, store):
    from registry.publishing.workflow import PENDING, PENDING_GRAPH
    from registry.rdf.namespaces import SYSTEM_GRAPH

    leftover = BASE + "dataset/crashed/1"
    store.update(
        f"INSERT DATA {{ GRAPH <{leftover}> {{ <{leftover}> a <urn:x:Thing> }} "
        f"GRAPH <{SYSTEM_GRAPH}> {{ <{PENDING}> <{PENDING_GRAPH}> <{leftover}> }} }}"
    )
    done = call(live_server, "POST", "api/admin/recover", tokens["admin"])
    assert done.status_code == 200 and done.json() == {"dropped": [leftover]}
    assert leftover not in store.graph_names()


def test_pact_clients_are_created_over_the_admin_api(live_server, tokens, store):
    """The PACT client credentials `efreg pact client create` prints, over HTTP: the secret once,
    kept hashed, usable at /pact/auth/token's check, recorded with PROV; a bad events URL is a 400."""
    from registry.pact.clients import authenticate

    made = call(live_server, "POST", "api/admin/pact/clients", tokens["admin"], {"name": "Partner GmbH"})
    assert made.status_code == 201, made.text
    assert made.headers["Cache-Control"] == "no-store"
    answer = made.json()
    assert set(answer) == {"client_id", "client_secret"}
    dump = store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert answer["client_secret"] not in str(dump)  # only its salted hash is kept
    client = authenticate(store, answer["client_id"], answer["client_secret"])
    assert client is not None and client.name == "Partner GmbH"
    assert authenticate(store, answer["client_id"], "wrong") is None
    log = call(live_server, "GET", "api/admin/activities", tokens["admin"]).json()
    assert "PACT client create" in str(log)
    bad = call(
        live_server,
        "POST",
        "api/admin/pact/clients",
        tokens["admin"],
        {"name": "X", "events_url": "file:///etc/passwd"},
    )
    assert bad.status_code == 400 and "events URL" in bad.json()["detail"]
    assert call(live_server, "POST", "api/admin/pact/clients", tokens["admin"], {}).status_code == 400
