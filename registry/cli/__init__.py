"""The ``efreg`` command.

Exit statuses: 0 success; 1 the data does not conform to the shapes (nothing stored);
2 bad input or bad usage (a file that does not parse, an unknown store URL, a base-URI mismatch).
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import click

from registry import __version__
from registry.cli import common, remote
from registry.cli.calculate import calculate
from registry.cli.common import BASE_HELP, STORE_HELP
from registry.cli.datasets import dataset, publisher, token
from registry.cli.mappings import harvest, mappings
from registry.cli.pact import pact
from registry.cli.remote import ServerLink

# Imports of the store, rdflib, Flask and the ingest stack stay inside the commands that use them, so
# that ``efreg --help`` and the start of ``efreg serve`` load only what they need ("start-up" below).


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="efreg")
def main() -> None:
    """efreg — an open linked-data registry of greenhouse-gas emission factors.

    Every command reads its defaults from EFREG_* environment variables (or a TOML file named by
    EFREG_CONFIG) and takes --store / --base-uri to override them.
    """


@main.command()
@click.option("--host", help="Interface to listen on. [default 127.0.0.1; env EFREG_HOST]")
@click.option("--port", type=int, help="TCP port. [default 8080; env EFREG_PORT]")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
@click.option("--workers", type=int, help="Worker threads of the WSGI server. [default 8]")
@click.option("--no-seeds", is_flag=True, help="Do not load the seed datasets missing from the store.")
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Serve HTTPS with this PEM certificate (chain) instead of HTTP (needs --tls-key).",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The PEM private key of --tls-cert.",
)
@click.option(
    "--no-samples",
    is_flag=True,
    help="Do not load the sample data (TianGong, Open Emission Factors DB) on a first run. [env EFREG_LOAD_SAMPLES]",
)
def serve(
    host: str | None,
    port: int | None,
    store_url: str | None,
    base_uri: str | None,
    workers: int | None,
    no_seeds: bool,
    no_samples: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Serve the registry over HTTP with a production WSGI server (waitress), or over HTTPS with
    --tls-cert/--tls-key (cheroot, which speaks TLS itself; for tests and small deployments: in
    production a reverse proxy terminates TLS, see docs/pact.md).

    Loads the seed datasets (seeds/*.trig) the store does not hold yet (on first start: all of them),
    whatever else it holds (tokens, publishers, mapping sets made before the first start), and the
    sample data (the TianGong ILCD sample, MIT; the Open Emission Factors DB, CC BY-SA 4.0) when
    its datasets are not there yet.
    """
    import waitress

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")

    # start-up: `efreg --help` loads none of these; `serve` loads them once
    from registry.ingest.seeds import SAMPLES, load_first_run
    from registry.publishing import access
    from registry.publishing.workflow import recover
    from registry.store import server_file
    from registry.store.server_file import LocalCredential
    from registry.web import create_app, limits

    settings = common.settings(
        host=host,
        port=port,
        store=store_url,
        base_uri=base_uri,
        workers=workers,
        load_seeds=False if no_seeds else None,
        load_samples=False if no_samples else None,
    )
    store = common.open_store(settings)
    for graph in recover(store, settings.base_uri):  # graphs an interrupted upload left behind
        click.echo(f"dropped {graph} (left by an interrupted upload)", err=True)
    if settings.load_seeds:
        update, close = common.progress("first run: loading the seeds and the sample data")
        loaded, samples = load_first_run(
            store, settings.base_uri, samples=settings.load_samples, progress=update
        )
        close()
        if loaded:
            click.echo(f"loaded {loaded} seed quads into {_shown(store, settings.store)}", err=True)
        if samples:
            click.echo(
                f"loaded the sample data: {', '.join(samples)} (--no-samples to leave it out)", err=True
            )
            # a release like any other: the PACT footprints of the published process datasets
            from registry.pact import records as pact_records  # start-up: when samples were loaded

            for line in pact_records.sync(store, settings.base_uri).lines():
                click.echo(line, err=True)
        elif settings.load_samples and not any(s.file.is_file() for s in SAMPLES):
            click.echo("no prebuilt sample data in this installation: serving the seeds only", err=True)
    # Work the first request would do, done before listening: the access snapshot (cached until the
    # next write) and pyparsing's preparation of the SPARQL grammar.
    if access.generation(store) is not None:
        access.snapshot(store)
    _warm_sparql_parser()
    store.compact_after_writes(settings.compact_delay)
    app = create_app(settings, store=store)
    credential, secret = LocalCredential.new()
    app.extensions["efreg.local_credential"] = credential
    if tls_cert is not None and tls_key is not None:
        tls = _tls_server(app, settings, tls_cert, tls_key)  # listening once prepared
        scheme, port, run, close = "https", int(tls.bind_addr[1]), tls.serve, tls.stop
    else:
        server = waitress.create_server(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.workers,
            ident=f"efreg/{__version__}",
            # above every route's own limit, so that the app's 413 names the route's limit and setting
            max_request_body_size=4 * limits.largest(settings),
        )
        scheme, port = "http", int(getattr(server, "effective_port", settings.port))
        run, close = server.run, server.close
    directory = Path(store.path) if getattr(store, "path", None) else None  # an embedded store on disk
    if directory is not None:  # beside the store: how `efreg` commands reach this server
        url = server_file.client_url(settings.host, port, scheme)
        server_file.write(directory, url, secret, settings.store, tls_cert)
    click.echo(  # the base URI is the registry's one address (VoID, the service description, IRIs)
        f"efreg {__version__} serving {_shown(store, settings.store)} at {settings.base_uri} "
        f"(listening on {scheme}://{settings.host}:{port}/)",
        err=True,
    )
    signal.signal(signal.SIGTERM, _stop)
    # Reads under writes: a thread that gave up the GIL (a socket send, a store query, a lock) waits
    # for it up to the switch interval while another computes; a read does that dozens of times, so
    # at the default 5 ms one CPU-heavy build or write made every read around it slow (issue 14).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        run()
    except (KeyboardInterrupt, SystemExit):
        click.echo("efreg serve: stopping", err=True)
    finally:
        sys.setswitchinterval(interval)  # served in process (a test): the caller's own again
        if directory is not None:
            server_file.remove(directory)
        close()
        store.close()


