"""``efreg pact``: PACT v3 data recipients (OAuth2 clients), the footprints' export and derivation.

Beside a running ``efreg serve``: ``client create`` and ``derive`` (they write) go through the server
(``/api/admin/pact/…``), ``export`` (it reads) opens the store read-only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from registry.cli import common
from registry.cli.common import BASE_HELP, STORE_HELP
from registry.cli.remote import ServerLink


@click.group()
def pact() -> None:
    """PACT v3 product footprints: clients of the /pact API, export, derivation report."""


@pact.group()
def client() -> None:
    """Data recipients allowed to call the /pact API (OAuth2 client credentials)."""


@client.command("create")
@click.option("--name", required=True, help="Who the client is (a company, a system).")
@click.option(
    "--events-url",
    metavar="URL",
    help="Where the registry answers this client's requests (its PACT /3/events endpoint).",
)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def client_create(name: str, events_url: str | None, store_url: str | None, base_uri: str | None) -> None:
    """Register a client; prints {"client_id", "client_secret"} as JSON (the secret only this once:
    the registry keeps a salted hash)."""
    from registry.pact.clients import ClientError, admin_create_client  # start-up: the PACT stack

    settings = common.settings(store=store_url, base_uri=base_uri)
    target = common.writer(settings)
    if isinstance(target, ServerLink):
        made = target.call(
            "POST", "/api/admin/pact/clients", json_body={"name": name, "events_url": events_url}
        )
    else:
        with target as store:
            try:
                client_id, secret = admin_create_client(
                    store, settings.base_uri, common.cli_caller(), name, events_url
                )
            except ClientError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(2)
        made = {"client_id": client_id, "client_secret": secret}
    click.echo(json.dumps({"client_id": made["client_id"], "client_secret": made["client_secret"]}))


@pact.command("export")
@click.option("--out", type=click.Path(path_type=Path), help="Output file (default: standard output).")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def export(out: Path | None, store_url: str | None, base_uri: str | None) -> None:
    """Write every footprint as PACT v3 JSON ({"data": [ProductFootprint, …]}, as ListFootprints)."""
    from registry.pact import records  # start-up: the PACT stack, when used

    settings = common.settings(store=store_url, base_uri=base_uri)
    with common.open_store(settings, read_only=True) as store:
        text = json.dumps({"data": records.footprints(store)}, ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")


@pact.command("derive")
@click.option("--json", "as_json", is_flag=True, help="Print the refusals as JSON.")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def derive(as_json: bool, store_url: str | None, base_uri: str | None) -> None:
    """Derive the footprints of what is published again (done at every release) and report, per
    factor version without one, which required PACT field cannot be derived and why."""
    from registry.pact.admin import admin_sync  # start-up: the PACT stack, when used

    settings = common.settings(store=store_url, base_uri=base_uri)
    target = common.writer(settings)
    if isinstance(target, ServerLink):
        answer = target.call("POST", "/api/admin/pact/derive")
        summary, lines = {k: answer[k] for k in ("footprints", "refused")}, answer["lines"]
    else:
        with target as store:
            report = admin_sync(store, settings.base_uri, common.cli_caller())
        summary, lines = report.to_json(), report.lines()
    click.echo(json.dumps(summary, indent=2) if as_json else "\n".join(lines))
