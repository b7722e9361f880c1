"""In-memory backend (``memory:``): an Oxigraph store without a path, gone when closed."""

from __future__ import annotations

from urllib.parse import urlsplit

from registry.store import BACKENDS
from registry.store.base import StoreError
from registry.store.oxigraph import OxigraphStore


def open_memory(url: str) -> OxigraphStore:
    parts = urlsplit(url)
    if parts.netloc or parts.path or parts.query:
        raise StoreError(f"the in-memory store URL is just 'memory:', not {url!r}")
    return OxigraphStore(None)


BACKENDS["memory"] = open_memory