#: seconds (Python's default 0.005): see ``serve``
SWITCH_INTERVAL = 0.0005


def _stop(signum: int, frame: object) -> None:
    """SIGTERM: a clean shutdown (the file beside the store removed, the store flushed)."""
    raise SystemExit(0)


def _tls_server(app: object, settings: object, cert: Path, key: Path) -> Any:
    """HTTPS with cheroot (CherryPy's WSGI server: a thread pool, its own TLS through the standard
    ``ssl`` module), prepared (listening): ``serve()`` runs it. Waitress speaks no TLS; werkzeug's
    server is for development only."""
    from cheroot import wsgi  # start-up: only for HTTPS
    from cheroot.ssl.builtin import BuiltinSSLAdapter  # start-up: only for HTTPS

    server = wsgi.Server(
        (settings.host, settings.port),  # type: ignore[attr-defined]
        app,
        numthreads=settings.workers,  # type: ignore[attr-defined]
        server_name=f"efreg/{__version__}",
    )
    server.max_request_body_size = settings.max_upload_bytes  # type: ignore[attr-defined]
    try:
        server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
    except Exception as exc:  # noqa: BLE001 - ssl raises several kinds for an unreadable cert or key
        raise click.UsageError(f"cannot use {cert} / {key} for TLS: {exc}") from None
    server.prepare()
    return server


