"""An import in which nothing imports is refused as a whole — 422 over HTTP, exit 1 on the command
line — with each skipped line and its reason; no empty version, not one quad more in the store."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from registry.cli import main
from registry.publishing.tokens import create_token, ensure_publisher
from registry.store import open_store

from conftest import BASE

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "efreg-template-example.csv"
ILCD_DIR = Path(__file__).resolve().parent / "data" / "ingest" / "tiangong"


def all_refused(tmp_path: Path) -> Path:
    """The template example with every row broken in its own way."""
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    broken = [
        rows[1].replace(",0.5366,", ",1;5,"),
        rows[2].replace(",GLO,", ",XX,"),
        rows[3].replace(",GJ,", ",furlong,"),
    ]
    path = tmp_path / "refused.csv"
    path.write_text("\n".join([rows[0], *broken]) + "\n", encoding="utf-8")
    return path


def quads(store) -> int:
    return sum(store.graphs().values())


def test_an_upload_where_every_row_is_refused_is_422_with_each_line(live_server, store, tmp_path: Path):
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    token = {"Authorization": "Bearer " + create_token(store, "acme", "publisher")}
    before = quads(store)
    r = requests.post(
        f"{live_server}api/datasets/empty/versions",
        data=all_refused(tmp_path).read_bytes(),
        headers={**token, "Content-Type": "text/csv"},
        timeout=60,
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["stored"] is False and "nothing to import" in body["detail"]
    assert [s["where"].rsplit(" ", 1)[-1] for s in body["skipped"]] == ["2", "3", "4"]
    assert all(s["reason"] for s in body["skipped"])
    assert "line 2" in body["detail"] and "line 4" in body["detail"]
    assert quads(store) == before
    assert requests.get(f"{live_server}api/datasets/empty", headers=token, timeout=10).status_code == 404
    r = requests.post(
        f"{live_server}api/datasets/empty/validate",
        data=b"id,name_en\n",
        headers={**token, "Content-Type": "text/csv"},
        timeout=60,
    )
    assert r.status_code in (400, 422) and quads(store) == before


def test_efreg_load_of_nothing_exits_1_with_each_line_and_stores_nothing(tmp_path: Path):
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    args = ["--store", url, "--base-uri", BASE]
    # an on-disk store with its seeds, then the refused load
    # a command that writes creates the store (info only reads: it creates none)
    assert CliRunner().invoke(main, ["dataset", "recover", *args]).exit_code == 0
    store = open_store(url)
    before = quads(store)
    store.close()
    result = CliRunner().invoke(main, ["load", str(all_refused(tmp_path)), "--dataset", "empty", *args])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for line in ("refused.csv line 2", "refused.csv line 3", "refused.csv line 4"):
        assert line in result.output
    store = open_store(url)
    try:
        assert quads(store) == before
        assert not [g for g in store.graph_names() if "dataset/empty" in g]
    finally:
        store.close()


def test_efreg_validate_reports_skipped_rows_and_exits_1_when_nothing_would_be_stored(tmp_path: Path):
    result = CliRunner().invoke(main, ["validate", str(all_refused(tmp_path)), "--base-uri", BASE])
    assert result.exit_code == 1 and "nothing to import" in result.output
    assert "refused.csv line 3" in result.output
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    partial = tmp_path / "partial.csv"
    partial.write_text(
        "\n".join([rows[0], rows[1], rows[2].replace(",GLO,", ",XX,")]) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["validate", str(partial), "--base-uri", BASE, "--validator", "fast"])
    assert "skipped partial.csv line 3" in result.output and "skipped 1" in result.output


def test_an_ilcd_process_without_emissions_is_nothing_to_import(tmp_path: Path):
    source = next(ILCD_DIR.rglob("*.xml"), None)
    assert source is not None
    # a flow data set alone: ILCD that parses but holds no process, so no factor
    flows = sorted(ILCD_DIR.rglob("flows/*.xml"))
    if not flows:
        pytest.fail("the ILCD test data has no flow data set")
    result = CliRunner().invoke(main, ["validate", str(flows[0]), "--base-uri", BASE])
    assert result.exit_code == 1 and "nothing to import" in result.output
