"""What every ``efreg`` command module shares: option help, settings, opening the store, progress."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from registry.config import Settings

if TYPE_CHECKING:
    from registry.store import Store

STORE_HELP = (
    "Store URL: oxigraph:///PATH (default, on disk), memory:, sparql+http://HOST:PORT/PATH. [env EFREG_STORE]"
)
BASE_HELP = "Base URI of every instance IRI, e.g. https://registry.example/ [env EFREG_BASE_URI]"


def settings(**overrides: object) -> Settings:
    """:meth:`Settings.load` with ``overrides``; a bad configuration is a click error (exit 1)."""
    try:
        return Settings.load(**overrides)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def open_store(settings: Settings) -> Store:
    """The store of ``settings``, its base URI checked; an unknown URL or a mismatch exits 2."""
    # start-up: the store (pyoxigraph, rdflib) loads when a command opens it, not for `efreg --help`
    from registry.store import BaseURIMismatch, StoreError
    from registry.store import open_store as open_url  # start-up
    from registry.store.meta import ensure_base_uri  # start-up

    try:
        store = open_url(settings.store)
    except StoreError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        ensure_base_uri(store, settings.base_uri)
    except BaseURIMismatch as exc:
        store.close()
        raise click.UsageError(str(exc)) from None
    return store


def progress(label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A click progress bar driven by (done, total) callbacks; silent when stderr is not a tty."""
    state: dict[str, object] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"], state["done"] = bar, 0
        bar.update(done - state["done"])  # type: ignore[attr-defined,operator]
        state["done"] = done

    def close() -> None:
        bar = state.get("bar")
        if bar is not None:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]

    return update, close
