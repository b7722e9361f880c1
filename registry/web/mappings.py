"""Mapping sets, crosswalks and the ECFO profile over HTTP.

- ``GET /api/mappings`` — every mapping set version (JSON).
- ``GET /api/mappings/{set-id}.sssom.tsv`` — the current version of a set as SSSOM/TSV (``?version=N`` for another).
- ``GET /api/crosswalk?concept=IRI`` (or ``?scheme=IRI&code=CODE``, ``&related=1``) — the factors that
  correspond to a partner concept, with the mappings followed and converted values (JSON; HTML for browsers).
- Any ``/factor/…`` URI with ``Accept-Profile: <https://w3id.org/ecfo/1.0.0>`` or ``?_profile=ecfo`` — the
  factor in ECFO terms (W3C Content Negotiation by Profile, the header and the query-string approaches),
  answered with ``Content-Profile``; ``?_profile=ecfo`` with an RDF suffix or ``Accept`` picks the format.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template_string, request

from registry.ecfo.profile import DEFAULT_PROFILE, PROFILES, Profile, parse_accept_profile, render_ecfo
from registry.publishing.access import ReadView
from registry.web import get_settings, get_store
from registry.web.negotiation import GRAPH_FORMATS, by_suffix, negotiate

bp = Blueprint("mappings", __name__)

SSSOM_MEDIA_TYPE = "text/tab-separated-values; charset=utf-8"


@bp.get("/api/mappings")
def mapping_sets() -> Response:
    from registry.mapping.sets import list_sets

    return jsonify(list_sets(ReadView(get_store()), get_settings().base_uri))


@bp.get("/api/mappings/<set_id>.sssom.tsv")
def sssom(set_id: str) -> Response:
    from registry.mapping.sets import MappingError, read_set
    from registry.mapping.sssom import write_sssom  # with PyYAML: imported when a set is asked for

    base = get_settings().base_uri
    version = request.args.get("version", type=int)
    try:
        mset, version = read_set(ReadView(get_store()), base, set_id, version)
    except MappingError as exc:
        abort(404, str(exc))
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
    from registry.mapping.crosswalk import concept_by_notation, crosswalk, to_json

    base = get_settings().base_uri
    store = ReadView(get_store())  # anonymous: what is published
    concept = request.args.get("concept", "").strip()
    if not concept:
        scheme, code = request.args.get("scheme", "").strip(), request.args.get("code", "").strip()
        if not (scheme and code):
            abort(400, "give concept=IRI, or scheme=IRI (or a scheme id such as isic4) and code=CODE")
        if not scheme.startswith(("http://", "https://")):
            scheme = f"{base}category/{scheme}"
        found = concept_by_notation(store, scheme, code)
        if found is None:
            abort(404, f"no concept with notation {code!r} in scheme <{scheme}>")
        concept = found
    if not concept.startswith(("http://", "https://", "urn:")):
        abort(400, "concept must be an absolute IRI")
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


# --- Content Negotiation by Profile ------------------------------------------------------------------------


def _requested_profile() -> Profile | None:
    token = request.args.get("_profile")
    if token is not None:
        profile = PROFILES.get(token) or next((p for p in PROFILES.values() if token in p.uris), None)
        if profile is None and token not in (DEFAULT_PROFILE.token, *DEFAULT_PROFILE.uris):
            abort(406, f"unknown profile {token!r}; offered: {', '.join(PROFILES)} (and efreg)")
        return profile
    return parse_accept_profile(request.headers.get("Accept-Profile"))


@bp.before_app_request
def factor_in_a_profile() -> Response | None:
    """``/factor/{id}/{version}`` (or ``/factor/{id}``, the current version) in a partner profile."""
    path = request.path
    if request.method not in ("GET", "HEAD") or not path.startswith("/factor/"):
        return None
    profile = _requested_profile()
    if profile is None or profile is DEFAULT_PROFILE:
        return None
    rest = path[len("/factor/") :]
    fmt = None
    for f in GRAPH_FORMATS:
        if f.suffix and rest.endswith(f.suffix):
            fmt, rest = by_suffix(f.suffix, GRAPH_FORMATS), rest[: -len(f.suffix)]
    fmt = fmt or negotiate(request.headers.get("Accept"), GRAPH_FORMATS)
    if fmt is None:
        abort(406, "the ECFO profile is offered as " + ", ".join(f.media_type for f in GRAPH_FORMATS))
    base = get_settings().base_uri
    store = ReadView(get_store())  # anonymous: what is published
    iri = f"{base}factor/{rest}"
    if rest.count("/") == 0:  # version-independent: the current version
        rows = store.select(f"SELECT ?v WHERE {{ <{iri}> <http://www.w3.org/ns/dcat#hasCurrentVersion> ?v }}")
        if not rows:
            abort(404, f"no factor <{iri}>")
        iri = str(rows[0]["v"])
    if not store.ask(
        f"ASK {{ <{iri}> a <https://w3id.org/efreg/ontology#EmissionFactor> ; "
        "<https://w3id.org/efreg/ontology#accessLevel> <https://w3id.org/efreg/ontology#Open> }"
    ):
        abort(404, f"no open factor <{iri}>")
    graph = render_ecfo(store, [iri])
    body = graph.serialize(
        format={"jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}.get(fmt.name, fmt.name)
    )
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Content-Type"] = fmt.mimetype_header
    response.headers["Content-Profile"] = f"<{profile.uris[0]}>"
    response.headers["Vary"] = "Accept, Accept-Profile"
    response.headers["Link"] = (
        f'<{iri}>; rel="canonical", <{profile.uris[0]}>; rel="profile", '
        f'<{request.base_url}?_profile=efreg>; rel="alternate"; '
        f'formats="{fmt.media_type}"; profile="{DEFAULT_PROFILE.uris[0]}"'
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
