"""What an import says: many SHACL results as a summary by rule (count, two examples) with the whole
report in --report FILE; counts that add up (read = imported + skipped, parts left out apart); upload
reports that name files as the client sent them (no server paths); one base URI in the service
description and VoID."""

from __future__ import annotations

import json
import re
from pathlib import Path

import requests
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, VOID

from registry.cli import main
from registry.publishing.tokens import create_token, ensure_publisher
from registry.rdf.namespaces import SD

from conftest import BASE, DATA, ROOT

SLICE = DATA / "ingest" / "oefdb" / "oefdb-slice.csv"
TIANGONG = ROOT.parent / "shared" / "data" / "tiangong"


def run(tmp_path: Path, *args: str):
    env = {"EFREG_STORE": "oxigraph://" + (tmp_path / "store").as_posix(), "EFREG_BASE_URI": BASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_many_warnings_print_as_a_summary_by_rule(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    result = run(tmp_path, "load", str(SLICE), "--report", str(report))
    assert result.exit_code == 0, result.output
    out = result.output
    rows = sum(1 for _ in SLICE.open(encoding="utf-8")) - 1
    # one block per rule: its count and two examples, not one block per result
    blocks = re.findall(r"^\[Warning\] (\S+) .*× ([\d,]+)$", out, flags=re.M)
    assert ("efsh:Factor-label-zh", f"{rows:,}") in [(b[0], b[1]) for b in blocks], out[:2000]
    assert "Focus node:" not in out
    for rule, _count in blocks:
        section = out.split(f"[Warning] {rule} ", 1)[1].split("\n\n", 1)[0]
        assert section.count("e.g.:") == 2, section
    assert f"full report: {report}" in out
    text = report.read_text(encoding="utf-8")
    assert text.count("Focus node:") == sum(int(b[1].replace(",", "")) for b in blocks)
    assert re.search(rf"^read {rows}, imported {rows}, skipped 0; stored in ", out, flags=re.M)
    as_json = tmp_path / "report.json"
    assert run(tmp_path, "load", "--dry-run", str(SLICE), "--report", str(as_json)).exit_code == 0
    body = json.loads(as_json.read_text(encoding="utf-8"))
    assert body["read"] == rows and len(body["results"]) == body["warnings"] > 20


def test_validate_prints_the_summary_load_prints_and_writes_the_report(tmp_path: Path) -> None:
    """`efreg validate` summarises as `efreg load` does (one block per rule, two examples) in each
    language asked, and --report FILE writes every result, as .txt, .json or .ttl."""
    from served import efreg

    rows = sum(1 for _ in SLICE.open(encoding="utf-8")) - 1
    store = "oxigraph://" + (tmp_path / "no-store").as_posix()
    report = tmp_path / "report.txt"
    done = efreg(store, "validate", "--validator", "fast", str(SLICE), "--report", str(report))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    blocks = re.findall(r"^\[Warning\] (\S+) .*× ([\d,]+)$", out, flags=re.M)
    assert ("efsh:Factor-label-zh", f"{rows:,}") in blocks, out[:2000]
    assert "Focus node:" not in out and len(out.splitlines()) < 200
    assert re.search(r"^\[警告\] efsh:Factor-label-zh .*× " + f"{rows:,}$", out, flags=re.M), out[:3000]
    assert f"full report: {report}" in out
    assert re.search(r"^conforms: 0 violation\(s\), [\d,]+ warning\(s\)", out, flags=re.M)
    text = report.read_text(encoding="utf-8")
    warnings = sum(int(b[1].replace(",", "")) for b in blocks)
    assert text.count("Focus node:") == warnings and text.startswith(f"read {rows}, imported {rows}")
    as_json = tmp_path / "report.json"
    done = efreg(store, "validate", "--lang", "en", str(SLICE), "--report", str(as_json))
    assert done.returncode == 0 and "[警告]" not in done.stdout
    body = json.loads(as_json.read_text(encoding="utf-8"))
    assert body["read"] == rows and len(body["results"]) == body["warnings"] == warnings
    as_ttl = tmp_path / "report.ttl"
    assert efreg(store, "validate", "--json", str(SLICE), "--report", str(as_ttl)).returncode == 0
    assert len(Graph().parse(as_ttl)) > warnings
    hint = efreg(store, "validate", "--lang", "en", str(SLICE))
    assert "--report FILE writes every result" in hint.stdout
    assert not (tmp_path / "no-store").exists()


def test_the_counts_add_up(tmp_path: Path) -> None:
    """45 Tiangong processes: each is imported or skipped; exchanges, net uptakes and dangling sources
    left out of a process are counted apart (they used to be added to the skipped processes)."""
    parts = [
        str(TIANGONG / d)
        for d in ("processes", "flows", "flowproperties", "unitgroups", "sources", "contacts")
    ]
    result = run(tmp_path, "load", *parts)
    assert result.exit_code == 0, result.output
    line = re.search(
        r"^read (\d+), imported (\d+), skipped (\d+); (\d+) parts of records left out", result.output, re.M
    )
    assert line, result.output[-2000:]
    read, imported, skipped, left_out = map(int, line.groups())
    assert read == 45 and read == imported + skipped
    assert left_out >= 1
    assert len(re.findall(r"^skipped ", result.output, re.M)) == skipped
    assert len(re.findall(r"^left out ", result.output, re.M)) == left_out


def test_upload_reports_name_the_files_the_client_sent(live_server: str, store) -> None:
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    token = {"Authorization": "Bearer " + create_token(store, "acme", "publisher")}
    lines = SLICE.read_text(encoding="utf-8").splitlines()
    broken = "\n".join([lines[0], lines[1], lines[2].replace(",USD,", ",no-such-unit,", 1)]) + "\n"
    r = requests.post(
        f"{live_server}/api/datasets/acme-slice/validate",
        files={"file": ("my factors.csv", broken.encode("utf-8"), "text/csv")},
        headers=token,
        timeout=60,
    )
    body = r.text
    assert "efreg-upload-" not in body and "/tmp" not in body, body[:1000]
    skipped = r.json()["skipped"]
    assert [s["where"] for s in skipped] == ["my_factors.csv line 3"], skipped  # as sent (made safe)
    assert r.json()["read"] == 2 and r.json()["imported"] == 1
    r = requests.post(
        f"{live_server}/api/datasets/acme-bad/versions?filename=mine.ttl",
        data=b"<a> <b> .",
        headers={**token, "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert r.status_code == 400 and "mine.ttl" in r.text and "efreg-upload-" not in r.text, r.text


def test_one_base_uri_in_the_service_description_and_void(live_server: str) -> None:
    sd = Graph().parse(
        data=requests.get(live_server + "sparql", headers={"Accept": "text/turtle"}, timeout=30).text,
        format="turtle",
    )
    void = Graph().parse(data=requests.get(live_server + "void.ttl", timeout=30).text, format="turtle")
    (service,) = sd.subjects(RDF.type, SD.Service)
    assert str(service).startswith(BASE + "sparql")
    endpoints = set(sd.objects(service, SD.endpoint))
    assert URIRef(BASE + "sparql") in endpoints  # as VoID names it
    assert set(void.objects(None, VOID.sparqlEndpoint)) == {URIRef(BASE + "sparql")}
    assert endpoints - {URIRef(BASE + "sparql")} <= {URIRef(live_server + "sparql")}  # the address asked
    dataset = sd.value(service, SD.defaultDataset)
    assert str(dataset).startswith(BASE)
