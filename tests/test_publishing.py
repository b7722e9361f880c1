"""The publishing workflow as a domain (Flask-free): upload as a draft, review, atomic release,
superseded factors, withdrawal, commercial split, recovery after a crash, tokens; and the CLI."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import main
from registry.publishing import access, catalog
from registry.publishing import workflow as publishing
from registry.publishing.tokens import authenticate, create_token, ensure_publisher, list_tokens, revoke_token
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import Store

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
factors_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(factors_module)
factors = factors_module.factors
DS = "acme-fuels"


def write(tmp_path: Path, version: int, ids, bump=frozenset(), ds: str = DS, publisher: str = "acme") -> Path:
    path = tmp_path / f"{ds}-{version}.ttl"
    path.write_text(factors(ds, version, publisher, ids, frozenset(bump)), encoding="utf-8")
    return path


@pytest.fixture
def people(store: Store):
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    ensure_publisher(store, BASE, "beta", "Beta Institute")
    tokens = {
        name: create_token(store, publisher, role)
        for name, publisher, role in (
            ("acme", "acme", "publisher"),
            ("beta", "beta", "publisher"),
            ("acme_reviewer", "acme", "reviewer"),
            ("reviewer", "efreg", "reviewer"),
            ("admin", "efreg", "admin"),
        )
    }
    return {name: authenticate(store, token) for name, token in tokens.items()}


def release(store: Store, settings, people, path: Path, level: str = "Open", ds: str = DS) -> access.Version:
    outcome = publishing.upload(store, settings, people["acme"], ds, [path], access_level=level)
    assert outcome.stored, outcome.report.to_text("en")
    number = outcome.graph.rsplit("/", 1)[1]
    publishing.act(store, BASE, people["acme"], ds, number, "submit")
    return publishing.act(store, BASE, people["reviewer"], ds, number, "approve")


def test_draft_submitted_published_by_two_tokens(store, settings, people, tmp_path):
    outcome = publishing.upload(store, settings, people["acme"], DS, [write(tmp_path, 1, range(3))])
    graph = outcome.graph
    assert outcome.stored and graph == BASE + f"dataset/{DS}/1"
    assert graph not in access.public_graphs(store)
    assert graph in access.readable_graphs(store, people["acme"])  # its publisher reads its draft
    assert graph not in access.readable_graphs(store, people["beta"])
    assert graph not in access.readable_graphs(store, people["reviewer"])  # not submitted yet
    publishing.act(store, BASE, people["acme"], DS, "1", "submit")
    assert graph in access.readable_graphs(store, people["reviewer"])
    assert graph not in access.public_graphs(store)
    v = publishing.act(
        store, BASE, people["reviewer"], DS, "1", "approve", comment="checked against Table 2.2"
    )
    assert v.status == "Published" and graph in access.public_graphs(store)
    history = catalog.history(store, graph, (SYSTEM_GRAPH,))
    assert [h["status"] for h in history] == ["draft", "submitted", "published"]
    assert [h["agent"] for h in history] == [BASE + "publisher/acme"] * 2 + [BASE + "publisher/efreg"]
    assert all(h["at"] for h in history) and history[-1]["comment"] == "checked against Table 2.2"
    public = catalog.history(store, graph, (BASE + "catalog",))  # copied into the public catalog
    assert [h["status"] for h in public] == ["draft", "submitted", "published"]


def test_bad_actions_change_nothing(store, settings, people, tmp_path):
    publishing.upload(store, settings, people["acme"], DS, [write(tmp_path, 1, range(2))])
    before = store.graphs()
    with pytest.raises(publishing.NotPermitted):  # another publisher
        publishing.act(store, BASE, people["beta"], DS, "1", "submit")
    with pytest.raises(publishing.NotPermitted):  # another publisher's dataset: no new version either
        publishing.upload(
            store, settings, people["beta"], DS, [write(tmp_path, 2, range(2), publisher="beta")]
        )
    publishing.act(store, BASE, people["acme"], DS, "1", "submit")
    before = store.graphs()
    for who in ("acme", "acme_reviewer"):  # its own publisher, also with a reviewer token
        with pytest.raises(publishing.NotPermitted):
            publishing.act(store, BASE, people[who], DS, "1", "approve")
    with pytest.raises(publishing.NotFound):
        publishing.act(store, BASE, people["reviewer"], DS, "9", "approve")
    publishing.act(store, BASE, people["reviewer"], DS, "1", "reject", comment="units missing")
    with pytest.raises(publishing.InvalidTransition) as exc:
        publishing.act(store, BASE, people["reviewer"], DS, "1", "approve")
    assert exc.value.allowed == [] and exc.value.status == "Rejected"
    after = store.graphs()
    assert {g: n for g, n in after.items() if g != SYSTEM_GRAPH} == {
        g: n for g, n in before.items() if g != SYSTEM_GRAPH
    }
    assert BASE + f"dataset/{DS}/1" not in access.public_graphs(store)


def test_versions_supersede_and_diff(store, settings, people, tmp_path):
    release(store, settings, people, write(tmp_path, 1, range(3)))
    release(store, settings, people, write(tmp_path, 2, [1, 2, 3], bump={2}))
    cat = BASE + "catalog"
    links = {
        (str(r["s"]), str(r["o"]))
        for r in store.select(
            f"SELECT ?s ?o WHERE {{ GRAPH <{cat}> {{ ?s <http://purl.org/dc/terms/isReplacedBy> ?o }} }}"
        )
    }
    assert (BASE + f"factor/{DS}-2/1", BASE + f"factor/{DS}-2/2") in links
    assert (BASE + f"dataset/{DS}/1", BASE + f"dataset/{DS}/2") in links
    assert not any(s == BASE + f"factor/{DS}-0/1" for s, _ in links)  # removed: no successor
    assert BASE + f"dataset/{DS}/1" in access.public_graphs(store)  # old versions stay citable
    current = {
        str(r["t"]): str(r["v"])
        for r in store.select(
            f"SELECT ?t ?v WHERE {{ GRAPH <{cat}> {{ ?t <http://www.w3.org/ns/dcat#hasCurrentVersion> ?v }} }}"
        )
    }
    assert current[BASE + f"factor/{DS}-2"] == BASE + f"factor/{DS}-2/2"
    assert current[BASE + f"factor/{DS}-0"] == BASE + f"factor/{DS}-0/1"
    diff = catalog.diff(
        store, BASE + f"dataset/{DS}/1", BASE + f"dataset/{DS}/2", access.public_graphs(store)
    )
    assert diff.added == [BASE + f"factor/{DS}-3"] and diff.removed == [BASE + f"factor/{DS}-0"]
    assert [c.factor for c in diff.changed] == [BASE + f"factor/{DS}-2"] and diff.unchanged == 1
    change = diff.changed[0].changes[0]
    assert (change["of"], change["old"], change["new"]) == (BASE + "gas/CO2", "50002", "51002")
    # withdrawal: the newer version disappears, the older one is current again
    publishing.act(store, BASE, people["acme"], DS, "2", "withdraw")
    assert BASE + f"dataset/{DS}/2" not in access.public_graphs(store)
    current = {
        str(r["t"]): str(r["v"])
        for r in store.select(
            f"SELECT ?t ?v WHERE {{ GRAPH <{cat}> {{ ?t <http://www.w3.org/ns/dcat#hasCurrentVersion> ?v }} }}"
        )
    }
    assert current[BASE + f"factor/{DS}-2"] == BASE + f"factor/{DS}-2/1"
    assert BASE + f"factor/{DS}-3" not in current
    with pytest.raises(publishing.InvalidTransition) as exc:
        publishing.act(store, BASE, people["admin"], DS, "2", "approve")
    assert exc.value.allowed == []


def test_drafts_never_become_current(store, settings, people, tmp_path):
    release(store, settings, people, write(tmp_path, 1, range(2)))
    publishing.upload(store, settings, people["acme"], DS, [write(tmp_path, 2, range(2))])
    catalog.refresh_versions(store, BASE)  # e.g. run by another import
    rows = store.select(f"""SELECT ?v WHERE {{ GRAPH <{BASE}catalog> {{ ?t <http://www.w3.org/ns/dcat#hasVersion> ?v }}
        FILTER(STRENDS(STR(?v), "/2")) FILTER(CONTAINS(STR(?v), "{DS}")) }}""")
    assert rows == []


def test_commercial_is_split(store, settings, people, tmp_path):
    v = release(store, settings, people, write(tmp_path, 1, range(3)), level="Commercial")
    assert v.values == v.graph + "/values"
    counts = store.graphs()
    description = store.select(f"SELECT ?p WHERE {{ GRAPH <{v.graph}> {{ ?s ?p ?o }} }}")
    assert not {str(r["p"]) for r in description} & {
        "https://w3id.org/efreg/ontology#component",
        "https://w3id.org/efreg/ontology#co2e",
        "https://w3id.org/efreg/ontology#value",
    }
    assert counts[v.values] > 0
    assert v.graph in access.public_graphs(store) and v.values not in access.public_graphs(store)
    assert v.values in access.readable_graphs(store, people["acme"])
    assert v.values not in access.readable_graphs(store, people["beta"])
    publishing.grant(store, BASE, people["acme"], DS, "beta")
    assert v.values in access.readable_graphs(store, people["beta"])
    with pytest.raises(publishing.NotPermitted):
        publishing.grant(store, BASE, people["beta"], DS, "gamma")
    publishing.grant(store, BASE, people["admin"], DS, "beta", revoke=True)
    assert v.values not in access.readable_graphs(store, people["beta"])


def test_recover_drops_what_a_crash_left(store, settings, people, tmp_path):
    release(store, settings, people, write(tmp_path, 1, range(2)))
    graph, values = BASE + f"dataset/{DS}/2", BASE + f"dataset/{DS}/2/values"
    # an upload interrupted between writing its graphs and recording them
    store.update(
        f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ <{publishing.PENDING}> <{publishing.PENDING_GRAPH}> "
        f"<{graph}> , <{values}> }} }}"
    )
    store.load(write(tmp_path, 2, range(2)), "turtle", graph=graph, base_iri=BASE)
    store.load(b'<urn:x:a> <urn:x:b> "1" .', "ntriples", graph=values)
    assert publishing.recover(store, BASE) == sorted([graph, values])
    assert graph not in store.graphs() and values not in store.graphs()
    assert BASE + f"dataset/{DS}/1" in store.graphs()
    assert publishing.recover(store, BASE) == []


def test_tokens_revoked_and_listed(store):
    token = create_token(store, "acme", "publisher")
    caller = authenticate(store, token)
    assert caller is not None and caller.agent(BASE) == BASE + "publisher/acme"
    listed = {t.token_id: t for t in list_tokens(store)}
    assert listed[caller.token_id].revoked is None and token.split("_", 2)[2] not in json.dumps(
        [t.__dict__ for t in listed.values()]
    )
    revoke_token(store, caller.token_id)
    assert authenticate(store, token) is None
    assert {t.token_id: t for t in list_tokens(store)}[caller.token_id].revoked is not None


def test_cli_token_and_dataset_commands(tmp_path):
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    runner = CliRunner()
    env = {"EFREG_STORE": url, "EFREG_BASE_URI": BASE}

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    token = run("token", "create", "--publisher", "acme", "--role", "publisher", "--name", "ACME").strip()
    assert token.startswith("efreg_")
    path = write(tmp_path, 1, range(2))
    assert "stored" in run("dataset", "upload", DS, str(path), "--publisher", "acme")
    assert "submitted" in run("dataset", "submit", DS, "1", "--as", "acme")
    assert "publishers cannot approve" in run("dataset", "approve", DS, "1", "--as", "acme", code=2)
    assert "published" in run("dataset", "approve", DS, "1", "--comment", "ok")
    assert "cannot approve" in run("dataset", "approve", DS, "1", code=2)
    listed = json.loads(run("dataset", "list", "--json"))
    assert {
        "graph": BASE + f"dataset/{DS}/1",
        "status": "published",
        "access": "open",
        "publisher": BASE + "publisher/acme",
    } in listed
    run("dataset", "upload", DS, str(write(tmp_path, 2, range(3), bump={0})), "--publisher", "acme")
    diff = json.loads(run("dataset", "diff", DS, "1", "2"))
    assert diff["added"] == [BASE + f"factor/{DS}-2"] and diff["changed"][0]["changes"][0]["new"] == "51000"
    token_id = token.split("_")[1]
    assert token_id in run("token", "list")
    run("token", "revoke", token_id)
    assert "revoked" in run("token", "list")
    run("token", "revoke", "0123456789abcdef", code=2)
