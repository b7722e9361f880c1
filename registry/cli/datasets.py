"""``efreg token …`` and ``efreg dataset …``: the publishing workflow for administrators.

The commands act as an admin of the organisation named by ``--as`` (default ``efreg``), so the rules
of the API hold: an organisation does not approve its own data. They call the functions the HTTP API
calls (:mod:`registry.publishing.admin`, :mod:`registry.publishing.workflow`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import click

from registry.cli import common
from registry.cli.remote import ServerLink, local_paths

if TYPE_CHECKING:  # the store, rdflib and the workflow are imported by the commands that use them
    from registry.publishing.tokens import Caller
    from registry.store import Store

#: :data:`registry.publishing.tokens.ROLES`, spelled out so that ``efreg --help`` need not import rdflib
#: (tests/test_cli.py checks that they agree).
ROLES = ("publisher", "reviewer", "admin")

STORE_OPTION = click.option("--store", "store_url", metavar="URL", help="Store URL. [env EFREG_STORE]")
BASE_OPTION = click.option("--base-uri", metavar="URI", help="Base URI. [env EFREG_BASE_URI]")
AS_OPTION = click.option(
    "--as",
    "acting",
    metavar="PUBLISHER",
    default="efreg",
    show_default=True,
    help="The organisation this administrator acts for (recorded with PROV).",
)


def _open(store_url: str | None, base_uri: str | None, *, read_only: bool = False) -> tuple[Store, str]:
    settings = common.settings(store=store_url, base_uri=base_uri)
    return common.open_store(settings, read_only=read_only), settings.base_uri


def _writer(
    store_url: str | None, base_uri: str | None, acting: str = "efreg", dry_run: bool = False
) -> tuple[Any, str]:
    """The store, or the running server that holds it (:func:`registry.cli.common.writer`); a dry
    run: the store read-only."""
    settings = common.settings(store=store_url, base_uri=base_uri)
    return common.writer(settings, acting, dry_run), settings.base_uri


def _admin(acting: str) -> Caller:
    return common.cli_caller(acting)


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


@click.group()
def token() -> None:
    """Create, list and revoke API tokens (sent as Authorization: Bearer …)."""


@token.command("create")
@click.option(
    "--publisher", required=True, metavar="ID", help="The organisation (publisher/ID) the token is for."
)
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the token may do.")
@click.option("--name", metavar="NAME", help="The organisation's name, recorded in the catalog when new.")
@AS_OPTION
@STORE_OPTION
@BASE_OPTION
def token_create(
    publisher: str, role: str, name: str | None, acting: str, store_url: str | None, base_uri: str | None
) -> None:
    """Issue a token; it is printed once and stored only as a salted hash."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import admin
    from registry.publishing.workflow import PublishingError

    store, base = _writer(store_url, base_uri, acting)
    if isinstance(store, ServerLink):
        body = {"publisher": publisher, "role": role, "name": name}
        click.echo(store.call("POST", "/api/admin/tokens", json_body=body)["token"])
        return
    try:
        click.echo(admin.issue_token(store, base, _admin(acting), publisher, role, name).secret)  # type: ignore[arg-type]
    except (PublishingError, ValueError) as exc:
        _fail(str(exc))
    finally:
        store.close()


@token.command("revoke")
@click.argument("token_id")
@AS_OPTION
@STORE_OPTION
@BASE_OPTION
def token_revoke(token_id: str, acting: str, store_url: str | None, base_uri: str | None) -> None:
    """Revoke a token (its id, as `efreg token list` shows, or the whole token)."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import admin
    from registry.publishing.workflow import PublishingError

    store, base = _writer(store_url, base_uri, acting)
    if isinstance(store, ServerLink):
        store.call("DELETE", f"/api/admin/tokens/{quote(token_id, safe='')}")
        click.echo(f"revoked {token_id[:22]}")
        return
    try:
        admin.revoke_token(store, base, _admin(acting), token_id)
        click.echo(f"revoked {token_id[:22]}")
    except PublishingError as exc:
        _fail(str(exc))
    finally:
        store.close()


@token.command("list")
@STORE_OPTION
@BASE_OPTION
def token_list(store_url: str | None, base_uri: str | None) -> None:
    """List tokens: id, publisher, role, created, revoked (never a secret)."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import admin

    store, _ = _open(store_url, base_uri, read_only=True)
    with store:
        for t in admin.list_tokens(store, _admin("efreg")):
            click.echo(
                f"{t.token_id}  {t.publisher:<20} {t.role:<9} {t.created or '-'}"
                + (f"  revoked {t.revoked}" if t.revoked else "")
            )


@click.group()
def publisher() -> None:
    """Create, rename and list organisations (publisher/ID)."""