def _warm_sparql_parser() -> None:
    """Parse one query, so that pyparsing prepares rdflib's SPARQL grammar (36-72 ms measured) at
    start-up rather than in the first request."""
    from rdflib.plugins.sparql.parser import parseQuery

    parseQuery("ASK { ?s ?p ?o }")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    metavar="F",
    help="Input format: ilcd, tidas, oefdb-csv, csv (efreg template), "
    "turtle, trig, ntriples, nquads, jsonld, rdfxml, zip (default: from the file name and content).",
)
@click.option("--dataset", metavar="ID", help="Dataset identifier the data is stored under.")
@click.option("--publisher", metavar="ID", help="Publisher identifier (publisher/ID).")
@click.option("--dry-run", is_flag=True, help="Validate and report, store nothing.")
@click.option("--encoding", metavar="NAME", help="Encoding of CSV input (default: detected; e.g. gb18030).")
@click.option(
    "--publish-contacts",
    is_flag=True,
    help="Publish ILCD contact details (names, e-mail). By default only organisations and roles.",
)
@common.REPORT_OPTION
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the printed report.",
)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def load(
    paths: tuple[Path, ...],
    fmt: str | None,
    dataset: str | None,
    publisher: str | None,
    dry_run: bool,
    encoding: str | None,
    publish_contacts: bool,
    report_path: Path | None,
    lang: str,
    store_url: str | None,
    base_uri: str | None,
) -> None:
    """Import files (RDF, ILCD XML, TIDAS JSON, CSV, ZIP) through the gate (SHACL validation) into the store.

    Nothing is stored when the data violates a shape (exit 1) or does not parse (exit 2).
    """
    from registry.ingest import IngestError, NothingImported  # start-up: the ingest stack, when used
    from registry.ingest.loads import load_files
    from registry.publishing.tokens import CLI_TOKEN_ID, Caller
    from registry.store import RDFParseError

    settings = common.settings(store=store_url, base_uri=base_uri)
    # a dry run writes nothing anywhere: the store read-only; a load through the server that holds it
    store = common.writer(settings, dry_run=dry_run)
    if isinstance(store, ServerLink):
        _load_through(store, paths, fmt, dataset, publisher, encoding, publish_contacts, report_path, lang)
        return
    update, close = common.progress("importing")
    try:
        outcome = load_files(
            store,
            settings,
            Caller(publisher="efreg", role="admin", token_id=CLI_TOKEN_ID),
            list(paths),
            format=fmt,
            dataset_id=dataset,
            publisher=publisher,
            dry_run=dry_run,
            encoding=encoding,
            publish_contacts=publish_contacts,
            progress=update,
        )
    except (IngestError, RDFParseError) as exc:
        close()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1 if isinstance(exc, NothingImported) else 2)  # 1: read, but every row refused
    finally:
        store.close()
    close()
    for line in outcome.pact_lines:
        click.echo(line, err=True)
    from registry.cli.reports import echo_outcome  # start-up: when an import ran

    echo_outcome(outcome.outcome.result, outcome.outcome.report, lang, report_path)
    click.echo(outcome.summary())
    if not outcome.conforms:
        sys.exit(1)


