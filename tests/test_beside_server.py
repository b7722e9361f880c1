"""Every ``efreg`` command while ``efreg serve`` runs on the same store (real processes, ``--store``
through ``EFREG_STORE`` and nothing else): commands that write go through the server, commands that
read open the store read-only, each saying so on stderr; a clean stop removes the server's file; a
stale file or a store locked by something else gets a message saying what to do (exit 2)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import requests

from registry.cli import main, remote
from registry.store import server_file

from conftest import BASE, DATA, ROOT, free_port, require_tool
from served import EFREG, efreg, efreg_serve, environ, partner  # noqa: F401  (fixture)

SSSOM = DATA / "mapping" / "partner-sources.sssom.tsv"
SLICE = DATA / "ingest" / "oefdb" / "oefdb-slice.csv"
EXAMPLE = ROOT / "docs" / "examples" / "efreg-template-example.csv"
THROUGH = "holds the store: sent through it"
READ_ONLY = "holds the store: read it read-only"
covered: set[tuple[str, ...]] = set()


def run(url: str, *args: str, expect: str | None = THROUGH, status: int = 0, **env: str):
    """``efreg ARGS`` as a process; checks its exit status and what it says it did."""
    done = efreg(url, *args, **env)
    assert done.returncode == status, (args, done.stdout, done.stderr)
    if expect is not None:
        assert expect in done.stderr, (args, done.stderr)
    covered.add(command_of(args))
    return done


def command_of(args: tuple[str, ...]) -> tuple[str, ...]:
    """The words of ``args`` naming the command (``pact client create``; ``dataset list``)."""
    words, group = [], main
    for word in args:
        cmd = group.commands.get(word)
        if cmd is None:
            break
        words.append(word)
        if not isinstance(cmd, click.Group):
            break
        group = cmd
    return tuple(words)


def leaf_commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command, as the words naming it (``("pact", "client", "create")``)."""
    out = set()
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out |= leaf_commands(cmd, (*prefix, name))
        else:
            out.add((*prefix, name))
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str, Path]]:
    """``efreg serve`` on a fresh on-disk store: (root URL, store URL, store directory)."""
    where = tmp_path_factory.mktemp("beside") / "store"
    url = "oxigraph://" + where.as_posix()
    with efreg_serve(url) as (root, _proc):
        yield root, url, where


def test_the_server_leaves_a_file_only_its_owner_reads(served):
    root, url, where = served
    info = server_file.read(where)
    assert info is not None and info.url == root and info.alive and info.store == url
    assert stat.S_IMODE(os.stat(info.path).st_mode) == 0o600
    second = efreg(url, "serve", "--port", "1")
    assert second.returncode == 2 and f"served by efreg serve (pid {info.pid})" in second.stderr
    covered.add(("serve",))
    valid = efreg(url, "validate", str(EXAMPLE))  # reads files only: works anywhere
    assert valid.returncode == 0, valid.stderr
    covered.add(("validate",))


