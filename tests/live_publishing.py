"""The publishing workflow driven over real HTTP (tokens in the store, uploads and reviews through the
API of a live server), for tests of what readers see afterwards (tombstones, commercial values)."""

from __future__ import annotations

import importlib.util

import requests

from registry.publishing.tokens import create_token, ensure_publisher

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
factors = _module.factors


def make_tokens(store) -> dict[str, dict[str, str]]:
    """Authorization headers: two publishers (acme, beta), a reviewer and an admin of efreg."""
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    ensure_publisher(store, BASE, "beta", "Beta Institute")
    return {
        name: {"Authorization": "Bearer " + create_token(store, publisher, role)}
        for name, publisher, role in (
            ("acme", "acme", "publisher"),
            ("beta", "beta", "publisher"),
            ("reviewer", "efreg", "reviewer"),
            ("admin", "efreg", "admin"),
        )
    }


def publish(
    url: str,
    tokens: dict[str, dict[str, str]],
    ds: str,
    version: int,
    ids=range(3),
    access: str = "open",
    bump: frozenset[int] = frozenset(),
) -> None:
    """Upload version ``version`` of ``ds`` as acme, submit it, approve it as the reviewer."""
    api = f"{url}api/datasets/{ds}/versions"
    body = factors(ds, version, "acme", ids, frozenset(bump)).encode("utf-8")
    r = requests.post(
        f"{api}?access={access}",
        data=body,
        headers={**tokens["acme"], "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    for action, who in (("submit", "acme"), ("approve", "reviewer")):
        r = requests.post(f"{api}/{version}/{action}", headers=tokens[who], timeout=60)
        assert r.status_code == 200, r.text


def withdraw(url: str, tokens: dict[str, dict[str, str]], ds: str, version: int, comment: str) -> None:
    r = requests.post(
        f"{url}api/datasets/{ds}/versions/{version}/withdraw",
        json={"comment": comment},
        headers=tokens["acme"],
        timeout=60,
    )
    assert r.status_code == 200, r.text
