"""The `efreg` command, run through click's runner and, for `serve`, as a real process over HTTP."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from rdflib import Dataset, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from registry.cli import main
from registry.paths import seed_files

from conftest import BASE, ROOT, free_port

EF = Namespace("https://w3id.org/efreg/ontology#")

MALFORMED_TTL = """@prefix ef: <https://w3id.org/efreg/ontology#> .
<factor/x/1> a ef:EmissionFactor ;
    ef:value "1"^^<http://www.w3.org/2001/XMLSchema#decimal>
    ef:unit <unit/KiloGM-PER-TeraJ> .
"""


@pytest.fixture
def cli(tmp_path: Path):
    """Run `efreg ARGS` against an on-disk store in tmp_path; returns (runner result)."""
    store_url = "oxigraph://" + (tmp_path / "store").as_posix()

    def run(*args: str, env: dict[str, str] | None = None):
        environ = {"EFREG_STORE": store_url, "EFREG_BASE_URI": BASE, **(env or {})}
        return CliRunner().invoke(main, list(args), env=environ, catch_exceptions=False)

    run.store_url = store_url
    return run


def graphs_of(cli) -> dict:
    result = cli("info", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["graphs"]


def test_every_command_documents_itself():
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for command in ("serve", "load", "validate", "dump", "info"):
        assert command in top.output
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0
        assert "Usage: main " + command in result.output or f"{command} [OPTIONS]" in result.output
        assert len(main.commands[command].help or "") > 20


def test_help_imports_neither_rdflib_nor_the_store():
    """`efreg --help` stays fast: the store, rdflib, Flask and the ingest stack load in the commands."""
    code = (
        "import sys\nfrom registry.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('rdflib', 'flask', 'pyoxigraph', 'registry.store', 'registry.ingest',"
        " 'registry.publishing.tokens') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_the_cli_role_choices_are_the_roles():
    from registry.cli.datasets import ROLES as CLI_ROLES
    from registry.publishing.tokens import ROLES

    assert tuple(CLI_ROLES) == tuple(ROLES)


def test_load_then_info_and_dump_round_trip(cli, tmp_path: Path):
    seed = next(p for p in seed_files() if p.name == "reference.trig")
    result = cli("load", str(seed))
    assert result.exit_code == 0, result.output
    graphs = graphs_of(cli)
    assert BASE + "dataset/efreg-reference/1" in graphs
    out = tmp_path / "dump.nq"
    assert cli("dump", "--out", str(out)).exit_code == 0
    dumped = Dataset()
    dumped.parse(out, format="nquads")
    original = Dataset()
    original.parse(seed, format="trig", publicID=BASE)
    graph = URIRef(BASE + "dataset/efreg-reference/1")
    assert len(dumped.graph(graph)) == len(original.graph(graph)) > 0
    assert (URIRef(BASE + "geo/CN-HE"), None, None) in dumped.graph(graph)


def test_malformed_turtle_exits_2_with_file_line_and_column_and_stores_nothing(cli, tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(MALFORMED_TTL)
    before = graphs_of(cli)
    result = cli("load", str(bad), "--dataset", "bad")
    assert result.exit_code == 2
    assert re.search(r"bad\.ttl, line 4, column \d+", result.output), result.output
    assert graphs_of(cli) == before


def test_unknown_store_scheme_lists_the_supported_ones(cli):
    result = cli("info", env={"EFREG_STORE": "postgres://localhost/x"})
    assert result.exit_code == 2
    for scheme in ("oxigraph:", "memory:", "sparql+http:"):
        assert scheme in result.output


def test_a_store_refuses_another_base_uri_and_says_how_to_fix_it(cli):
    assert cli("dataset", "recover").exit_code == 0  # a command that writes creates the store
    result = cli("info", env={"EFREG_BASE_URI": "https://other.example/"})
    assert result.exit_code == 2
    assert BASE in result.output and "https://other.example/" in result.output
    assert "--base-uri" in result.output


def test_serve_refuses_a_bad_store_before_listening(cli, monkeypatch):
    """A store for another base URI, or an unknown scheme: a usage error (exit 2), nothing served."""
    import waitress

    monkeypatch.setattr(waitress, "create_server", lambda *a, **k: pytest.fail("serve must not listen"))
    assert cli("dataset", "recover").exit_code == 0  # a command that writes creates the store
    result = cli("serve", env={"EFREG_BASE_URI": "https://other.example/"})
    assert result.exit_code == 2
    assert BASE in result.output and "https://other.example/" in result.output
    result = cli("serve", env={"EFREG_STORE": "postgres://localhost/x"})
    assert result.exit_code == 2 and "oxigraph:" in result.output


def test_serve_drops_leftovers_and_readies_the_access_snapshot_before_listening(cli, monkeypatch):
    from registry.publishing import access
    from registry.publishing.workflow import PENDING, PENDING_GRAPH
    from registry.rdf.namespaces import SYSTEM_GRAPH
    from registry.store import open_store

    leftover = BASE + "dataset/crashed/1"
    with open_store(cli.store_url) as store:
        store.update(
            f"INSERT DATA {{ GRAPH <{leftover}> {{ <{leftover}> a <urn:x:Thing> }} "
            f"GRAPH <{SYSTEM_GRAPH}> {{ <{PENDING}> <{PENDING_GRAPH}> <{leftover}> }} }}"
        )
    served = {}

    class FakeServer:
        effective_port = 8080

        def __init__(self, app, **kwargs):
            self.app = app

        def run(self):
            store = self.app.extensions["efreg.store"]
            served["graphs"] = set(store.graph_names())
            served["cached"] = access._cache.get(store)
            served["public"] = access.snapshot(store).public

        def close(self):
            pass

    import waitress

    monkeypatch.setattr(waitress, "create_server", FakeServer)
    result = cli("serve", "--no-seeds")
    assert result.exit_code == 0, result.output
    assert f"dropped {leftover}" in result.output
    assert leftover not in served["graphs"]
    assert served["cached"] is not None and served["cached"].public == served["public"]


def test_validate_on_a_file_that_is_not_rdf_is_a_parse_error_not_a_traceback(tmp_path: Path):
    junk = tmp_path / "notes.ttl"
    junk.write_bytes(b"\x89PNG this is not RDF {{{")
    result = CliRunner().invoke(main, ["validate", str(junk)], env={"EFREG_BASE_URI": BASE})
    assert result.exit_code == 2
    assert "notes.ttl" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("validator", ["pyshacl", "fast"])
def test_the_seeds_conform(validator):
    result = CliRunner().invoke(
        main, ["validate", "--validator", validator, *map(str, seed_files())], env={"EFREG_BASE_URI": BASE}
    )
    assert result.exit_code == 0, result.output
    assert "0 violation(s)" in result.output


def _factor(ds: Dataset, ident: str) -> tuple[URIRef, object]:
    """The factor ``ident`` (version 1) and the graph that holds it."""
    return next(
        (s, g) for g in ds.graphs() for s in g.subjects(EF.component, None) if str(s).endswith(f"/{ident}/1")
    )


def _break(how: str, tmp_path: Path) -> tuple[Path, str]:
    """A copy of the IPCC seed with one thing broken; returns the file and the broken factor's IRI."""
    src = ROOT / "seeds" / "ipcc2006-t2.2.trig"
    ds = Dataset()
    ds.parse(src, format="trig", publicID=BASE)
    factor, graph = _factor(ds, "ipcc2006-t2.2-natural-gas")
    components = list(graph.objects(factor, EF.component))
    if how == "mandatory field removed":
        graph.remove((factor, URIRef("http://purl.org/dc/terms/source"), None))
    elif how == "value typed xsd:double":
        node = components[0]
        value = graph.value(node, EF.value)
        graph.set((node, EF.value, Literal(str(value), datatype=XSD.double)))
    elif how == "DQR indicator of 7":
        from rdflib import BNode

        dq = BNode()
        graph.add((factor, EF.dataQuality, dq))
        for p, v in (("ter", 7), ("ger", 1), ("tir", 1), ("precision", 1)):
            graph.add((dq, EF[p], Literal(v)))
        graph.add((dq, EF.dqr, Literal("2.5", datatype=XSD.decimal)))
    elif how == "CO2e inconsistent with components":
        co2e = next(iter(graph.objects(factor, EF.co2e)))
        value = graph.value(co2e, EF.value)
        graph.set((co2e, EF.value, Literal(str(value.toPython() * 2), datatype=XSD.decimal)))
    out = tmp_path / "broken.trig"
    ds.serialize(out, format="trig")
    return out, str(factor)


