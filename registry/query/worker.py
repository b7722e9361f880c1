"""Run a query with a hard deadline and a row cap.

pyoxigraph has no way to cancel a query, and it computes ORDER BY, aggregates and cartesian products
before the first row; a thread running such a query cannot be stopped. So queries on the embedded
stores (``memory:``, ``oxigraph://``) run in **forked worker processes** that the server kills at the
deadline: a worker shares the server's store pages copy-on-write (the state of an in-memory store
when it was forked; for RocksDB it reads through the inherited handles), evaluates, and streams the
serialized answer through a pipe. The server reads with the deadline, counts rows as they come,
stops reading (and kills the worker) after ``max_rows`` rows, and converts to the negotiated format.
Workers are kept between queries (:class:`WorkerPool`) as long as what they read has not been
written since they were forked: forking took about 10 ms a query. Stores evaluated elsewhere
(``sparql+http``, Virtuoso) run in the calling thread: the remote server does the work and the
backend's own HTTP timeout applies.

The worker evaluates the dataset it is handed as it is (the store enforces it): a caller who may
read only what is public gets the union of the store's public read model, which a worker reads
through the handles it inherited like the main store (see :class:`registry.store.PublicDataset`).

Rows are counted on line-oriented wire formats: SELECT answers travel as SPARQL TSV (one solution per
line), CONSTRUCT/DESCRIBE answers as N-Triples (one triple per line); pyoxigraph then parses the kept
lines and serializes them in the format the client asked for.
"""

from __future__ import annotations

import ctypes
import io
import os
import pickle
import resource
import select
import signal
import stat
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from registry.publishing import freshness
from registry.query.inspect import QueryForm
from registry.spreadsheet import safe_csv
from registry.store import PublicDataset, QueryDataset, QuerySyntaxError, QueryTimeout, Store, StoreError

TSV = "text/tab-separated-values"
NTRIPLES = "application/n-triples"
_ERRORS: dict[str, type[StoreError]] = {
    "QuerySyntaxError": QuerySyntaxError,
    "QueryTimeout": QueryTimeout,
    "StoreError": StoreError,
}


@dataclass
class Answer:
    form: QueryForm
    media_type: str
    body: bytes
    rows: int | None  #: solutions or triples kept (None for ASK)
    truncated: bool
    cached: bool = False  #: given from :mod:`registry.query.answers`, not evaluated again


class _Source:
    """Chunks of a serialized answer, with a way to stop producing them."""

    def __init__(self, chunks: Iterator[bytes], stop: Callable[[], None]) -> None:
        self.chunks, self.stop = chunks, stop


class QueryStopped(QueryTimeout):
    """The worker ended without an answer: most likely stopped by its memory limit."""


def query_stopped(memory: int | None) -> QueryStopped:
    limit = (
        f"the memory limit of {memory:,} bytes (setting max_query_memory_bytes)" if memory else "its memory"
    )
    return QueryStopped(
        f"the query stopped without an answer: it most likely needed more than {limit}; "
        "narrow it (LIMIT, shorter strings, more specific patterns) or ask the operators"
    )


def query_timeout(timeout: float) -> QueryTimeout:
    return QueryTimeout(
        f"the query did not finish within the time limit of {timeout:g} s and was "
        f"stopped; narrow it (LIMIT, more specific patterns) or ask the operators"
    )


class _Worker:
    """A forked query process: takes requests on one pipe, answers in frames on another."""

    def __init__(self, pid: int, requests: int, answers: int, states: _States) -> None:
        self.pid, self.requests, self.answers, self.states = pid, requests, answers, states
        self.born = time.monotonic()
        self.served = 0  # queries answered before the one at hand
        self.dataset: QueryDataset | None = None  # the dataset last sent (the worker keeps it)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped already
            pass
        os.close(self.requests)
        os.close(self.answers)


#: What a worker read when it was forked: (the store's state, by :func:`registry.publishing.
#: freshness.depends_on`; the public generation, or ``None`` when the public read model was not in
#: use then).
_States = tuple[Hashable | None, Hashable | None]