def test_writes_go_through_the_server_and_reads_open_read_only(served, partner):  # noqa: F811
    root, url, where = served
    # organisations and tokens
    assert run(url, "publisher", "create", "acme", "--name", "ACME", "--name-zh", "艾克米").stdout.startswith(
        "created " + BASE + "publisher/acme"
    )
    assert "ACME Energy@en" in run(url, "publisher", "rename", "acme", "--name", "ACME Energy").stdout
    listed = run(url, "publisher", "list", "--json", expect=READ_ONLY)
    assert any(p["id"] == "acme" and p["names"]["en"] == "ACME Energy" for p in json.loads(listed.stdout))
    token = run(url, "token", "create", "--publisher", "acme", "--role", "publisher").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(root + "api/datasets", headers=auth, timeout=10).status_code == 200
    token_id = token.split("_")[1]
    assert token_id in run(url, "token", "list", expect=READ_ONLY).stdout
    run(url, "token", "revoke", token_id)
    assert requests.get(root + "api/datasets", headers=auth, timeout=10).status_code == 401
    # a bulk load, first dry (read-only), then for real: the server answers with it at once
    dry = run(
        url,
        "load",
        "--dry-run",
        "--dataset",
        "example",
        "--publisher",
        "acme",
        str(EXAMPLE),
        expect=READ_ONLY,
    )
    assert "nothing stored (dry run)" in dry.stdout
    loaded = run(url, "load", "--dataset", "example", "--publisher", "acme", str(EXAMPLE))
    assert f"stored in {BASE}dataset/example/1" in loaded.stdout
    assert requests.get(root + "api/datasets/example", timeout=10).status_code == 200
    # many warnings: the summary by rule, as a load on the store prints it, and the whole --report
    report = where.parent / "slice-report.txt"
    sliced = run(
        url, "load", "--dataset", "oefdb-slice", "--publisher", "acme", str(SLICE), "--report", str(report)
    )
    blocks = re.findall(r"^\[Warning\] (\S+) .*× ([\d,]+)$", sliced.stderr, flags=re.M)
    assert ("efsh:Factor-label-zh", "92") in blocks and "Focus node:" not in sliced.stderr, sliced.stderr
    assert f"full report: {report}" in sliced.stderr
    text = report.read_text(encoding="utf-8")
    assert text.startswith("read 92, imported 92") and text.count("Focus node:") == sum(
        int(n) for _, n in blocks
    )
    # the publishing workflow
    body = _factors("acme-fuels", 1, where.parent)
    upload = run(
        url, "dataset", "upload", "acme-fuels", str(body), "--publisher", "acme", "--access", "commercial"
    )
    assert f"stored {BASE}dataset/acme-fuels/1 as a draft" in upload.stdout
    run(url, "dataset", "comment", "acme-fuels", "1", "--comment", "looks right", "--as", "acme")
    run(url, "dataset", "submit", "acme-fuels", "1", "--as", "acme")
    own = run(url, "dataset", "approve", "acme-fuels", "1", "--as", "acme", expect=THROUGH, status=2)
    assert "own data" in own.stderr
    assert "published" in run(url, "dataset", "approve", "acme-fuels", "1").stdout
    assert (
        f"granted acme-fuels to {BASE}publisher/beta"
        in run(url, "dataset", "grant", "acme-fuels", "beta").stdout
    )
    run(url, "dataset", "grant", "acme-fuels", "beta", "--revoke")
    versions = json.loads(run(url, "dataset", "list", "--json", expect=READ_ONLY).stdout)
    assert any(v["graph"] == BASE + "dataset/acme-fuels/1" and v["status"] == "published" for v in versions)
    diff = run(url, "dataset", "diff", "acme-fuels", "1", "1", expect=READ_ONLY)
    assert json.loads(diff.stdout)["changed"] == []
    run(url, "dataset", "withdraw", "acme-fuels", "1")
    run(
        url,
        "dataset",
        "upload",
        "acme-fuels",
        str(_factors("acme-fuels", 2, where.parent)),
        "--publisher",
        "acme",
    )
    run(url, "dataset", "submit", "acme-fuels", "2", "--as", "acme")
    assert "rejected" in run(url, "dataset", "reject", "acme-fuels", "2", "--comment", "duplicate").stdout
    assert run(url, "dataset", "recover").stdout == ""
    # mapping sets
    imported = run(url, "mappings", "import", str(SSSOM), "--set-id", "partner-sources")
    assert f"stored {BASE}dataset/partner-sources/1" in imported.stdout
    assert "partner-sources" in run(url, "mappings", "list", expect=READ_ONLY).stdout
    sssom = run(url, "mappings", "export", "partner-sources", expect=READ_ONLY).stdout
    assert "mapping_set_id" in sssom
    walk = run(url, "mappings", "crosswalk", "https://example.org/ecfkg-test/i/natural_gas", expect=READ_ONLY)
    assert json.loads(walk.stdout)["concept"].endswith("natural_gas")
    # a harvest the administrator allows explicitly (the efreg command on this machine may)
    harvested = run(
        url,
        "harvest",
        partner,
        "--dataset",
        "partner-ecfo",
        "--publisher",
        "partner-kg",
        "--license",
        "https://creativecommons.org/licenses/by/4.0/",
        "--gwp-set",
        "AR5-GWP100",
        "--allow-endpoint",
    )
    assert f"stored as {BASE}dataset/partner-ecfo/1" in harvested.stdout
    assert (
        f"deleted {BASE}dataset/partner-sources/1" in run(url, "mappings", "delete", "partner-sources").stdout
    )
    # a calculation keeps its receipt in the store: through the server
    calc = run(
        url,
        "calculate",
        "--activity",
        "natural-gas-combustion",
        "--geography",
        "CN",
        "--amount",
        "1",
        "--unit",
        "TJ",
    )
    receipt = next(line.split()[-1] for line in calc.stdout.splitlines() if line.startswith("receipt"))
    assert (
        requests.get(
            receipt.replace(BASE, root), headers={"Accept": "application/json"}, timeout=10
        ).status_code
        == 200
    )
    nothing = run(
        url,
        "calculate",
        "--activity",
        "natural-gas-combustion",
        "--geography",
        "XX",
        "--amount",
        "1",
        "--unit",
        "TJ",
        status=2,
    )
    assert "error:" in nothing.stderr
    # the stores's own views
    info = json.loads(run(url, "info", "--json", expect=READ_ONLY).stdout)
    assert BASE + "dataset/example/1" in info["graphs"]
    assert "dataset/example/1" in run(url, "dump", expect=READ_ONLY).stdout
    # PACT: a data recipient and a derivation go through the server; the export reads the store
    made = json.loads(run(url, "pact", "client", "create", "--name", "Partner GmbH").stdout)
    assert len(made["client_id"]) == 24 and made["client_secret"]
    derived = json.loads(run(url, "pact", "derive", "--json").stdout)
    exported = json.loads(run(url, "pact", "export", expect=READ_ONLY).stdout)
    assert derived["footprints"] == len(exported["data"])
    # every change above was recorded with PROV, by the efreg command's local credential
    log = requests.get(
        root + "api/admin/activities", headers={"Authorization": "Bearer " + _local(url)}, timeout=10
    )
    actions = {a["action"] for a in log.json()["activities"]}
    assert {
        "publisher create",
        "publisher rename",
        "token create",
        "token revoke",
        "load",
        "grant",
    } <= actions
    assert {"mapping set import", "mapping set delete", "harvest"} <= actions
    assert {"PACT client create", "PACT derive"} <= actions