@publisher.command("create")
@click.argument("publisher_id")
@click.option("--name", required=True, metavar="NAME", help="Its name in English.")
@click.option("--name-zh", metavar="NAME", help="Its name in Chinese.")
@AS_OPTION
@STORE_OPTION
@BASE_OPTION
def publisher_create(
    publisher_id: str,
    name: str,
    name_zh: str | None,
    acting: str,
    store_url: str | None,
    base_uri: str | None,
) -> None:
    """Describe a new organisation in the catalog."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import admin
    from registry.publishing.workflow import PublishingError

    store, base = _writer(store_url, base_uri, acting)
    if isinstance(store, ServerLink):
        body = {"id": publisher_id, "name": name, "name_zh": name_zh}
        click.echo(f"created {store.call('POST', '/api/admin/publishers', json_body=body)['iri']}")
        return
    try:
        made = admin.create_publisher(store, base, _admin(acting), publisher_id, name, name_zh)
        click.echo(f"created {made.iri}")
    except (PublishingError, ValueError) as exc:
        _fail(str(exc))
    finally:
        store.close()


@publisher.command("rename")
@click.argument("publisher_id")
@click.option("--name", metavar="NAME", help="Its new name in English.")
@click.option("--name-zh", metavar="NAME", help="Its new name in Chinese.")
@AS_OPTION
@STORE_OPTION
@BASE_OPTION
def publisher_rename(
    publisher_id: str,
    name: str | None,
    name_zh: str | None,
    acting: str,
    store_url: str | None,
    base_uri: str | None,
) -> None:
    """Give an organisation created with `efreg publisher create` (or a token) new names."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import admin
    from registry.publishing.workflow import PublishingError

    store, base = _writer(store_url, base_uri, acting)
    if isinstance(store, ServerLink):
        body = {"name": name, "name_zh": name_zh}
        answer = store.call("PATCH", f"/api/admin/publishers/{quote(publisher_id, safe='')}", json_body=body)
        click.echo(f"renamed {answer['iri']}: " + _names(answer["names"]))
        return
    try:
        renamed = admin.rename_publisher(store, base, _admin(acting), publisher_id, name, name_zh)
        click.echo(f"renamed {renamed.iri}: " + _names(renamed.names))
    except (PublishingError, ValueError) as exc:
        _fail(str(exc))
    finally:
        store.close()


def _names(names: dict[str, str]) -> str:
    return ", ".join(f"{v}@{k}" for k, v in sorted(names.items()))


@publisher.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@STORE_OPTION
@BASE_OPTION
def publisher_list(as_json: bool, store_url: str | None, base_uri: str | None) -> None:
    """Every organisation: id, live tokens, names."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import admin

    store, base = _open(store_url, base_uri, read_only=True)
    with store:
        found = admin.publishers(store, base)
    if as_json:
        click.echo(json.dumps([p.to_json() for p in found], ensure_ascii=False, indent=2))
        return
    for p in found:
        names = ", ".join(f"{v}@{k}" for k, v in sorted(p.names.items()))
        click.echo(f"{p.id:<24} {p.tokens:>3} token(s)  {names}")


@click.group()
def dataset() -> None:
    """Upload, review, release, withdraw and diff dataset versions; grant commercial access."""


@dataset.command("upload")
@click.argument("dataset_id")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--publisher", required=True, metavar="ID", help="The publisher the version is uploaded for.")
@click.option("--format", "fmt", metavar="F", help="Input format (default: from the file name and content).")
@click.option(
    "--access", "level", type=click.Choice(["open", "commercial"]), default="open", show_default=True
)
@click.option("--dry-run", is_flag=True, help="Validate only; store nothing.")
@STORE_OPTION
@BASE_OPTION
def dataset_upload(
    dataset_id: str,
    paths: tuple[Path, ...],
    publisher: str,
    fmt: str | None,
    level: str,
    dry_run: bool,
    store_url: str | None,
    base_uri: str | None,
) -> None:
    """Store the next version of DATASET_ID as a draft (exit 1 when it violates a shape)."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.ingest import IngestError, NothingImported
    from registry.publishing.workflow import PublishingError, upload

    store, base = _writer(store_url, base_uri, publisher, dry_run)
    if isinstance(store, ServerLink):
        answer = store.call(
            "POST",
            f"/api/datasets/{quote(dataset_id, safe='')}/versions",  # a dry run reads the store itself
            params={"access": level, "format": fmt},
            json_body=local_paths(list(paths)),
            ok=(200, 201, 422),
        )
        if answer.get("report_text"):
            click.echo(answer["report_text"], err=True)
        stored = f"stored {answer['iri']} as a draft" if answer["stored"] else "nothing stored"
        click.echo(f"{answer['summary']}; {stored}")
        if not answer["report"].get("conforms", True):
            sys.exit(1)
        return
    settings = common.settings(store=store_url, base_uri=base_uri)
    try:
        outcome = upload(
            store,
            settings,
            _admin(publisher),
            dataset_id,
            list(paths),
            format=fmt,
            access_level=level.capitalize(),
            dry_run=dry_run,
        )
    except (IngestError, PublishingError) as exc:
        _fail(str(exc), 1 if isinstance(exc, NothingImported) else 2)  # 1: every row refused
        return
    finally:
        store.close()
    from registry.cli.reports import echo_outcome  # start-up: when an upload ran

    echo_outcome(outcome.result, outcome.report, "en", None)
    click.echo(
        f"{outcome.result.counts()}; "
        + (f"stored {outcome.graph} as a draft" if outcome.stored else "nothing stored")
    )
    if not outcome.report.conforms:
        sys.exit(1)