class WorkerPool:
    """Query workers forked from this process, kept between queries.

    A worker serves one query at a time. It is reused while what the query's dataset depends on
    (:func:`registry.publishing.freshness.depends_on`) is what it was when the worker was forked,
    and it is younger than :data:`MAX_AGE`: for a caller who reads only the public graphs, while no
    public graph changed (a draft upload or a submission keeps the warm workers) — if the public
    read model, which the worker then reads, was in use when it was forked; for any other caller,
    while the store was not written. A worker stopped mid-answer (time limit, row cap, client gone)
    is killed. At most ``idle`` workers wait between queries.

    Workers retired because the store changed (or about to reach :data:`MAX_AGE`) are replaced in
    the background (:func:`_keep`), once the states have held still for a moment and no release is
    under way, so that the queries after a release do not each fork first."""

    def __init__(self, store: Store, idle: int) -> None:
        self._store = weakref.ref(store)  # the pool must not keep its store alive (see pool())
        self.idle_max = idle
        #: bytes of data memory a worker may allocate beyond what it inherits (None: no limit)
        self.memory: int | None = None
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._wanted = 0  #: workers retired as stale, to be replaced in the background
        self._keeper: threading.Thread | None = None
        self.keep_warm = True  #: replace retired workers in the background (False: only on demand)
        self.wake = threading.Event()  #: set when the keeper should look (a worker retired, a release)
        self.closed = False

    @property
    def store(self) -> Store:
        store = self._store()
        if store is None:
            raise StoreError("the store of this query worker pool is gone")
        return store

    def states(self) -> _States:
        """The states a worker forked now reads (see :data:`_States`)."""
        store = self.store
        current = getattr(store, "view_current", None)
        # the public generation alone: no access snapshot (no query) just before a fork, and the set
        # of public graphs changes only by writes that move it
        public = freshness.public_generation(store) if callable(current) and current() else None
        return freshness.depends_on(store, public=False), public

    def acquire(self, public: bool = False) -> _Worker:
        """A worker that may answer a query of a public-only caller (``public``) or of any caller."""
        states = self.states()
        with self._lock:
            for found in reversed(self._idle):
                if self._usable(found, states, public):
                    self._idle.remove(found)
                    return found
            stale = [found for found in self._idle if not self._usable(found, states, True)]
            self._idle = [found for found in self._idle if found not in stale]
            self._wanted += len(stale)
        if stale:
            self.wake.set()
        for found in stale:
            found.kill()
        return self._fork(states)

    def fresh(self) -> _Worker:
        """A newly forked worker (one that has served no query)."""
        return self._fork(self.states())

    def release(self, found: _Worker) -> None:
        with self._lock:
            usable = self._usable(found, self.states(), True)
            if usable and len(self._idle) < self.idle_max:
                found.served += 1
                self._idle.append(found)
                return
            if not usable:
                self._wanted += 1
                self.wake.set()
        found.kill()

    def released(self) -> None:
        """A release of the store ends (:func:`registry.publishing.freshness.after_release`): the
        keeper replaces the workers it retires once it has ended."""
        self.wake.set()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self.closed = True
        self.wake.set()
        for found in idle:
            found.kill()

    def refill(self, states: _States) -> int:
        """Replace the idle workers that do not read ``states`` (or soon reach :data:`MAX_AGE`) and
        those retired as stale since, up to ``idle`` waiting; how many were forked."""
        with self._lock:
            soon = time.monotonic() - (MAX_AGE - RENEW_BEFORE)
            stale = [w for w in self._idle if w.born <= soon or not self._usable(w, states, True)]
            self._idle = [w for w in self._idle if w not in stale]
            wanted = min(self._wanted + len(stale), self.idle_max - len(self._idle))
            self._wanted = 0
        for found in stale:
            found.kill()
        fresh = [self._fork(states) for _ in range(max(0, wanted))]
        with self._lock:
            keep = [] if self.closed else fresh[: max(0, self.idle_max - len(self._idle))]
            self._idle[:0] = keep  # behind the warm ones: acquire takes the last first
        for found in fresh:
            if found not in keep:
                found.kill()
        return len(keep)

    @staticmethod
    def _usable(found: _Worker, states: _States, public: bool) -> bool:
        """Whether ``found`` reads what a query reads now: of any caller (the store unchanged) or,
        ``public``, of a public-only caller (that or the public graphs unchanged)."""
        if time.monotonic() - found.born >= MAX_AGE:
            return False
        same_store = states[0] is not None and found.states[0] == states[0]
        same_public = states[1] is not None and found.states[1] == states[1]
        return same_store or (public and same_public)

    def _fork(self, states: _States) -> _Worker:
        with self._lock:
            if self._keeper is None and self.keep_warm and not self.closed:
                self._keeper = threading.Thread(
                    target=_keep, args=(weakref.ref(self),), name="efreg-worker-keeper", daemon=True
                )
                self._keeper.start()
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: serve until the parent closes the request pipe, never return
            status = 1
            try:
                _close_inherited(keep={request_read, answer_write})
                _die_with_parent()
                _limit_memory(self.memory)
                _serve(self.store, request_read, answer_write)
                status = 0
            finally:
                os._exit(status)
        os.close(request_read)
        os.close(answer_write)
        return _Worker(pid, request_write, answer_read, states)


