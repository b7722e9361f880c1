"""What every ``efreg`` command module shares: option help, settings, opening the store, progress."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from registry.cli import remote
from registry.config import Settings

if TYPE_CHECKING:
    from registry.publishing.tokens import Caller
    from registry.store import Store

STORE_HELP = (
    "Store URL: oxigraph:///PATH (default, on disk), memory:, sparql+http://HOST:PORT/PATH. [env EFREG_STORE]"
)
BASE_HELP = "Base URI of every instance IRI, e.g. https://registry.example/ [env EFREG_BASE_URI]"
#: ``--report FILE`` of ``efreg load`` and ``efreg validate`` (:mod:`registry.cli.reports`)
REPORT_OPTION = click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Write the whole report (records left out, every SHACL result) to this file: .txt, .json or .ttl "
    "(the terminal shows a summary by rule when there are many).",
)


def settings(**overrides: object) -> Settings:
    """:meth:`Settings.load` with ``overrides``; a bad configuration is a click error (exit 1)."""
    try:
        loaded = Settings.load(**overrides)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    from registry.validation import plausibility  # (here: start-up; --help imports no rdflib)

    plausibility.configure(loaded.max_value_integer_digits, loaded.max_value_fraction_digits)
    return loaded


def open_store(settings: Settings, *, read_only: bool = False, raise_locked: bool = False) -> Store:
    """The store of ``settings``, its base URI checked; an unknown URL or a mismatch exits 2.

    ``read_only``: an embedded store is opened read-only (nothing can be written, no lock is taken)
    and its base URI is checked but never recorded; one that does not exist yet is not created: the
    command gets an empty store in memory (what a dry run or a look at a new store needs)."""
    # start-up: the store (pyoxigraph, rdflib) loads when a command opens it, not for `efreg --help`
    from registry.store import BaseURIMismatch, StoreError, StoreLocked
    from registry.store import open_store as open_url  # start-up
    from registry.store.meta import check_base_uri, ensure_base_uri  # start-up

    try:
        if read_only and _missing_directory(settings.store):
            store = open_url("memory:")
        else:
            store = open_url(settings.store, read_only=read_only)
    except StoreLocked:
        if raise_locked:
            raise
        raise click.UsageError(remote.locked_message(settings.store, _directory(settings.store))) from None
    except StoreError as exc:
        raise click.UsageError(str(exc)) from None
    if read_only and getattr(store, "read_only", False):
        info = remote.live_server(_directory(settings.store))
        if info is not None:
            click.echo(f"efreg serve (pid {info.pid}) holds the store: read it read-only", err=True)
    try:
        if getattr(store, "read_only", False):
            check_base_uri(store, settings.base_uri)
        else:
            ensure_base_uri(store, settings.base_uri)
    except BaseURIMismatch as exc:
        store.close()
        raise click.UsageError(str(exc)) from None
    return store


def writer(settings: Settings, acting: str = "efreg", dry_run: bool = False) -> Store | remote.ServerLink:
    """For a command that writes: the store, or, when ``efreg serve`` holds it (an embedded store
    whose lock is taken and a live server named beside it), a link to that server (announced on
    stderr). A store locked by anything else exits 2 saying what to do. A dry run writes nothing
    anywhere: the store opened read-only."""
    from registry.store import StoreLocked  # start-up

    if dry_run:
        return open_store(settings, read_only=True)
    try:
        return open_store(settings, raise_locked=True)
    except StoreLocked:
        info = remote.live_server(_directory(settings.store))
        if info is None:
            raise click.UsageError(
                remote.locked_message(settings.store, _directory(settings.store))
            ) from None
        link = remote.ServerLink(info, acting)
        link.announce()
        return link


def cli_caller(acting: str = "efreg") -> Caller:
    """The efreg command working on the store itself: an administrator acting for ``acting``."""
    from registry.publishing.tokens import CLI_TOKEN_ID, Caller  # start-up: when a command runs

    return Caller(publisher=acting, role="admin", token_id=CLI_TOKEN_ID)


def _directory(url: str) -> Path:
    from registry.store.oxigraph import store_path  # start-up

    return store_path(url)


def _missing_directory(url: str) -> bool:
    """Whether ``url`` names an embedded store whose directory does not exist yet."""
    from registry.store.oxigraph import store_path  # start-up

    return url.startswith("oxigraph:") and not (store_path(url) / "CURRENT").exists()


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
