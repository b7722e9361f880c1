"""The Flask application: ``create_app`` wires settings, the store and one blueprint per URL family."""

from __future__ import annotations

from flask import Flask, current_app

from registry.config import Settings
from registry.store import Store, open_store


def create_app(config: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the app. Without ``store`` it opens ``config.store`` (loading the seeds when empty and
    ``config.load_seeds``)."""
    settings = config or Settings.load()
    if store is None:
        from registry.ingest.seeds import load_seeds_if_empty
        from registry.store.meta import ensure_base_uri

        store = open_store(settings.store)
        ensure_base_uri(store, settings.base_uri)
        if settings.load_seeds:
            load_seeds_if_empty(store, settings.base_uri)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.config["JSON_AS_ASCII"] = False
    app.extensions["efreg.settings"] = settings
    app.extensions["efreg.store"] = store

    from registry.web import (
        api,
        dumps,
        errors,
        home,
        i18n,
        mappings,
        ontology_docs,
        pages,
        resources,
        search,
        sparql,
    )

    errors.init_app(app)
    for blueprint in (
        home.bp,
        sparql.bp,
        resources.bp,
        i18n.bp,
        pages.bp,
        search.bp,
        dumps.bp,
        ontology_docs.bp,
        mappings.bp,
        api.bp,
    ):
        app.register_blueprint(blueprint)
    return app


def get_store() -> Store:
    return current_app.extensions["efreg.store"]


def get_settings() -> Settings:
    return current_app.extensions["efreg.settings"]
