"""Store backends, chosen by URL scheme (``oxigraph:///PATH``, ``memory:``, ``sparql+http://…``)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from .base import (
    BaseURIMismatch,
    QueryDataset,
    QuerySyntaxError,
    QueryTimeout,
    RawResult,
    RDFParseError,
    Store,
    StoreError,
    UnknownSchemeError,
)

#: URL scheme -> factory taking the whole URL. Backends add themselves on import (see _register).
BACKENDS: dict[str, Callable[[str], Store]] = {}


def _register() -> None:
    from . import memory, oxigraph, remote  # noqa: F401  (each module fills BACKENDS)


def open_store(url: str) -> Store:
    """Open the store named by ``url``; an unknown scheme lists the supported ones."""
    _register()  # idempotent; a backend module imported on its own must not hide the others
    scheme = urlsplit(url).scheme
    try:
        factory = BACKENDS[scheme]
    except KeyError:
        supported = ", ".join(f"{s}:" for s in sorted(BACKENDS))
        raise UnknownSchemeError(
            f"unknown store URL scheme {scheme + ':' if scheme else '(none)'} in {url!r}; "
            f"supported: {supported} (e.g. oxigraph:///var/efreg, memory:, "
            f"sparql+http://127.0.0.1:8890/sparql)"
        ) from None
    return factory(url)


__all__ = [
    "BACKENDS", "BaseURIMismatch", "QueryDataset", "QuerySyntaxError", "QueryTimeout", "RawResult",
    "RDFParseError", "Store", "StoreError", "UnknownSchemeError", "open_store",
]