def _load_through(
    link: ServerLink,
    paths: tuple[Path, ...],
    fmt: str | None,
    dataset: str | None,
    publisher: str | None,
    encoding: str | None,
    publish_contacts: bool,
    report_path: Path | None,
    lang: str,
) -> None:
    """``efreg load`` through the running server (the same function, its report as JSON), printed
    and written as :func:`registry.cli.reports.echo_outcome` does."""
    from registry.cli.reports import HINT  # start-up: when an import ran
    from registry.ingest.base import Skipped
    from registry.ingest.outcome_text import full_text

    params = {
        "format": fmt,
        "dataset": dataset,
        "publisher": publisher,
        "encoding": encoding,
        "publish_contacts": "true" if publish_contacts else None,
        "lang": lang,
        "report_turtle": "true" if report_path is not None and report_path.suffix == ".ttl" else None,
    }
    answer = link.call(
        "POST",
        "/api/admin/loads",
        params=params,
        json_body=remote.local_paths(list(paths)),
        ok=(200, 201, 422),
    )
    for line in answer["pact"]:
        click.echo(line, err=True)
    if answer["report_summary"]:
        click.echo(answer["report_summary"], err=True)
    if report_path is not None:
        skipped = [Skipped(**s) for s in answer["skipped"]]
        if report_path.suffix == ".json":
            body = {**answer["report"], "read": answer["read"], "imported": answer["imported"]}
            report_path.write_text(remote.dumps({**body, "skipped": answer["skipped"]}), encoding="utf-8")
        elif report_path.suffix == ".ttl":
            report_path.write_text(answer["report_turtle"], encoding="utf-8")
        else:
            text = full_text(
                answer["counts"], skipped, [answer["report_text"]] if answer["report_text"] else []
            )
            report_path.write_text(text, encoding="utf-8")
        click.echo(f"full report: {report_path}", err=True)
    elif answer["long"]:
        click.echo(HINT, err=True)
    click.echo(answer["summary"])
    if not answer["conforms"]:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", metavar="F", help="Input format (default: from the file name and content).")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh", "both"]),
    default="both",
    show_default=True,
    help="Language of the report.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--validator",
    type=click.Choice(["pyshacl", "fast"]),
    default="pyshacl",
    show_default=True,
    help="pySHACL (the reference) or the compiled validator the import gate uses (same verdicts).",
)
@common.REPORT_OPTION
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def validate(
    paths: tuple[Path, ...],
    fmt: str | None,
    lang: str,
    as_json: bool,
    validator: str,
    report_path: Path | None,
    base_uri: str | None,
) -> None:
    """Check files against the SHACL shapes (all files together, with the reference data).

    More than 20 results (or records left out) print as a summary by rule: count and two examples;
    --report FILE writes all of them. Exit 0 when they conform (warnings allowed), 1 on a violation,
    2 when a file does not parse.
    """
    from registry.cli.reports import echo_outcome, write_report  # start-up: when used
    from registry.ingest import IngestError, NothingImported, read_paths
    from registry.store import RDFParseError
    from registry.validation.fast import get_validator

    settings = common.settings(base_uri=base_uri)
    try:
        result = read_paths(
            list(paths),
            format=fmt,
            base_uri=settings.base_uri,
            dataset_id="validate",
            publisher=None,
            settings=settings,
        )
    except (IngestError, RDFParseError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1 if isinstance(exc, NothingImported) else 2)  # 1: nothing would be stored
    report = get_validator(validator)(result.dataset, base_iri=settings.base_uri)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        if report_path is not None:
            write_report(result, report, report_path, lang)
    else:  # as `efreg load` prints it: records left out and results, summarised by rule when many
        echo_outcome(result, report, lang, report_path, err=False)
        click.echo(
            ("conforms" if report.conforms else "does not conform")
            + f": {len(report.violations)} violation(s), {len(report.warnings)} warning(s); {result.summary()}"
        )
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["nquads", "trig"]), default="nquads", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Output file (default: standard output).")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
def dump(fmt: str, out: Path | None, store_url: str | None, base_uri: str | None) -> None:
    """Write every graph of the store (but its own system graph) as N-Quads or TriG."""
    settings = common.settings(store=store_url, base_uri=base_uri)
    with common.open_store(settings, read_only=True) as store:
        if out is None:
            store.dump(sys.stdout.buffer, fmt)
        else:
            with out.open("wb") as fh:
                store.dump(fh, fmt)


@main.command()
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--base-uri", metavar="URI", help=BASE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def info(store_url: str | None, base_uri: str | None, as_json: bool) -> None:
    """Show the store, the base URI, and every graph with its triple count."""
    from registry.rdf.namespaces import SYSTEM_GRAPH  # start-up: rdflib, when used

    settings = common.settings(store=store_url, base_uri=base_uri)
    with common.open_store(settings, read_only=True) as store:
        graphs = {g: n for g, n in sorted(store.graphs().items()) if g != SYSTEM_GRAPH}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "version": __version__,
                    "store": settings.store,
                    "base_uri": settings.base_uri,
                    "graphs": graphs,
                    "triples": sum(graphs.values()),
                },
                indent=2,
            )
        )
        return
    click.echo(f"efreg {__version__}\nstore     {settings.store}\nbase URI  {settings.base_uri}")
    click.echo(f"graphs    {len(graphs)} ({sum(graphs.values())} triples)")
    for graph, count in graphs.items():
        click.echo(f"  {count:>9}  {graph}")


for command in (harvest, mappings, token, publisher, dataset, calculate, pact):
    main.add_command(command)


def _shown(store: object, url: str) -> str:
    """The store as a log line may show it: a remote store's endpoint without its credentials."""
    return str(getattr(store, "endpoint_display", url))
