"""Limits: a runaway query is cut at the time limit while other queries answer; the slot cap."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import pytest
import requests

from registry.config import Settings

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LOOKUP = "SELECT ?id WHERE { <factor/ipcc2006-t2.2-natural-gas/1> <http://purl.org/dc/terms/identifier> ?id }"
JSON = {"Accept": "application/sparql-results+json"}
TSV = "text/tab-separated-values"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        store="memory:",
        base_uri="http://localhost:8080/",
        load_seeds=False,
        query_timeout=2.0,
        max_concurrent_queries=2,
        query_queue_seconds=1.0,  # the two runaways of test_slots_are_capped hold both slots by then
    )


def children() -> set[int]:
    """Live child processes of this process (the query workers)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            text = (task / "children").read_text().split()
        except FileNotFoundError:  # the thread ended between listing and reading
            continue
        found.update(int(pid) for pid in text)
    return found


def test_cartesian_product_is_cut_while_a_lookup_answers(live_server: str) -> None:
    outcome: dict[str, object] = {}
    others = children()  # e.g. a session-wide Virtuoso started by other tests

    def runaway() -> None:
        started = time.monotonic()
        response = requests.get(live_server + "sparql", params={"query": CARTESIAN}, headers=JSON, timeout=30)
        outcome["status"], outcome["text"] = response.status_code, response.text
        outcome["seconds"] = time.monotonic() - started
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    running = children() - others
    assert running, "the runaway query should be running in a worker process"
    started = time.monotonic()
    lookup = requests.get(live_server + "sparql", params={"query": LOOKUP}, headers=JSON, timeout=30)
    lookup_ended = time.monotonic()
    lookup_seconds = lookup_ended - started
    thread.join(timeout=30)
    assert lookup.status_code == 200
    assert lookup.json()["results"]["bindings"][0]["id"]["value"] == "ipcc2006-t2.2-natural-gas"
    # Not a timing assertion but an ordering one: the lookup is answered while the runaway still runs.
    assert lookup_ended < float(outcome["ended"]), (
        f"the lookup ({lookup_seconds:.2f} s) waited for the runaway"
    )
    assert outcome["status"] == 503 and "time limit of 2 s" in str(outcome["text"])
    assert 1.9 < float(outcome["seconds"]) < 20  # type: ignore[arg-type]  # cut at the limit, not run out
    deadline = time.monotonic() + 10  # killed at the limit; reaping it may lag on a loaded machine
    while children() & running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not children() & running, "the worker of the runaway query must be gone"


def test_slots_are_capped(live_server: str) -> None:
    threads = [
        threading.Thread(
            target=requests.get,
            args=(live_server + "sparql",),
            # two texts: the same text asked at once is evaluated once (the second waits for it)
            kwargs={"params": {"query": f"{CARTESIAN} # {n}"}, "timeout": 30},
        )
        for n in range(2)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.4)
    busy = requests.get(live_server + "sparql", params={"query": LOOKUP}, headers=JSON, timeout=30)
    for thread in threads:
        thread.join(timeout=30)
    assert busy.status_code == 503 and "slots stayed busy for 1 s" in busy.text
    after = requests.get(live_server + "sparql", params={"query": LOOKUP}, headers=JSON, timeout=30)
    assert after.status_code == 200


def test_a_query_waits_for_a_slot_instead_of_failing(settings: Settings) -> None:
    """Beyond the slots, a query queues (up to query_queue_seconds) and is answered when one frees."""
    from registry.query.endpoint import Endpoint
    from registry.store import open_store

    store = open_store("memory:")
    endpoint = Endpoint(
        store, dataclasses.replace(settings, max_concurrent_queries=1, query_queue_seconds=10)
    )
    endpoint._slots.acquire()  # every slot busy, freed after a moment
    freed = threading.Timer(0.5, endpoint._slots.release)
    freed.start()
    started = time.monotonic()
    answer = endpoint.run_query(endpoint.prepare_query("SELECT (1 AS ?o) WHERE {}", None), TSV)
    freed.join()
    assert time.monotonic() - started >= 0.4
    assert answer.rows == 1 and b"1" in answer.body
