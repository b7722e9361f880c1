"""The ``efreg harvest`` and ``efreg mappings`` commands (registered in :mod:`registry.cli`).

Exit statuses as elsewhere: 0 done (or nothing changed), 1 the data does not conform to the shapes,
2 bad input, an endpoint that failed or was refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import click

from registry.cli import common
from registry.cli.common import BASE_HELP, STORE_HELP
from registry.cli.remote import ServerLink, local_paths


@click.command()
@click.argument("endpoint")
@click.option(
    "--profile",
    type=click.Choice(["ecfo"]),
    default="ecfo",
    show_default=True,
    help="The partner's vocabulary.",
)
@click.option(
    "--dataset", "dataset_id", required=True, metavar="ID", help="Dataset identifier (dataset/ID/N)."
)
@click.option("--publisher", required=True, metavar="ID", help="Publisher identifier (publisher/ID).")
@click.option(
    "--publisher-name", metavar="NAME", help="Publisher's name, when the registry does not know it yet."
)
@click.option("--title", help="Dataset title (default: 'Harvested from ENDPOINT').")
@click.option("--license", "license_iri", metavar="IRI", help="License of records that state none.")
@click.option(
    "--gwp-set", metavar="ID", help="GWP set of CO2e values (ECFO 1.0 has no term), e.g. AR5-GWP100."
)
@click.option(
    "--boundary",
    metavar="NAME",
    help="Life-cycle boundary when the scope does not imply one, e.g. WellToTank.",
)
@click.option("--page-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
@click.option("--max-records", type=click.IntRange(1), default=100_000, show_default=True)
@click.option(
    "--timeout", type=float, help="Seconds to wait for each answer. [default: EFREG_SERVICE_TIMEOUT]"
)
@click.option(
    "--allow-endpoint",
    is_flag=True,
    help="Harvest ENDPOINT although it is not on EFREG_SERVICE_ALLOWLIST (an administrator's decision).",
)
@click.option("--dry-run", is_flag=True, help="Fetch, convert and validate; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def harvest(
    endpoint: str,
    profile: str,
    dataset_id: str,
    publisher: str,
    publisher_name: str | None,
    title: str | None,
    license_iri: str | None,
    gwp_set: str | None,
    boundary: str | None,
    page_size: int,
    max_records: int,
    timeout: float | None,
    allow_endpoint: bool,
    dry_run: bool,
    as_json: bool,
    store_url: str | None,
    base_uri: str | None,
) -> None:
    """Harvest the emission factors of a partner's SPARQL ENDPOINT into a new dataset version.

    The factors are converted to the efreg model, validated with the shapes and stored with
    prov:wasDerivedFrom ENDPOINT and the harvest time. A new version is made only when something changed.
    Records that cannot be converted are listed; nothing is stored when the endpoint fails.
    """
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.federation.harvest import HarvestError, HarvestNotConforming, admin_harvest
    from registry.publishing.tokens import CLI_TOKEN_ID, Caller

    settings = common.settings(store=store_url, base_uri=base_uri, service_timeout=timeout)
    target = common.writer(settings, dry_run=dry_run)
    if isinstance(target, ServerLink):
        body = {
            "endpoint": endpoint,
            "dataset": dataset_id,
            "publisher": publisher,
            "publisher_name": publisher_name,
            "title": title,
            "license": license_iri,
            "gwp_set": gwp_set,
            "boundary": boundary,
            "profile": profile,
            "page_size": page_size,
            "max_records": max_records,
            "timeout": timeout,
            "allow_endpoint": allow_endpoint,
        }
        answer = target.call(
            "POST", "/api/admin/harvests", json_body={k: v for k, v in body.items() if v is not None}
        )
        _print_harvest(answer, as_json)
        return
    with target as store:
        try:
            report = admin_harvest(
                store,
                Caller(publisher="efreg", role="admin", token_id=CLI_TOKEN_ID),
                endpoint,
                dataset_id=dataset_id,
                publisher=publisher,
                settings=settings,
                explicit=allow_endpoint,
                profile=profile,
                title=title,
                license=license_iri,
                gwp_set=gwp_set,
                boundary=boundary,
                publisher_name=publisher_name,
                page_size=page_size,
                max_records=max_records,
                dry_run=dry_run,
            )
        except HarvestNotConforming as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except HarvestError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    _print_harvest(report.to_json(), as_json)


def _print_harvest(report: dict, as_json: bool) -> None:
    """What ``efreg harvest`` prints of a harvest's report (done here or by the running server)."""
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for item in report["unconverted"]:
        click.echo(f"not converted <{item['record']}>: {item['reason']}", err=True)
    state = (
        "unchanged: the current version "
        if report["unchanged"]
        else "stored as "
        if report["stored"]
        else "would be stored as (dry run) "
    )
    click.echo(
        f"read {report['read']} conversion factor(s), made {report['factors']} factor(s), "
        f"{len(report['unconverted'])} not converted; {state}{report['dataset_iri']}"
    )


@click.group()
def mappings() -> None:
    """Mapping sets: import (SSSOM/TSV, flow-mapping CSV, SKOS RDF), delete, export as SSSOM, crosswalk."""