@pytest.mark.parametrize(
    "how",
    [
        "mandatory field removed",
        "value typed xsd:double",
        "DQR indicator of 7",
        "CO2e inconsistent with components",
    ],
)
def test_broken_seed_copies_fail_naming_the_factor_and_rule_in_both_languages(how, tmp_path: Path):
    broken, factor = _break(how, tmp_path)
    others = [str(p) for p in seed_files() if p.name != "ipcc2006-t2.2.trig"]
    result = CliRunner().invoke(main, ["validate", str(broken), *others], env={"EFREG_BASE_URI": BASE})
    assert result.exit_code == 1, result.output
    assert "Violation" in result.output
    assert re.search(r"[\u4e00-\u9fff]", result.output), "no Chinese message"
    as_json = CliRunner().invoke(
        main, ["validate", "--json", str(broken), *others], env={"EFREG_BASE_URI": BASE}
    )
    violations = [r for r in json.loads(as_json.output)["results"] if r["severity"] == "Violation"]
    assert violations
    # the report names the factor (or a node of it) for the broken rule
    assert any(factor in json.dumps(r) or r.get("factor") == factor for r in violations), violations


def test_serve_answers_over_http_with_the_seed_counts(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "EFREG_BASE_URI": BASE, "EFREG_LOAD_SAMPLES": "0"}  # samples: test_first_run.py
    efreg = shutil.which("efreg", path=str(Path(sys.executable).parent)) or "efreg"
    proc = subprocess.Popen(
        [efreg, "serve", "--port", str(port), "--store", "oxigraph://" + (tmp_path / "s").as_posix()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/", headers={"Accept": "application/json"}, timeout=5
                )
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stdout.read().decode()) from None
                time.sleep(0.2)
        assert response.status_code == 200
        counts = response.json()
        assert counts["factors"] >= 19 + 22
        assert counts["publishers"] >= 3
        assert "waitress" in response.headers.get("Server", "") or "efreg" in response.headers.get(
            "Server", ""
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_load_format_help_names_every_importer():
    from registry.ingest import IMPORTERS

    result = CliRunner().invoke(main, ["load", "--help"], terminal_width=200)
    for name in IMPORTERS:
        assert name in result.output
