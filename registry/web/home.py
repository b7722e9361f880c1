"""The home page: what the registry holds."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from registry.publishing import access, freshness
from registry.void import holdings
from registry.web.context import get_settings, get_store

bp = Blueprint("home", __name__)


def counts() -> dict[str, int]:
    """What the public graphs hold; recounted only when they changed (:mod:`registry.publishing.
    freshness`; kept with the app, whose store it counts)."""
    store = get_store()
    key = freshness.depends_on(store)
    cached = current_app.extensions.get("efreg.counts")
    if cached is not None and cached[0] == key and key is not None:
        return cached[1]
    data = holdings(store, access.snapshot(store).public)
    current_app.extensions["efreg.counts"] = (key, data)
    return data


@bp.get("/")
def index() -> Response:
    data = counts()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(data)
    return Response(
        render_template("home.html", counts=data, base_uri=get_settings().base_uri), mimetype="text/html"
    )
