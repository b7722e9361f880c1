"""One ILCD process XML over HTTP (the real TianGong files): alone it cannot be read — its flows, their
flow properties and unit groups are other files — and the answer names exactly which referenced files
are missing and that a ZIP carries them; the ZIP holding the process with exactly those files (and
the flow properties and unit groups) is stored."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import requests
from live_publishing import make_tokens

from conftest import BASE, DATA

#: byte-identical copies of the TianGong files in ../shared/data/tiangong (the process and its closure)
TIANGONG = DATA / "ingest" / "tiangong"
PROCESS = "0059b3c2-8989-44a7-882e-c26a3dc06a2f"  # propene production, CN; emits CO2, CH4, N2O


@pytest.fixture
def process_xml() -> bytes:
    path = TIANGONG / "processes" / f"{PROCESS}.xml"
    if not path.is_file():
        pytest.fail(f"the TianGong sample is missing: {path}", pytrace=False)
    return path.read_bytes()


def referenced_flows(xml: bytes) -> set[str]:
    """The flow data sets the process's exchanges name (none of which is in a one-file upload)."""
    return {m.decode() for m in re.findall(rb'type="flow data set" refObjectId="([0-9a-f-]{36})"', xml)}


def test_one_process_file_says_which_files_are_missing(live_server: str, store, process_xml: bytes) -> None:
    tokens = make_tokens(store)
    before = store.graphs()
    r = requests.post(
        live_server + f"api/datasets/tg-propene/versions?format=ilcd&filename={PROCESS}.xml",
        data=process_xml,
        headers={**tokens["acme"], "Content-Type": "application/xml"},
        timeout=120,
    )
    # nothing imports: 422 with each record's reason (issue 14), here the flow files it lacks
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
    detail = r.json()["detail"] + str(r.json())
    named = set(re.findall(r"\.\./flows/([0-9a-f-]{36})\.xml", detail))
    assert named == referenced_flows(process_xml) and len(named) == 19
    assert "carbon dioxide (fossil)" in detail and "ZIP" in detail and "flowproperties/" in detail
    assert f"{PROCESS}.xml (ILCD process {PROCESS})" in detail
    assert "/tmp" not in detail and "efreg-upload" not in detail  # no server paths
    assert store.graphs() == before  # nothing stored


def test_the_zip_the_answer_asks_for_is_stored(live_server: str, store, process_xml: bytes) -> None:
    tokens = make_tokens(store)
    alone = requests.post(
        live_server + "api/datasets/tg-propene/validate?format=ilcd",
        data=process_xml,
        headers={**tokens["acme"], "Content-Type": "application/xml"},
        timeout=120,
    ).json()["detail"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(f"processes/{PROCESS}.xml", process_xml)
        for rel in re.findall(r"\.\./(flows/[0-9a-f-]{36}\.xml)", alone):
            z.write(TIANGONG / rel, rel)
        for folder in ("flowproperties", "unitgroups"):
            for path in sorted((TIANGONG / folder).glob("*.xml")):
                z.write(path, f"{folder}/{path.name}")
    r = requests.post(
        live_server + "api/datasets/tg-propene/versions",
        data=buffer.getvalue(),
        headers={**tokens["acme"], "Content-Type": "application/zip"},
        timeout=300,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["stored"] and body["iri"] == BASE + "dataset/tg-propene/1"
    factors = requests.get(
        live_server + "api/datasets/tg-propene/versions/1/factors", headers=tokens["acme"], timeout=60
    ).json()["factors"]
    assert factors
    gases = {Path(v["of"]).name for f in factors for v in f["values"]}
    assert {"CO2-fossil", "CH4-fossil", "N2O"} & gases
