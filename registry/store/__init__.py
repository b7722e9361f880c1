"""Store backends, chosen by URL scheme (``oxigraph:///PATH``, ``memory:``, ``sparql+http://…``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from urllib.parse import urlsplit

from registry.store.base import (
    BaseURIMismatch,
    PublicDataset,
    QueryDataset,
    QuerySyntaxError,
    QueryTimeout,
    RawResult,
    RDFParseError,
    Store,
    StoreError,
    StoreLocked,
    UnknownSchemeError,
)

#: URL scheme -> factory taking the whole URL. Backends add themselves on import (see _register).
BACKENDS: dict[str, Callable[[str], Store]] = {}
#: URL scheme -> factory opening the store read-only (backends that can; the others open as usual).
READ_ONLY_BACKENDS: dict[str, Callable[[str], Store]] = {}
#: URL scheme -> the module of its backend (imported when a store of that scheme is opened: the
#: remote backend's HTTP stack is not loaded for an embedded store).
MODULES = {"memory": "memory", "oxigraph": "oxigraph", "sparql+http": "remote", "sparql+https": "remote"}


def _register(scheme: str | None = None) -> None:
    """Import the backend of ``scheme`` (all backends for None); each module fills BACKENDS."""
    for module in {MODULES[scheme]} if scheme in MODULES else set(MODULES.values()):
        importlib.import_module(f"{__name__}.{module}")


def open_store(url: str, *, read_only: bool = False) -> Store:
    """Open the store named by ``url``; an unknown scheme lists the supported ones. ``read_only``:
    an embedded store is opened without its lock, refusing writes (other backends open as usual)."""
    scheme = urlsplit(url).scheme
    _register(scheme)  # idempotent; a backend module imported on its own must not hide the others
    try:
        factory = (READ_ONLY_BACKENDS if read_only and scheme in READ_ONLY_BACKENDS else BACKENDS)[scheme]
    except KeyError:
        supported = ", ".join(f"{s}:" for s in sorted(BACKENDS))
        raise UnknownSchemeError(
            f"unknown store URL scheme {scheme + ':' if scheme else '(none)'} in {url!r}; "
            f"supported: {supported} (e.g. oxigraph:///var/efreg, memory:, "
            f"sparql+http://127.0.0.1:8890/sparql)"
        ) from None
    return factory(url)


__all__ = [
    "BACKENDS",
    "READ_ONLY_BACKENDS",
    "BaseURIMismatch",
    "PublicDataset",
    "QueryDataset",
    "QuerySyntaxError",
    "QueryTimeout",
    "RawResult",
    "RDFParseError",
    "Store",
    "StoreError",
    "StoreLocked",
    "UnknownSchemeError",
    "open_store",
]
