"""``efreg mappings`` and ``efreg harvest`` on a real on-disk Oxigraph store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import main

from conftest import BASE, DATA


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    from registry.ingest.seeds import load_seeds
    from registry.store import open_store
    from registry.store.meta import ensure_base_uri

    url = f"oxigraph://{tmp_path / 'store'}"
    with open_store(url) as store:
        ensure_base_uri(store, BASE)
        load_seeds(store, BASE)
    return url


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_import_export_list_and_crosswalk(store_url: str, tmp_path: Path) -> None:
    common = ("--store", store_url, "--base-uri", BASE)
    r = run(
        "mappings",
        "import",
        str(DATA / "mapping" / "partner-sources.sssom.tsv"),
        "--set-id",
        "partner",
        *common,
    )
    assert r.exit_code == 0, r.output
    assert "3 mapping(s) read, 2 stored, 1 rejected" in r.output
    assert "not stored: row 16:" in r.output and "no-such-activity" in r.output
    out = tmp_path / "partner.sssom.tsv"
    assert run("mappings", "export", "partner", "--out", str(out), *common).exit_code == 0
    assert "efreg:category/activity/natural-gas-combustion" in out.read_text(encoding="utf-8")
    listing = run("mappings", "list", *common).output
    assert f"{BASE}dataset/partner/1" in listing and f"{BASE}dataset/mappings-geo/1" in listing
    walk = json.loads(
        run("mappings", "crosswalk", "https://example.org/ecfkg-test/i/Natural_gas", *common).output
    )
    assert f"{BASE}factor/ipcc2006-t2.2-natural-gas/1" in {m["factor"] for m in walk["factors"]}


def test_flowmap_import_needs_license_and_reports_bad_rows(store_url: str, tmp_path: Path) -> None:
    common = ("--store", store_url, "--base-uri", BASE)
    source = DATA / "mapping" / "uslci" / "USLCIv2019Q4_to_FEDEFL.csv"
    assert run("mappings", "import", str(source), "--set-id", "x", *common).exit_code == 2
    bad = tmp_path / "bad.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1], lines[2].replace(",=,", ",!,")]) + "\n", encoding="utf-8")
    r = CliRunner().invoke(
        main,
        [
            "mappings",
            "import",
            str(bad),
            "--set-id",
            "x",
            "--license",
            "http://spdx.org/licenses/MIT",
            *common,
        ],
    )
    assert r.exit_code == 2 and "row 3: MatchCondition '!'" in r.output


def test_harvest_refuses_an_endpoint_that_is_not_allow_listed(store_url: str) -> None:
    r = CliRunner().invoke(
        main,
        [
            "harvest",
            "http://127.0.0.1:9/sparql",
            "--dataset",
            "d",
            "--publisher",
            "p",
            "--store",
            store_url,
            "--base-uri",
            BASE,
        ],
    )
    assert r.exit_code == 2 and "not on the allow-list" in r.output and "--allow-endpoint" in r.output


def test_harvest_from_virtuoso(store_url: str, virtuoso_server, tmp_path: Path) -> None:
    from rdflib import Graph
    from test_harvest import load_into_virtuoso

    load_into_virtuoso(virtuoso_server, Graph().parse(DATA / "mapping" / "ecfo-factors.ttl"), tmp_path, "cli")
    args = [
        "harvest",
        virtuoso_server.sparql_url,
        "--profile",
        "ecfo",
        "--dataset",
        "partner",
        "--publisher",
        "ipcc",
        "--license",
        f"{BASE}license/ipcc",
        "--allow-endpoint",
        "--store",
        store_url,
        "--base-uri",
        BASE,
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "read 7 conversion factor(s), made 3 factor(s), 2 not converted" in r.output
    assert f"stored as {BASE}dataset/partner/1" in r.output
    again = CliRunner().invoke(main, args + ["--json"])
    assert json.loads(again.output)["unchanged"] is True
