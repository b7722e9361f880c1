"""The home page: what the registry is, how to query and cite it, what it holds, what is new and who
publishes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from registry.overview import overview
from registry.publishing import access, freshness
from registry.store import Store
from registry.void import holdings
from registry.web.context import get_settings, get_store

bp = Blueprint("home", __name__)
T = TypeVar("T")


def _kept(name: str, build: Callable[[Store, tuple[str, ...]], T]) -> T:
    """``build(store, public graphs)``, recomputed only when the public graphs changed
    (:mod:`registry.publishing.freshness`; kept with the app, whose store it reads)."""
    store = get_store()
    key = freshness.depends_on(store)
    cached = current_app.extensions.get(name)
    if cached is not None and cached[0] == key and key is not None:
        return cached[1]
    data = build(store, tuple(access.snapshot(store).public))
    current_app.extensions[name] = (key, data)
    return data


def counts() -> dict[str, int]:
    """What the public graphs hold."""
    return _kept("efreg.counts", holdings)


@bp.get("/")
def index() -> Response:
    data = counts()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(data)
    base = get_settings().base_uri
    releases, publishers = _kept("efreg.overview", lambda store, graphs: overview(store, graphs, base))
    return Response(
        render_template(
            "home.html",
            counts=data,
            base_uri=base,
            base=base,
            releases=releases,
            publishers=publishers,
            example=releases[0].iri if releases else None,
        ),
        mimetype="text/html",
    )