def test_every_command_was_run_beside_the_server(served):
    assert leaf_commands() - covered == set()


def test_a_clean_stop_removes_the_file_and_commands_open_the_store(tmp_path: Path):
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    with efreg_serve(url, "--no-seeds") as (_root, proc):
        assert server_file.read(tmp_path / "store") is not None
        proc.terminate()
        proc.wait(timeout=30)
    assert server_file.read(tmp_path / "store") is None
    made = efreg(url, "publisher", "create", "beta", "--name", "Beta")
    assert made.returncode == 0 and made.stderr == ""


def test_a_stale_file_or_a_store_locked_by_another_process_says_what_to_do(tmp_path: Path):
    where = tmp_path / "store"
    url = "oxigraph://" + where.as_posix()
    assert efreg(url, "dataset", "recover").returncode == 0
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    server_file.write(where, "http://127.0.0.1:9/", "efreg-local_stale", url)
    (where / server_file.NAME).write_text(
        (where / server_file.NAME)
        .read_text()
        .replace(f'"pid": {os.getpid()}', f'"pid": {dead.stdout.strip()}')
    )
    assert not server_file.read(where).alive  # type: ignore[union-attr]
    fine = efreg(url, "publisher", "create", "beta", "--name", "Beta")  # not locked: the file is ignored
    assert fine.returncode == 0, fine.stderr
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import pyoxigraph, sys; s = pyoxigraph.Store({str(where)!r}); print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"  # type: ignore[union-attr]
        refused = efreg(url, "token", "create", "--publisher", "beta", "--role", "reviewer")
        assert refused.returncode == 2
        assert "in use by another process" in refused.stderr and "stale" in refused.stderr
        assert "efreg serve --store" in refused.stderr
        read = efreg(url, "publisher", "list")  # reading needs no lock
        assert read.returncode == 0 and "beta" in read.stdout
    finally:
        holder.communicate("", timeout=30)


def test_commands_beside_an_https_server_pin_its_certificate(tmp_path: Path):
    """``efreg serve --tls-cert/--tls-key`` leaves the file too, naming its https address and its
    certificate's fingerprint; commands pin that certificate (here issued for another host name than
    the loopback address they call), and refuse a server presenting any other."""
    openssl = require_tool("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=registry.example", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    printed = subprocess.run(
        [openssl, "x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    sha256 = printed.split("=", 1)[1].strip().replace(":", "").lower()
    where = tmp_path / "store"
    url = "oxigraph://" + where.as_posix()
    port = free_port()
    proc = subprocess.Popen(
        [EFREG, "serve", "--port", str(port), "--no-seeds", "--tls-cert", str(cert), "--tls-key", str(key)],
        env=environ(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):  # the file is written once the server listens
            if server_file.read(where) is not None or proc.poll() is not None:
                break
            time.sleep(0.1)
        info = server_file.read(where)
        assert info is not None, proc.stderr.read() if proc.poll() is not None else "no file"  # type: ignore[union-attr]
        assert info.url == f"https://127.0.0.1:{port}/" and info.tls_sha256 == sha256
        assert stat.S_IMODE(os.stat(info.path).st_mode) == 0o600
        made = run(url, "publisher", "create", "acme", "--name", "ACME")
        assert made.stdout.startswith("created " + BASE + "publisher/acme")
        token = run(url, "token", "create", "--publisher", "acme", "--role", "reviewer").stdout.strip()
        pinned = remote._session(info.tls_sha256)  # what the command uses: this certificate only
        listed = pinned.get(
            info.url + "api/admin/tokens",
            headers={"Authorization": "Bearer " + info.credential},
            verify=False,
            timeout=10,
        ).json()["tokens"]
        assert token.split("_")[1] in {t["id"] for t in listed}
        assert "acme" in run(url, "publisher", "list", expect=READ_ONLY).stdout
        # another certificate than the server's (a tampered file): refused, nothing sent
        body = json.loads(info.path.read_text())
        info.path.write_text(json.dumps({**body, "tls_sha256": "00" * 32}))
        refused = run(url, "publisher", "create", "beta", "--name", "Beta", status=2)
        assert "did not answer" in refused.stderr and "fingerprint" in refused.stderr.lower()
        info.path.write_text(json.dumps(body))
        proc.terminate()
        proc.wait(timeout=30)
        assert server_file.read(where) is None  # a clean stop removes the file
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def _factors(dataset: str, version: int, directory: Path) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = directory / f"{dataset}-{version}.ttl"
    path.write_text(module.factors(dataset, version, "acme", range(2), frozenset()), encoding="utf-8")
    return path


def _local(store_url: str) -> str:
    info = server_file.read(Path(store_url.removeprefix("oxigraph://")))
    assert info is not None
    return info.credential
