"""The publishing API over HTTP (the app's test client on a real store): the whole review path by two
tokens, the bad-input answers (401, 403, 404, 409) that change nothing, diff, grants, OpenAPI."""

from __future__ import annotations

import pytest
from live_publishing import factors, make_tokens

from registry.publishing.tokens import create_token
from registry.rdf.namespaces import SYSTEM_GRAPH

from conftest import BASE

DS = "acme-fuels"
SPARQL_FACTORS = f"""SELECT ?f WHERE {{ ?f a <https://w3id.org/efreg/ontology#EmissionFactor> ;
    <http://purl.org/dc/terms/isPartOf> <{BASE}dataset/{DS}/1> }}"""


@pytest.fixture
def tokens(store):
    return make_tokens(store)


def upload(client, headers, version=1, ids=range(3), bump=frozenset(), access="open", ds=DS, path=None):
    body = factors(ds, version, "acme", ids, frozenset(bump))
    return client.post(
        path or f"/api/datasets/{ds}/versions?access={access}",
        data=body.encode("utf-8"),
        headers={**headers, "Content-Type": "text/turtle"},
    )


def sparql_factors(client, headers=None) -> set[str]:
    r = client.get(
        "/sparql",
        query_string={"query": SPARQL_FACTORS},
        headers={"Accept": "application/sparql-results+json", **(headers or {})},
    )
    assert r.status_code == 200
    return {b["f"]["value"] for b in r.get_json()["results"]["bindings"]}


def test_draft_submitted_published_by_two_tokens(client, tokens):
    r = upload(client, tokens["acme"])
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["status"] == "draft" and r.get_json()["report"]["conforms"]
    factor = f"/factor/{DS}-1/1.ttl"
    assert client.get(factor).status_code == 404 and sparql_factors(client) == set()
    assert len(sparql_factors(client, tokens["acme"])) == 3  # its publisher sees its draft
    assert client.get(f"/api/datasets/{DS}/versions/1").status_code == 404  # anonymous: no such thing
    r = client.post(f"/api/datasets/{DS}/versions/1/submit", headers=tokens["acme"])
    assert r.status_code == 200 and r.get_json()["status"] == "submitted"
    assert client.get(factor).status_code == 404 and sparql_factors(client) == set()
    r = client.post(
        f"/api/datasets/{DS}/versions/1/approve", json={"comment": "ok"}, headers=tokens["reviewer"]
    )
    assert r.status_code == 200 and r.get_json()["status"] == "published"
    assert client.get(factor).status_code == 200 and len(sparql_factors(client)) == 3
    detail = client.get(f"/api/datasets/{DS}/versions/1").get_json()
    assert [h["status"] for h in detail["history"]] == ["draft", "submitted", "published"]
    assert detail["history"][-1]["agent"] == BASE + "publisher/efreg"
    assert client.get("/api/datasets").get_json()["datasets"]
    assert client.get(f"/api/datasets/{DS}").get_json()["current"] == "1"


def _state(store) -> dict[str, int]:
    return {g: n for g, n in store.graphs().items() if g != SYSTEM_GRAPH}