#: Seconds after which a worker is not reused (it reads the store as it was when forked).
MAX_AGE = 60.0
#: The keeper (:func:`_keep`) replaces an idle worker this many seconds before it reaches MAX_AGE.
RENEW_BEFORE = 5.0
#: Seconds between the keeper's looks at the store.
KEEP_INTERVAL = 0.05


def _keep(ref: weakref.ReferenceType[WorkerPool]) -> None:
    """The keeper of a pool: replaces retired workers in the background when the store's states
    have been the same at two looks in a row and no release is under way (a release writes several
    times: a worker forked in between would be retired again at once). Ends with its pool."""
    last: _States | None = None
    settling = False  # a change seen, not refilled yet: look again without waiting to be woken
    while True:
        found = ref()
        if found is None or found.closed:
            return
        wake = found.wake
        found = None
        if not settling:  # until a worker is retired, a release ends, or one nears MAX_AGE
            wake.wait(RENEW_BEFORE)
        wake.clear()
        time.sleep(KEEP_INTERVAL)
        found = ref()
        if found is None or found.closed:
            return
        states = None
        try:
            store = found.store
            states = None if freshness.releases_under_way(store) else found.states()
            store = None  # held by no one here while the keeper waits
            if states is not None and states == last:
                found.refill(states)
                states = None
                settling = False
            else:
                settling = True
        except (StoreError, OSError):  # the store closed or failing: the next request will say so
            store = None
            settling = False
        last = states
        found = None


_POOLS: weakref.WeakKeyDictionary[Store, WorkerPool] = weakref.WeakKeyDictionary()
_POOLS_LOCK = threading.Lock()


def pool(store: Store, idle: int = 4) -> WorkerPool:
    """The worker pool of ``store``, made on first use; when the store is closed or the object is
    collected, its idle workers are killed (the pool holds the store weakly)."""
    with _POOLS_LOCK:
        found = _POOLS.get(store)
        if found is None:
            found = _POOLS[store] = WorkerPool(store, idle)
            weakref.finalize(store, found.close)
            freshness.after_release(store, found.released)
            store.when_closed(found.close)
    return found


