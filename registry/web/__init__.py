"""The Flask application: ``create_app`` wires settings, the store and one blueprint per URL family."""

from __future__ import annotations

from flask import Flask

from registry.config import Settings
from registry.ingest.seeds import load_missing_seeds
from registry.store import Store, open_store
from registry.store.meta import ensure_base_uri
from registry.validation import plausibility
from registry.web import (
    admin,
    api,
    calculate,
    cors,
    dumps,
    errors,
    home,
    i18n,
    limits,
    mappings,
    ontology_docs,
    pact,
    pages,
    resources,
    search,
    sparql,
)
from registry.web.context import get_settings, get_store
from registry.web.replay import AnswerReplay


def create_app(config: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the app. Without ``store`` it opens ``config.store`` (loading the seeds when empty and
    ``config.load_seeds``)."""
    settings = config or Settings.load()
    plausibility.configure(settings.max_value_integer_digits, settings.max_value_fraction_digits)
    if store is None:
        store = open_store(settings.store)
        ensure_base_uri(store, settings.base_uri)
        if settings.load_seeds:
            load_missing_seeds(store, settings.base_uri)
    if settings.analytic_replica:  # built or checked now, not at the first query
        store.keep_analytic_replica(memory_limit=settings.analytic_memory)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = limits.largest(settings)  # each route's own: web/limits.py
    app.config["JSON_AS_ASCII"] = False
    app.extensions["efreg.settings"] = settings
    app.extensions["efreg.store"] = store

    errors.init_app(app)
    limits.init_app(app)  # request body limits per route (413)
    for blueprint in (
        home.bp,
        sparql.bp,
        resources.bp,
        pages.bp,
        search.bp,
        dumps.bp,
        ontology_docs.bp,
        mappings.bp,
        api.bp,
        admin.bp,
        calculate.bp,
        pact.bp,
    ):
        app.register_blueprint(blueprint)

    # Hooks, all of them: the page language (template globals; the switch's cookie) and CORS on every
    # answer, preflights included (web/cors.py says why that is safe).
    app.context_processor(i18n.inject)
    app.after_request(i18n.remember_lang)
    app.after_request(cors.cors)

    # Middleware: plain GETs the resource route answered before are replayed without Flask.
    app.wsgi_app = AnswerReplay(app.wsgi_app, store)  # type: ignore[method-assign]
    return app


__all__ = ["create_app", "get_settings", "get_store"]
