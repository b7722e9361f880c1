"""The app's settings and store, for views (put there by :func:`registry.web.create_app`)."""

from __future__ import annotations

from flask import current_app

from registry.config import Settings
from registry.store import Store


def get_store() -> Store:
    return current_app.extensions["efreg.store"]


def get_settings() -> Settings:
    return current_app.extensions["efreg.settings"]