def _close_inherited(keep: set[int]) -> None:
    """In a new worker: close the sockets (client connections, the listening socket) and pipes
    (other workers') it inherited, so that none stays open for as long as the worker lives; the
    store's own files stay open."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd in keep or fd < 3:
            continue
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
            os.close(fd)


def _limit_memory(extra: int | None) -> None:
    """In a new worker: let it allocate at most ``extra`` bytes of data memory beyond what it
    inherited (``RLIMIT_DATA``; Linux), so that a query building huge strings ends this worker, not
    the machine."""
    if not extra:
        return
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            data = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmData:"))
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = data + extra
        resource.setrlimit(
            resource.RLIMIT_DATA, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard)
        )
    except (OSError, ValueError, StopIteration):
        return


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the server process dies (a no-op elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _serve(store: Store, requests: int, answers: int) -> None:
    """The worker's loop: one request (pickled query, media type, dataset; ``None``: the dataset of
    the request before) at a time, answered as frames: ``D`` data, ``E`` end, ``X`` error (its class
    name, a newline, the message)."""
    last: QueryDataset | None = None
    while True:
        request = _read_message(requests)
        if request is None:
            return
        query, media_type, dataset = pickle.loads(request)
        dataset = last = last if dataset is None else dataset
        try:
            into = getattr(store, "query_into", None)
            if into is not None:  # serialized straight into data frames
                out = _FrameWriter(answers)
                into(query, media_type, dataset, out)
                out.finish()
            else:
                for chunk in store.query_raw(query, media_type, dataset).chunks:
                    _write_frame(answers, b"D", chunk)
                _write_frame(answers, b"E", b"")
        except StoreError as exc:
            name = type(exc).__name__ if type(exc).__name__ in _ERRORS else "StoreError"
            _write_frame(answers, b"X", f"{name}\n{exc}".encode())


class _FrameWriter(io.RawIOBase):
    """A binary file whose writes become data frames of at most 64 KiB (and at least that, but
    the last)."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd, self.buffer = fd, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        if len(self.buffer) >= 1 << 16:
            _write_frame(self.fd, b"D", bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        """Nothing: the serializer flushes when it ends, and what it wrote goes with the end frame
        (:meth:`finish`)."""

    def finish(self) -> None:
        """The last data frame and the end frame in one write: the server wakes once for a small
        answer, not once per frame (each wake-up waits for a CPU when the machine is busy)."""
        tail = _frame(b"D", bytes(self.buffer)) if self.buffer else b""
        self.buffer.clear()
        _write_all(self.fd, tail + _frame(b"E", b""))


def _read_message(fd: int) -> bytes | None:
    head = _read_exactly(fd, 4)
    return None if head is None else _read_exactly(fd, int.from_bytes(head, "big"))


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        data = os.read(fd, left)
        if not data:
            return None
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def _write_frame(fd: int, kind: bytes, payload: bytes) -> None:
    _write_all(fd, _frame(kind, payload))


def _pooled(store: Store, query: str, media_type: str, dataset: QueryDataset, timeout: float) -> _Source:
    workers = pool(store)
    public = isinstance(dataset, PublicDataset)
    found = workers.acquire(public)
    try:
        _write_all(found.requests, _request(found, query, media_type, dataset))
    except BrokenPipeError:  # the worker died while it waited: fork a fresh one
        found.kill()
        found = workers.fresh()
        _write_all(found.requests, _request(found, query, media_type, dataset))
    deadline = time.monotonic() + timeout
    state = {"done": False, "clean": False, "answered": False}
    buffer = bytearray()

    def need(size: int) -> bytes:
        nonlocal found
        while len(buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([found.answers], [], [], remaining)[0]:
                raise query_timeout(timeout)
            data = os.read(found.answers, max(1 << 16, size - len(buffer)))
            if not data and not state["answered"] and found.served:
                # a waiting worker was killed (the OOM killer, an operator) as the request reached
                # it, before its end of the pipe closed: a fresh worker takes the request, once
                found.kill()
                found = workers.fresh()
                _write_all(found.requests, _request(found, query, media_type, dataset))
                continue
            if not data:
                raise query_stopped(workers.memory)
            state["answered"] = True
            buffer.extend(data)
        out = bytes(buffer[:size])
        del buffer[:size]
        return out

    def stop() -> None:
        if not state["done"]:
            state["done"] = True
            if state["clean"]:
                workers.release(found)
            else:
                found.kill()

    def chunks() -> Iterator[bytes]:
        try:
            while True:
                head = need(5)
                payload = need(int.from_bytes(head[1:], "big"))
                if head[:1] == b"D":
                    yield payload
                elif head[:1] == b"E":
                    state["clean"] = True
                    return
                elif head[:1] == b"X":
                    state["clean"] = True
                    name, _, text = payload.decode("utf-8", "replace").partition("\n")
                    raise _ERRORS.get(name, StoreError)(text)
                else:
                    raise StoreError("the query worker sent an unexpected answer")
        finally:
            stop()

    return _Source(chunks(), stop)


def _request(found: _Worker, query: str, media_type: str, dataset: QueryDataset) -> bytes:
    """The framed request for ``found``. The dataset is sent only when it is not the one this worker
    was sent last (it keeps that one): the public graphs, the same for every anonymous query, are
    some 60 KB of names at a million factors, more than a pipe holds at once."""
    same = found.dataset == dataset
    message = pickle.dumps((query, media_type, None if same else dataset))
    found.dataset = dataset
    return len(message).to_bytes(4, "big") + message


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _in_thread(store: Store, query: str, media_type: str, dataset: QueryDataset, timeout: float) -> _Source:
    raw = store.query_raw(query, media_type, dataset, timeout=timeout)
    close = getattr(raw.chunks, "close", None)
    return _Source(raw.chunks, close if callable(close) else (lambda: None))


#: store URL scheme -> how its queries are executed (see the module docstring)
EXECUTORS: dict[str, Callable[[Store, str, str, QueryDataset, float], _Source]] = {
    "memory": _pooled,
    "oxigraph": _pooled,
}


def run(
    store: Store,
    query: str,
    form: QueryForm,
    media_type: str,
    dataset: QueryDataset,
    timeout: float,
    max_rows: int,
    memory: int | None = None,
) -> Answer:
    """Evaluate ``query`` (already checked) and serialize the answer as ``media_type``; a forked
    worker may allocate ``memory`` bytes."""
    scheme = store.url.split(":", 1)[0]
    execute = EXECUTORS.get(scheme, _in_thread)
    if execute is _pooled:
        pool(store).memory = memory
    wire = {"select": TSV, "ask": media_type}.get(form, NTRIPLES)
    source = execute(store, query, wire, dataset, timeout)
    deadline = time.monotonic() + timeout
    if form == "ask":
        body = b"".join(source.chunks)
        return Answer(form, media_type, body, None, False)
    header_lines = 1 if form == "select" else 0
    limit = max_rows + header_lines
    lines, parts, truncated = 0, [], False
    try:
        for chunk in source.chunks:
            if time.monotonic() > deadline:
                raise query_timeout(timeout)
            count = chunk.count(b"\n")
            if lines + count <= limit:
                parts.append(chunk)
                lines += count
                continue
            # more lines than allowed: keep up to the limit; at least one more row exists
            parts.append(chunk[: _nth_newline(chunk, limit - lines)])
            lines, truncated = limit, True
            break
    finally:
        source.stop()
    wire_body = b"".join(parts)
    rows = lines - header_lines if lines >= header_lines else 0
    return Answer(form, media_type, _convert(form, wire, wire_body, media_type), rows, truncated)


def _nth_newline(data: bytes, n: int) -> int:
    """Offset just after the ``n``-th newline of ``data`` (0 when ``n`` is 0)."""
    pos = 0
    for _ in range(n):
        pos = data.index(b"\n", pos) + 1
    return pos


def _convert(form: QueryForm, wire: str, body: bytes, media_type: str) -> bytes:
    if wire == media_type:
        return body
    if form == "select":
        fmt = ox.QueryResultsFormat.from_media_type(media_type)
        if fmt is None:
            raise StoreError(f"cannot write SPARQL results as {media_type}")
        answer = ox.parse_query_results(body, ox.QueryResultsFormat.TSV).serialize(format=fmt)
        # CSV cells are bare text: made safe to open in a spreadsheet (TSV cells are N-Triples terms,
        # a text always in quotes, so a TSV answer cannot start a formula)
        return safe_csv(answer) if fmt == ox.QueryResultsFormat.CSV else answer
    rdf = ox.RdfFormat.from_media_type(media_type)
    if rdf is None:
        raise StoreError(f"cannot write a graph as {media_type}")
    return ox.serialize(ox.parse(body, ox.RdfFormat.N_TRIPLES), format=rdf) or b""
