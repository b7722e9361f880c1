"""The home page: what the registry holds."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from registry.publishing import access
from registry.store import QueryDataset
from registry.web.context import get_settings, get_store

bp = Blueprint("home", __name__)

COUNTS = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT
  (SUM(IF(?kind = 1, 1, 0)) AS ?factors)
  (SUM(IF(?kind = 2, 1, 0)) AS ?datasets)
  (SUM(IF(?kind = 3, 1, 0)) AS ?publishers)
WHERE {
  { ?s a ef:EmissionFactor BIND(1 AS ?kind) }
  UNION { ?s a dcat:Dataset ; dcat:version ?v BIND(2 AS ?kind) }
  UNION { ?s a foaf:Organization BIND(3 AS ?kind) }
}"""


_cache: dict[int, tuple[object, dict[str, int]]] = {}


def counts() -> dict[str, int]:
    """What the public graphs hold; recounted only when the set of public graphs or the store moved."""
    store = get_store()
    snap = access.snapshot(store)
    key = (snap.generation, snap.public)
    cached = _cache.get(id(store))
    if cached is not None and cached[0] == key and snap.generation is not None:
        return cached[1]
    rows = store.select(COUNTS, QueryDataset(default_graphs=snap.public, named_graphs=()))
    row = rows[0] if rows else {}
    data = {k: int(row[k]) if k in row else 0 for k in ("factors", "datasets", "publishers")}
    _cache[id(store)] = (key, data)
    return data


@bp.get("/")
def index():
    data = counts()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(data)
    return render_template("home.html", counts=data, base_uri=get_settings().base_uri)