@mappings.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["sssom", "flowmap", "skos"]), help="Default: from the suffix."
)
@click.option(
    "--set-id", metavar="ID", help="Mapping set identifier (dataset/ID/N); SSSOM: from mapping_set_id."
)
@click.option("--publisher", default="efreg", show_default=True, metavar="ID")
@click.option(
    "--publisher-name", metavar="NAME", help="Publisher's name, when the registry does not know it yet."
)
@click.option("--title", help="Title (flowmap, skos; SSSOM takes mapping_set_title).")
@click.option(
    "--license", "license_iri", metavar="IRI", help="License IRI (flowmap, skos; SSSOM takes its own)."
)
@click.option("--source-url", metavar="IRI", help="Where the file comes from (dct:source).")
@click.option("--dry-run", is_flag=True, help="Check and validate; store nothing.")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def import_(
    path: Path,
    fmt: str | None,
    set_id: str | None,
    publisher: str,
    publisher_name: str | None,
    title: str | None,
    license_iri: str | None,
    source_url: str | None,
    dry_run: bool,
    store_url: str | None,
    base_uri: str | None,
) -> None:
    """Import a mapping set. Mappings naming a concept the registry does not know are reported, not stored."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.mapping.imports import MappingFile, import_mapping_set
    from registry.mapping.sets import MappingError, MappingNotConforming
    from registry.publishing.tokens import CLI_TOKEN_ID, Caller

    settings = common.settings(store=store_url, base_uri=base_uri)
    how = MappingFile(fmt, set_id, publisher, publisher_name, title, license_iri, source_url)
    target = common.writer(settings, dry_run=dry_run)
    if isinstance(target, ServerLink):
        params = {
            "format": fmt,
            "set_id": set_id,
            "publisher": publisher,
            "publisher_name": publisher_name,
            "title": title,
            "license": license_iri,
            "source_url": source_url,
        }
        answer = target.call("POST", "/api/admin/mappings", params=params, json_body=local_paths([path]))
        for rejected in answer["rejected"]:
            click.echo(f"not stored: {rejected}", err=True)
        click.echo(answer["summary"])
        return
    try:
        with target as store:
            report = import_mapping_set(
                store,
                settings.base_uri,
                Caller(publisher="efreg", role="admin", token_id=CLI_TOKEN_ID),
                path,
                how,
                dry_run=dry_run,
                validator=settings.validator,
            )
    except MappingError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1 if isinstance(exc, MappingNotConforming) else 2)
    for rejected in report.rejected:
        click.echo(f"not stored: {rejected}", err=True)
    click.echo(report.summary())


@mappings.command("delete")
@click.argument("set_id")
@click.option(
    "--as", "acting", metavar="PUBLISHER", default="efreg", show_default=True, help="Recorded with PROV."
)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def delete(set_id: str, acting: str, store_url: str | None, base_uri: str | None) -> None:
    """Delete every version of mapping set SET_ID."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.mapping.imports import delete_mapping_set
    from registry.mapping.sets import MappingError
    from registry.publishing.tokens import CLI_TOKEN_ID, Caller

    settings = common.settings(store=store_url, base_uri=base_uri)
    target = common.writer(settings, acting)
    if isinstance(target, ServerLink):
        graphs = target.call("DELETE", f"/api/admin/mappings/{quote(set_id, safe='')}")["deleted"]
        for graph in graphs:
            click.echo(f"deleted {graph}")
        return
    with target as store:
        try:
            graphs = delete_mapping_set(
                store,
                settings.base_uri,
                Caller(publisher=acting, role="admin", token_id=CLI_TOKEN_ID),
                set_id,
            )
        except MappingError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    for graph in graphs:
        click.echo(f"deleted {graph}")


@mappings.command("export")
@click.argument("set_id")
@click.option("--version", type=int, help="A version other than the current one.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (default: stdout).")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def export(
    set_id: str, version: int | None, out: Path | None, store_url: str | None, base_uri: str | None
) -> None:
    """Write a stored mapping set as SSSOM/TSV (metadata embedded)."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.mapping.sets import MappingError, read_set
    from registry.mapping.sssom import write_sssom

    settings = common.settings(store=store_url, base_uri=base_uri)
    with common.open_store(settings, read_only=True) as store:
        try:
            mset, version = read_set(store, settings.base_uri, set_id, version)
        except MappingError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    text = write_sssom(
        mset,
        mapping_set_id=f"{settings.base_uri}dataset/{set_id}/{version}",
        version=version,
        base_prefixes={"efreg": settings.base_uri},
    )
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@mappings.command("list")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def list_(store_url: str | None, base_uri: str | None) -> None:
    """List the stored mapping set versions."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.mapping.sets import list_sets

    settings = common.settings(store=store_url, base_uri=base_uri)
    with common.open_store(settings, read_only=True) as store:
        for s in list_sets(store, settings.base_uri):
            click.echo(f"{s['mappings']:>6}  {s['iri']}  {s['title']}")


@mappings.command("crosswalk")
@click.argument("concept")
@click.option("--related", is_flag=True, help="Also follow skos:relatedMatch.")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def crosswalk(concept: str, related: bool, store_url: str | None, base_uri: str | None) -> None:
    """The factors that correspond to a partner CONCEPT (an IRI), as JSON."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.mapping.crosswalk import crosswalk as run
    from registry.mapping.crosswalk import to_json

    settings = common.settings(store=store_url, base_uri=base_uri)
    with common.open_store(settings, read_only=True) as store:
        matches = to_json(run(store, settings.base_uri, concept, include_related=related))
    click.echo(
        json.dumps(
            {"concept": concept, "count": len(matches), "factors": matches}, ensure_ascii=False, indent=2
        )
    )
