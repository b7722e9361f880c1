"""Streaming a pyoxigraph serialization out of a worker thread, with a deadline.

pyoxigraph results may not cross threads and a serializer writes to a file-like object until it is
done; :func:`stream_serialized` runs both in one thread and hands the chunks over a bounded queue,
checking the deadline at every chunk and stopping when the reader goes away.
"""

from __future__ import annotations

import io
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

from registry.store.base import QueryForm, QueryTimeout, StoreError

_CHUNK_QUEUE = 16


class _Cancelled(Exception):
    pass


class _QueueWriter(io.RawIOBase):
    """File-like sink for pyoxigraph serializers, run in a worker thread: each ``write`` checks the
    deadline and whether the reader went away, then hands the chunk to the reader."""

    def __init__(
        self,
        chunks: queue.Queue[bytes | BaseException | None],
        deadline: float | None,
        timeout: float | None,
        cancelled: threading.Event,
    ) -> None:
        self.chunks, self.deadline, self.timeout, self.cancelled = chunks, deadline, timeout, cancelled

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout(f"query exceeded its time limit of {self.timeout:g} s")
        data = bytes(b)
        while True:
            if self.cancelled.is_set():
                raise _Cancelled()
            try:
                self.chunks.put(data, timeout=0.1)
                return len(data)
            except queue.Full:
                continue


#: What a serialization job announces first: the query form and the media type it writes.
Header = tuple[QueryForm, str]


def stream_serialized(
    prepare: Callable[[], tuple[Header, Callable[[IO[bytes]], object]]], timeout: float | None
) -> tuple[Header, Iterator[bytes]]:
    """Run ``prepare()`` then its serializer in one worker thread (pyoxigraph results may not cross
    threads) and stream what the serializer writes. Errors of ``prepare`` (a syntax error, an
    unsupported media type) are raised here; QueryTimeout is raised by the iterator when the
    deadline passes between chunks. Closing the iterator stops the serializer at its next write."""
    deadline = time.monotonic() + timeout if timeout is not None else None
    chunks: queue.Queue[object] = queue.Queue(maxsize=_CHUNK_QUEUE)
    cancelled = threading.Event()
    writer = _QueueWriter(chunks, deadline, timeout, cancelled)  # type: ignore[arg-type]
    failure: list[str] = []

    def put(item: object) -> None:
        while not cancelled.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            header, serialize = prepare()
        except StoreError as exc:
            # Without traceback or context: they reference frames holding the pyoxigraph result.
            exc.__context__ = exc.__cause__ = None
            put(exc.with_traceback(None))
            return
        put(header)
        try:
            serialize(writer)
        except (QueryTimeout, _Cancelled, OSError, ValueError, RuntimeError) as exc:
            # Keep only the text: the traceback references the pyoxigraph result, which must be
            # dropped in this thread.
            failure.append(f"{type(exc).__name__}: {exc}")
        finally:
            del serialize
            put(None)

    def timed_out() -> QueryTimeout:
        return QueryTimeout(f"query exceeded its time limit of {timeout:g} s")

    def get() -> object:
        wait = None if deadline is None else max(deadline - time.monotonic(), 0) + 0.05
        try:
            return chunks.get(timeout=wait)
        except queue.Empty:
            cancelled.set()
            raise timed_out() from None

    worker = threading.Thread(target=run, name="efreg-serialize", daemon=True)
    worker.start()
    first = get()
    if isinstance(first, StoreError):
        raise first

    def iterate() -> Iterator[bytes]:
        try:
            while True:
                item = get()
                if item is None:
                    break
                yield item  # type: ignore[misc]
            if failure:
                if "QueryTimeout" in failure[0] or "time limit" in failure[0]:
                    raise timed_out()
                raise StoreError(f"query evaluation failed: {failure[0]}")
        finally:
            cancelled.set()

    return first, iterate()  # type: ignore[return-value]


# --- the store ----------------------------------------------------------------------------------
