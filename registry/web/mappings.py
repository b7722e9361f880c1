"""Mapping sets and crosswalks over HTTP.

- ``GET /api/mappings`` — every mapping set version (JSON).
- ``GET /api/mappings/{set-id}.sssom.tsv`` — the current version of a set as SSSOM/TSV (``?version=N`` for another).
- ``GET /api/crosswalk?concept=IRI`` (or ``?scheme=IRI&code=CODE``, ``&related=1``) — the factors that
  correspond to a partner concept, with the mappings followed and converted values (JSON; HTML for browsers).

Factors in the ECFO profile (``?_profile=ecfo``, ``Accept-Profile``) are the resource route's
(:mod:`registry.web.resources`).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template_string, request
from werkzeug.exceptions import BadRequest

from registry.mapping.crosswalk import crosswalk, resolve_concept, to_json
from registry.mapping.sets import list_sets, read_set
from registry.publishing.access import ReadView
from registry.web.context import get_settings, get_store

bp = Blueprint("mappings", __name__)

SSSOM_MEDIA_TYPE = "text/tab-separated-values; charset=utf-8"


@bp.get("/api/mappings")
def mapping_sets() -> Response:
    return jsonify(list_sets(ReadView(get_store()), get_settings().base_uri))


@bp.get("/api/mappings/<set_id>.sssom.tsv")
def sssom(set_id: str) -> Response:
    from registry.mapping.sssom import write_sssom  # start-up: PyYAML loads when a set is asked for

    base = get_settings().base_uri
    version = request.args.get("version", type=int)
    mset, version = read_set(ReadView(get_store()), base, set_id, version)
    text = write_sssom(
        mset,
        mapping_set_id=f"{base}dataset/{set_id}/{version}",
        version=version,
        base_prefixes={"efreg": base},
    )
    return Response(
        text,
        mimetype="text/tab-separated-values",
        headers={"Content-Type": SSSOM_MEDIA_TYPE, "Link": '<https://w3id.org/sssom/>; rel="profile"'},
    )


PAGE = """{% extends "base.html" %}
{% block title %}Crosswalk · efreg{% endblock %}
{% block main %}
<h1>Crosswalk · 对照</h1>
<p>Partner concept 伙伴概念: <code>{{ concept }}</code></p>
{% if not matches %}<p>No corresponding factors. 未找到对应的排放因子。</p>{% endif %}
<table>
<tr><th>Factor 因子</th><th>Concept reached 对应概念</th><th>Relation 关系</th><th>Mappings used 所用映射</th>
<th>Values 数值</th></tr>
{% for m in matches %}
<tr><td><a href="{{ m.factor }}">{{ m.label or m.factor }}</a></td>
<td><a href="{{ m.concept }}">{{ m.concept }}</a>{% if m.hierarchy == 'broader' %}
 (factor for broader <a href="{{ m.category }}">{{ m.category }}</a>){% endif %}</td>
<td>{{ m.relation }}</td>
<td>{% for s in m.path %}<a href="{{ s.mapping }}">{{ s.mapping }}</a>
 ({{ s.predicate.rsplit('#', 1)[-1] }}{% if s.confidence %}, confidence {{ s.confidence }}{% endif %})<br>{% endfor %}</td>
<td>{% for v in m['values'] %}{{ v.of.rsplit('/', 1)[-1] }}: {{ v.value }}{% if v.converted_value %}
 → {{ v.converted_value }} per {{ v.converted_per }}{% endif %}<br>{% endfor %}</td></tr>
{% endfor %}
</table>
{% endblock %}"""


@bp.get("/api/crosswalk")
def crosswalk_view() -> Response:
    base = get_settings().base_uri
    store = ReadView(get_store())  # anonymous: what is published
    concept = request.args.get("concept", "").strip()
    if not concept:
        scheme, code = request.args.get("scheme", "").strip(), request.args.get("code", "").strip()
        if not (scheme and code):
            raise BadRequest("give concept=IRI, or scheme=IRI (or a scheme id such as isic4) and code=CODE")
        concept = resolve_concept(store, base, scheme, code)
    if not concept.startswith(("http://", "https://", "urn:")):
        raise BadRequest("concept must be an absolute IRI")
    related = request.args.get("related", "").lower() in ("1", "true", "yes")
    matches = to_json(crosswalk(store, base, concept, include_related=related))
    body = {"concept": concept, "count": len(matches), "factors": matches}
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if (
        best == "text/html"
        and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]
    ):
        return Response(render_template_string(PAGE, concept=concept, matches=matches), mimetype="text/html")
    response = jsonify(body)
    response.headers["Vary"] = "Accept"
    return response
