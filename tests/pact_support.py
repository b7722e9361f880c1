"""Shared by the PACT tests: a store with the real TianGong processes, and the PACT v3 schemas."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from registry.config import Settings
from registry.ingest.gate import import_paths
from registry.pact import records
from registry.store import Store, open_store
from registry.store.meta import ensure_base_uri

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TIANGONG = SHARED / "tiangong" / "processes"
PACT_DATA = SHARED / "pact"
BASE = "http://localhost:8080/"
ELEC = "aef876a0-dd1f-4e00-97c5-3e59a0cfb6ac"  # thermal power, China: 0.834 kg CO2 per kWh
PROPYLENE = "0059b3c2-8989-44a7-882e-c26a3dc06a2f"  # kg of propylene: no carbon content stated
CONVERTER_STEEL = "cef09ca2-d8b8-45c0-839b-234f05569aa7"  # m3 reference flow: no mass per m3
STRAW_POWER = "0602b34c-c5fc-4405-9249-77d6438c44cf"  # biogenic CO2


def load_tiangong(store: Store, names: list[str] | None = None) -> None:
    """Import TianGong processes (all 45 without ``names``) the way ``efreg load`` does."""
    paths = sorted(TIANGONG.glob("*.xml")) if names is None else [TIANGONG / f"{n}.xml" for n in names]
    outcome = import_paths(
        store,
        paths,
        base_uri=BASE,
        dataset_id=None,
        publisher=None,
        format=None,
        settings=Settings(store="memory:", base_uri=BASE),
    )
    assert outcome.stored, outcome.report.to_text()
    records.sync(store, BASE)


def tiangong_store(names: list[str] | None = None) -> Store:
    store = open_store("memory:")
    ensure_base_uri(store, BASE)
    load_tiangong(store, names)
    return store


@cache
def _spec(name: str) -> dict[str, Any]:
    return yaml.safe_load((PACT_DATA / name).read_text(encoding="utf-8"))


def validator(schema: dict[str, Any], *, events: bool = False) -> Draft202012Validator:
    """A validator of ``schema`` against the components of PACT's v3 OpenAPI document (the events'
    schemas from the conformance tool's copy of it, whose event schemas are written with allOf;
    the specification's own copy puts a ``$ref`` inside ``properties``, which JSON Schema reads as
    a property named "$ref")."""
    spec = _spec("conformance-service/src/schemas/openapi_v3_0.yaml" if events else "spec-v3/openapi.yaml")
    return Draft202012Validator(
        {**schema, "components": spec["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def response_schema(path: str, status: str = "200") -> dict[str, Any]:
    """The JSON schema of a v3 API answer, from the OpenAPI document's paths."""
    spec = _spec("spec-v3/openapi.yaml")
    return spec["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


FOOTPRINT = {"$ref": "#/components/schemas/ProductFootprint"}
