"""Background compaction of an on-disk store after writes (registry.store.compaction)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from registry.store import open_store

NT = '<http://example.org/s{i}> <http://example.org/p> "{i}" .\n'


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def write(store, graph: str, first: int, count: int) -> None:
    body = "".join(NT.format(i=i) for i in range(first, first + count))
    store.load(body.encode(), "ntriples", graph=graph)


@pytest.fixture
def disk_store(tmp_path: Path):
    store = open_store("oxigraph://" + (tmp_path / "store").as_posix())
    yield store
    store.close()


def test_compacts_once_writes_are_quiet(disk_store) -> None:
    disk_store.compact_after_writes(0.3)
    for n in range(3):  # a burst of writes: one compaction after it, not one per write
        write(disk_store, "http://example.org/g", n * 1000, 1000)
    assert disk_store.compactor.compactions == 0  # not in the writer's path
    assert wait_for(lambda: disk_store.compactor.compactions == 1)
    time.sleep(0.6)
    assert disk_store.compactor.compactions == 1
    assert disk_store.graphs() == {"http://example.org/g": 3000}


def test_a_write_during_compaction_schedules_another(disk_store) -> None:
    disk_store.compact_after_writes(0.2)
    write(disk_store, "http://example.org/g", 0, 50_000)
    assert wait_for(lambda: disk_store.compactor._due is None and disk_store.compactor._thread is not None)
    write(disk_store, "http://example.org/g", 50_000, 10)  # during (or right after) the first one
    assert wait_for(lambda: disk_store.compactor.compactions == 2)


def test_reads_go_on_while_it_compacts(disk_store) -> None:
    write(disk_store, "http://example.org/g", 0, 100_000)
    disk_store.compact_after_writes(0.01)
    answered: list[int] = []

    def read() -> None:
        while disk_store.compactor.compactions == 0 and len(answered) < 10_000:
            rows = disk_store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
            answered.append(int(rows[0]["n"]))

    write(disk_store, "http://example.org/h", 0, 10)
    reader = threading.Thread(target=read)
    reader.start()
    reader.join(60)
    assert answered and set(answered) == {100_010}
    assert disk_store.compactor.compactions == 1


def test_closing_stops_it_and_memory_stores_never_compact(tmp_path: Path) -> None:
    store = open_store("oxigraph://" + (tmp_path / "s").as_posix())
    store.compact_after_writes(30)
    write(store, "http://example.org/g", 0, 10)
    started = time.monotonic()
    store.close()  # the pending compaction is dropped, not waited for
    assert time.monotonic() - started < 5
    memory = open_store("memory:")
    memory.compact_after_writes(0.01)
    assert memory.compactor is None
