"""Start order never matters: the seeds load when their datasets are missing, whatever else the store
holds; a dry run writes nothing anywhere."""

from __future__ import annotations

from pathlib import Path

import requests

from registry.ingest.seeds import load_missing_seeds, missing_seed_files, seed_datasets
from registry.paths import seed_files
from registry.store import open_store
from registry.store.meta import ensure_base_uri

from conftest import BASE, DATA, ROOT
from served import efreg, efreg_serve, partner  # noqa: F401  (fixture)

EXAMPLE = ROOT / "docs" / "examples" / "efreg-template-example.csv"
SSSOM = DATA / "mapping" / "partner-sources.sssom.tsv"


def test_tokens_and_publishers_made_before_the_first_start_keep_the_seeds(tmp_path: Path):
    url = "oxigraph://" + (tmp_path / "store").as_posix()
    made = efreg(url, "token", "create", "--publisher", "acme", "--role", "admin", "--name", "ACME")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    with efreg_serve(url) as (root, _):
        counts = requests.get(root, headers={"Accept": "application/json"}, timeout=10).json()
        assert counts["factors"] >= 19 + 22
        listed = requests.get(root + "api/datasets", timeout=10).json()["datasets"]
        assert {"ipcc2006-v2-ch2-t2.2", "cn-mee-electricity-2021-2022"} <= {d["dataset"] for d in listed}
        # the token made before the first start still authenticates
        mine = requests.get(root + "api/datasets", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert mine.status_code == 200


def test_only_missing_seed_datasets_load_and_a_deleted_one_stays_deleted():
    store = open_store("memory:")
    ensure_base_uri(store, BASE)
    electricity = next(p for p in seed_files() if p.name == "cn-electricity.trig")
    assert seed_datasets(electricity) == {"cn-mee-electricity-2021-2022"}
    store.update(  # a mapping set an administrator imported before the first start
        f"INSERT DATA {{ GRAPH <{BASE}dataset/partner-set/1> {{ <{BASE}dataset/partner-set/1> a <urn:x:T> }} }}"
    )
    assert load_missing_seeds(store, BASE) > 0
    assert missing_seed_files(store, BASE) == []
    assert load_missing_seeds(store, BASE) == 0  # a second start loads nothing
    store.drop_graph(f"{BASE}dataset/cn-mee-electricity-2021-2022/1")  # deleted by an administrator
    assert missing_seed_files(store, BASE) == []
    assert load_missing_seeds(store, BASE) == 0
    assert f"{BASE}dataset/cn-mee-electricity-2021-2022/1" not in store.graph_names()


def test_a_dry_run_creates_no_store_and_fixes_no_base_uri(tmp_path: Path):
    where = tmp_path / "never"
    url = "oxigraph://" + where.as_posix()
    dry = efreg(url, "load", "--dry-run", str(EXAMPLE))
    assert dry.returncode == 0, dry.stderr
    assert "nothing stored (dry run)" in dry.stdout
    assert not where.exists()
    # a real store, then a dry run under another base URI: refused, and the store is unchanged
    assert efreg(url, "dataset", "recover").returncode == 0  # a command that writes makes the store
    assert not efreg(url, "info").stderr
    before = efreg(url, "dump").stdout
    other = efreg(url, "load", "--dry-run", str(EXAMPLE), EFREG_BASE_URI="https://x.example/")
    assert other.returncode == 2 and BASE in other.stderr
    again = efreg(url, "load", "--dry-run", str(EXAMPLE))
    assert again.returncode == 0, again.stderr
    assert efreg(url, "dump").stdout == before


def dry_runs(partner_url: str) -> dict[str, list[str]]:
    """Every command with --dry-run, with arguments that would store something."""
    return {
        "load": ["load", "--dry-run", str(EXAMPLE)],
        "dataset upload": ["dataset", "upload", "example", str(EXAMPLE), "--publisher", "acme", "--dry-run"],
        "mappings import": ["mappings", "import", str(SSSOM), "--set-id", "partner-sources", "--dry-run"],
        "harvest": [
            "harvest", partner_url, "--dataset", "partner-ecfo", "--publisher", "partner-kg", "--license",
            "https://creativecommons.org/licenses/by/4.0/", "--gwp-set", "AR5-GWP100", "--allow-endpoint",
            "--dry-run",
        ],
    }  # fmt: skip


def test_every_dry_run_writes_nothing_anywhere(tmp_path: Path, partner):  # noqa: F811
    """No store made, no base URI fixed, nothing written to a store that exists (its dump unchanged)."""
    from registry.cli import main

    with_dry_run = {
        " ".join(words)
        for words in _commands(main)
        if "dry_run" in {p.name for p in _command(main, words).params}
    }
    runs = dry_runs(partner)
    assert set(runs) == with_dry_run
    where = tmp_path / "never"
    url = "oxigraph://" + where.as_posix()
    for name, args in runs.items():  # (a mapping set naming nothing the empty registry knows: exit 2)
        done = efreg(url, *args)
        assert done.returncode in (0, 1, 2) and "Traceback" not in done.stderr, (name, done.stderr)
        assert not where.exists(), name
    store = open_store(url)  # a store with the seeds
    ensure_base_uri(store, BASE)
    load_missing_seeds(store, BASE)
    store.close()
    before = efreg(url, "dump").stdout
    for name, args in runs.items():
        done = efreg(url, *args)
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, (name, done.stderr)
        assert "nothing stored" in (done.stdout + done.stderr).lower() or "dry run" in done.stdout, (
            name,
            done.stdout,
        )
    assert efreg(url, "dump").stdout == before


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name)


def _command(group, words):
    for word in words:
        group = group.commands[word]
    return group