def _act(action: str):
    @click.argument("dataset_id")
    @click.argument("version")
    @click.option("--comment", metavar="TEXT", help="Recorded with the state change.")
    @AS_OPTION
    @STORE_OPTION
    @BASE_OPTION
    def command(
        dataset_id: str,
        version: str,
        comment: str | None,
        acting: str,
        store_url: str | None,
        base_uri: str | None,
    ) -> None:
        # start-up: loaded when the command runs, not for `efreg --help`
        from registry.publishing.workflow import PublishingError, act

        store, base = _writer(store_url, base_uri, acting)
        if isinstance(store, ServerLink):
            path = f"/api/datasets/{quote(dataset_id, safe='')}/versions/{quote(version, safe='')}/"
            answer = store.call(
                "POST", path + ("comments" if action == "comment" else action), json_body={"comment": comment}
            )
            click.echo(f"{answer['iri']}: {answer['status']}")
            return
        try:
            v = act(store, base, _admin(acting), dataset_id, version, action, comment)
            click.echo(f"{v.graph}: {(v.status or '').lower()}")
        except PublishingError as exc:
            _fail(str(exc))
        finally:
            store.close()

    command.__doc__ = f"{action.capitalize()} version VERSION of DATASET_ID (acting for --as)."
    return dataset.command(action if action != "comment" else "comment")(command)


for _action in ("submit", "approve", "reject", "withdraw", "comment"):
    _act(_action)


@dataset.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@STORE_OPTION
@BASE_OPTION
def dataset_list(as_json: bool, store_url: str | None, base_uri: str | None) -> None:
    """Every dataset version with its status, access level and publisher."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import access

    store, base = _open(store_url, base_uri, read_only=True)
    with store:
        versions = sorted(access.snapshot(store).versions.values(), key=lambda v: v.graph)
    rows = [
        {
            "graph": v.graph,
            "status": (v.status or "").lower(),
            "access": (v.access or "").lower(),
            "publisher": v.publisher,
        }
        for v in versions
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['status']:<10} {r['access']:<10} {r['graph']}  ({r['publisher']})")


@dataset.command("diff")
@click.argument("dataset_id")
@click.argument("old")
@click.argument("new")
@STORE_OPTION
@BASE_OPTION
def dataset_diff(dataset_id: str, old: str, new: str, store_url: str | None, base_uri: str | None) -> None:
    """Factors added, removed and changed (old → new values) between two versions, as JSON."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import access, catalog
    from registry.publishing.workflow import PublishingError, find_version

    store, base = _open(store_url, base_uri, read_only=True)
    try:
        a, b = find_version(store, base, dataset_id, old), find_version(store, base, dataset_id, new)
        result = catalog.diff(store, a.graph, b.graph, access.all_graphs(store))
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    except PublishingError as exc:
        _fail(str(exc))
    finally:
        store.close()


@dataset.command("grant")
@click.argument("dataset_id")
@click.argument("publisher")
@click.option("--revoke", is_flag=True, help="Revoke the grant instead.")
@AS_OPTION
@STORE_OPTION
@BASE_OPTION
def dataset_grant(
    dataset_id: str, publisher: str, revoke: bool, acting: str, store_url: str | None, base_uri: str | None
) -> None:
    """Let PUBLISHER's tokens read the values of commercial dataset DATASET_ID (or --revoke)."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing.workflow import PublishingError, grant

    store, base = _writer(store_url, base_uri, acting)
    if isinstance(store, ServerLink):
        grants = f"/api/datasets/{quote(dataset_id, safe='')}/grants"
        if revoke:
            store.call("DELETE", f"{grants}/{quote(publisher, safe='')}")
        else:
            store.call("POST", grants, json_body={"publisher": publisher})
        who = f"{base}publisher/{publisher.rsplit('publisher/', 1)[-1]}"
        click.echo(("revoked " if revoke else "granted ") + f"{dataset_id} to {who}")
        return
    try:
        who = grant(store, base, _admin(acting), dataset_id, publisher, revoke=revoke)
        click.echo(("revoked " if revoke else "granted ") + f"{dataset_id} to {who}")
    except (PublishingError, ValueError) as exc:
        _fail(str(exc))
    finally:
        store.close()


@dataset.command("recover")
@AS_OPTION
@STORE_OPTION
@BASE_OPTION
def dataset_recover(acting: str, store_url: str | None, base_uri: str | None) -> None:
    """Drop graphs an interrupted upload left behind (efreg serve does this at start)."""
    # start-up: loaded when the command runs, not for `efreg --help`
    from registry.publishing import admin

    store, base = _writer(store_url, base_uri, acting)
    if isinstance(store, ServerLink):
        dropped = store.call("POST", "/api/admin/recover")["dropped"]
    else:
        with store:
            dropped = admin.recover_graphs(store, base, _admin(acting))
    for graph in dropped:
        click.echo(f"dropped {graph}")