def test_bad_input_changes_nothing(client, store, tokens):
    assert upload(client, tokens["acme"]).status_code == 201
    revoked = create_token(store, "acme", "publisher")
    from registry.publishing.tokens import revoke_token

    revoke_token(store, revoked.split("_")[1])
    before = _state(store)
    cases = [
        (upload(client, {}), 401),
        (upload(client, {"Authorization": "Bearer " + revoked}), 401),
        (
            client.post(
                f"/api/datasets/{DS}/versions/1/submit", headers={"Authorization": "Bearer " + revoked}
            ),
            401,
        ),
        (client.post(f"/api/datasets/{DS}/versions/1/submit"), 401),
        (client.post(f"/api/datasets/{DS}/versions/1/submit", headers=tokens["beta"]), 403),
        (upload(client, tokens["beta"], version=2), 403),
        (client.post(f"/api/datasets/{DS}/versions/7/submit", headers=tokens["acme"]), 404),
        (client.post("/api/datasets/nothing-here/versions/1/approve", headers=tokens["reviewer"]), 404),
        (client.get(f"/api/datasets/{DS}/versions/7"), 404),
        (client.post(f"/api/datasets/{DS}/versions/1/approve", headers=tokens["reviewer"]), 409),
        (client.get("/api/datasets", headers={"Authorization": "Basic YWNtZTpzZWNyZXQ="}), 401),
        (client.get("/api/datasets", headers={"Authorization": "Bearer"}), 401),
        (client.post(f"/api/datasets/{DS}/grants", json={"publisher": "b@d"}, headers=tokens["acme"]), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, (status, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json" and response.get_json()["detail"]
    assert cases[0][0].headers["WWW-Authenticate"].lower().startswith("bearer")
    assert _state(store) == before
    assert client.post(f"/api/datasets/{DS}/versions/1/submit", headers=tokens["acme"]).status_code == 200
    own = client.post(f"/api/datasets/{DS}/versions/1/approve", headers=tokens["acme"])
    assert own.status_code == 403 and "own" in own.get_json()["detail"]
    assert client.post(f"/api/datasets/{DS}/versions/1/reject", headers=tokens["reviewer"]).status_code == 200
    rejected = client.post(f"/api/datasets/{DS}/versions/1/approve", headers=tokens["admin"])
    assert rejected.status_code == 409
    assert rejected.get_json()["state"] == "rejected" and rejected.get_json()["allowed"] == []
    published_again = client.post(f"/api/datasets/{DS}/versions/1/withdraw", headers=tokens["acme"])
    assert published_again.status_code == 409
    assert _state(store) == before and sparql_factors(client) == set()


def test_validate_only_and_violations(client, store, tokens):
    before = _state(store)
    r = upload(client, tokens["acme"], path=f"/api/datasets/{DS}/validate")
    assert r.status_code == 200 and r.get_json()["stored"] is False and r.get_json()["report"]["conforms"]
    broken = factors(DS, 1, "acme", range(1)).replace('"50000"^^xsd:decimal', '"-5"^^xsd:decimal')
    r = client.post(
        f"/api/datasets/{DS}/versions",
        data=broken.encode(),
        headers={**tokens["acme"], "Content-Type": "text/turtle"},
    )
    assert r.status_code == 422 and r.get_json()["report"]["violations"] >= 1
    r = client.post(
        f"/api/datasets/{DS}/versions",
        data=b"@prefix broken",
        headers={**tokens["acme"], "Content-Type": "text/turtle"},
    )
    assert r.status_code == 400
    assert _state(store) == before


def test_multipart_upload_diff_and_factors(client, tokens):
    import io

    for version, ids, bump in ((1, range(3), ()), (2, [1, 2, 3], (2,))):
        body = factors(DS, version, "acme", ids, frozenset(bump)).encode()
        r = client.post(
            f"/api/datasets/{DS}/versions",
            headers=tokens["acme"],
            data={"file": (io.BytesIO(body), f"v{version}.ttl")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 201, r.get_data(as_text=True)
        client.post(f"/api/datasets/{DS}/versions/{version}/submit", headers=tokens["acme"])
        assert (
            client.post(
                f"/api/datasets/{DS}/versions/{version}/approve", headers=tokens["reviewer"]
            ).status_code
            == 200
        )
    diff = client.get(f"/api/datasets/{DS}/diff?from=1&to=2").get_json()
    assert diff["added"] == [BASE + f"factor/{DS}-3"] and diff["removed"] == [BASE + f"factor/{DS}-0"]
    assert (
        diff["changed"][0]["changes"][0]["old"] == "50002"
        and diff["changed"][0]["changes"][0]["new"] == "51002"
    )
    assert client.get(f"/api/datasets/{DS}/diff?from=1&to=9").status_code == 404
    listed = client.get(f"/api/datasets/{DS}/versions/2/factors").get_json()
    assert listed["values_readable"] and len(listed["factors"]) == 3
    assert {v["value"] for f in listed["factors"] for v in f["values"]} == {"50001", "51002", "50003"}
