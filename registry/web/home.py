"""The home page: what the registry holds."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from registry.publishing import access
from registry.void import holdings
from registry.web.context import get_settings, get_store

bp = Blueprint("home", __name__)


def counts() -> dict[str, int]:
    """What the public graphs hold; recounted only when the set of public graphs or the store moved
    (kept with the app, whose store it counts)."""
    store = get_store()
    snap = access.snapshot(store)
    key = (snap.generation, snap.public)
    cached = current_app.extensions.get("efreg.counts")
    if cached is not None and cached[0] == key and snap.generation is not None:
        return cached[1]
    data = holdings(store, snap.public)
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
