"""The home page: what the registry holds."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from . import get_settings, get_store

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


def counts() -> dict[str, int]:
    row = get_store().select(COUNTS)[0]
    return {key: int(row[key]) if key in row else 0 for key in ("factors", "datasets", "publishers")}


@bp.get("/")
def index():
    data = counts()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(data)
    return render_template("home.html", counts=data, base_uri=get_settings().base_uri)
