"""The query worker pool (registry.query.worker): workers are reused between queries of one store
generation, replaced after a write, killed when stopped mid-answer, and hold none of the server's
sockets."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from registry.query import worker
from registry.store import QueryDataset, QuerySyntaxError, QueryTimeout, open_store

E = "https://example.org/"
COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{E}p> ?o }}"


@pytest.fixture
def store(tmp_path):
    s = open_store("oxigraph://" + (tmp_path / "store").as_posix())
    s.load(f"<{E}a> <{E}p> <{E}b> <{E}g> .\n".encode(), "nquads")
    yield s
    worker.pool(s).close()
    s.close()


def run(store, query: str = COUNT, max_rows: int = 100, timeout: float = 10.0) -> worker.Answer:
    return worker.run(store, query, "select", worker.TSV, QueryDataset(), timeout, max_rows)


def idle_pids(store) -> list[int]:
    return [w.pid for w in worker.pool(store)._idle]


def test_a_worker_serves_query_after_query(store) -> None:
    assert run(store).body.splitlines()[1] == b"1"
    first = idle_pids(store)
    assert len(first) == 1
    assert run(store).body.splitlines()[1] == b"1"
    assert idle_pids(store) == first


def test_a_write_retires_the_workers_that_read_the_old_state(store) -> None:
    run(store)
    old = idle_pids(store)
    store.load(f"<{E}c> <{E}p> <{E}d> <{E}g> .\n".encode(), "nquads")
    assert run(store).body.splitlines()[1] == b"2"
    assert idle_pids(store) and idle_pids(store) != old
    with pytest.raises(ChildProcessError):  # killed and reaped
        os.waitpid(old[0], os.WNOHANG)


def test_a_worker_stopped_at_the_row_cap_is_not_reused(store) -> None:
    store.load("".join(f"<{E}s{i}> <{E}p> <{E}o> <{E}g> .\n" for i in range(50)).encode(), "nquads")
    answer = run(store, f"SELECT ?s WHERE {{ ?s <{E}p> ?o }}", max_rows=3)
    assert answer.truncated and answer.rows == 3
    assert idle_pids(store) == []


def test_errors_leave_the_worker_usable_and_timeouts_kill_it(store) -> None:
    worker.pool(store).keep_warm = False  # no worker forked in the background to replace one
    with pytest.raises(QuerySyntaxError):
        run(store, "SELECT * WHERE { ?s ?p }")
    assert len(idle_pids(store)) == 1
    store.load("".join(f"<{E}s{i}> <{E}q> <{E}o> <{E}g> .\n" for i in range(200)).encode(), "nquads")
    with pytest.raises(QueryTimeout):
        run(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", timeout=0.5)
    assert idle_pids(store) == []
    assert run(store).rows == 1


def test_a_worker_that_died_while_idle_is_replaced(store) -> None:
    run(store)
    (pid,) = idle_pids(store)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    assert run(store).body.splitlines()[1] == b"1"


def test_workers_do_not_keep_the_servers_sockets(store) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        run(store)
        (pid,) = idle_pids(store)
        inode = os.fstat(listener.fileno()).st_ino
        held = set()
        for name in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{name}")
            if target.startswith("socket:"):
                held.add(int(target[len("socket:[") : -1]))
        assert inode not in held
    finally:
        listener.close()


def test_a_collected_store_takes_its_idle_workers_with_it() -> None:
    import gc

    s = open_store("memory:")
    s.load(f"<{E}a> <{E}p> <{E}b> <{E}g> .\n".encode(), "nquads")
    run(s)
    (pid,) = idle_pids(s)
    del s
    gc.collect()
    with pytest.raises(ChildProcessError):  # killed and reaped
        os.waitpid(pid, os.WNOHANG)


def test_a_closed_store_takes_its_idle_workers_with_it() -> None:
    """Closing a store ends the workers forked from it at once, not when the object happens to be
    collected (an app or a test keeping a closed store alive kept its workers too)."""
    s = open_store("memory:")
    s.load(f"<{E}a> <{E}p> <{E}b> <{E}g> .\n".encode(), "nquads")
    run(s)
    (pid,) = idle_pids(s)
    s.close()
    assert idle_pids(s) == []
    with pytest.raises(ChildProcessError):  # killed and reaped
        os.waitpid(pid, os.WNOHANG)


def test_a_worker_keeps_the_dataset_sent_last_and_takes_a_new_one(store) -> None:
    """The dataset travels only when it is not the one the worker was sent last: one worker
    answering alternately over two datasets (and the same one twice) gives each its own answer."""
    store.load(f"<{E}x> <{E}p> <{E}y> <{E}h> .\n".encode(), "nquads")
    only_g = QueryDataset(default_graphs=(f"{E}g",), named_graphs=())
    both = QueryDataset(default_graphs=(f"{E}g", f"{E}h"), named_graphs=())

    def count(dataset: QueryDataset) -> bytes:
        return worker.run(store, COUNT, "select", worker.TSV, dataset, 10.0, 100).body.splitlines()[1]

    assert [count(d) for d in (only_g, only_g, both, both, only_g, QueryDataset())] == [
        b"1",
        b"1",
        b"2",
        b"2",
        b"1",
        b"2",
    ]
    assert len(idle_pids(store)) == 1  # one worker served them all


def test_an_answer_of_many_frames_arrives_whole(store) -> None:
    """Answers above one 64 KiB frame: every row, then the end frame (sent with the last data)."""
    rows = 3000
    store.load(
        "".join(f'<{E}s{i}> <{E}p> "{"v" * 40}{i}" <{E}g> .\n' for i in range(rows)).encode(), "nquads"
    )
    answer = run(store, f"SELECT ?s ?o WHERE {{ ?s <{E}p> ?o }}", max_rows=10_000)
    assert answer.rows == rows + 1 and not answer.truncated  # with <a> <p> <b>
    assert len(answer.body) > 1 << 17 and len(idle_pids(store)) == 1


def test_workers_retired_by_a_write_are_replaced_in_the_background(store) -> None:
    """After a write, the retired workers are replaced without a query waiting for a fork: the
    keeper forks as many as were retired, reading the new state."""
    run(store)
    (old,) = idle_pids(store)
    store.load(f"<{E}c> <{E}p> <{E}d> <{E}g> .\n".encode(), "nquads")
    deadline = time.monotonic() + 10
    while idle_pids(store) in ([old], []) and time.monotonic() < deadline:
        time.sleep(0.02)
    (new,) = idle_pids(store)
    assert new != old
    with pytest.raises(ChildProcessError):  # the retired one killed and reaped
        os.waitpid(old, os.WNOHANG)
    assert run(store).body.splitlines()[1] == b"2"
    assert idle_pids(store) == [new]  # the query took the warm worker
