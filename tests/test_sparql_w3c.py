"""The W3C SPARQL 1.1 Protocol test suite, replayed against a live server (all 34 tests)."""

from __future__ import annotations

import pytest

from registry.publishing.tokens import create_token
from registry.store import Store

from w3c_protocol import load_cases, replay

CASES = load_cases()

#: Makes a W3C data graph a published, open dataset version, which anonymous callers may read.
PUBLISHED = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
INSERT DATA {{ GRAPH <{g}> {{ <{g}> a dcat:Dataset ; ef:reviewStatus ef:Published ; ef:accessLevel ef:Open }} }}"""


def test_manifest_has_34_tests() -> None:
    assert len(CASES) == 34
    assert sum(case.updates for case in CASES) == 13  # 7 updates + 6 bad updates


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_w3c_protocol(case, store: Store, live_server: str) -> None:
    for graph, path in case.graphs.items():
        store.load(path, "ntriples", graph=graph)
        store.update(PUBLISHED.format(g=graph))
    token = create_token(store, "publisher/efreg", "admin")
    problems = replay(case, live_server, token)
    assert not problems, f"{case.name} ({case.title}):\n" + "\n".join(problems)
