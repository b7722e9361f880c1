"""One writer at a time across every process on one Virtuoso: a ticket lock on two of its sequences.

An import picks the next free version ``dataset/{id}/N`` and writes it; a workflow step reads a
record and writes the next. Within one process a lock makes each read-then-write whole; several
``efreg serve`` processes on one store need the same across processes, or two publishers could both
pick version N (and the second would merge into the first's graph). Virtuoso's sequences are
atomic (``sequence_next``), so the lock is a ticket lock on two of them, called from SPARQL as the
store's admin::

    ticket  = sequence_next('efreg_write_ticket')          -- take a number
    wait until sequence_set('efreg_write_serving', 0, 2) = ticket   -- its turn (read, no change)
    ... write ...
    sequence_next('efreg_write_serving')                     -- the next number's turn

Fair (first come, first served) and without a table. A holder that died leaves its number being
served: a waiter that sees the same number served for ``lease`` seconds moves it on (``mode 1``:
only if still that number, so two waiters move it once). The lock is re-entrant within a thread
(an upload runs the import inside a workflow step) and threads of one process queue on a local lock
first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

TICKET, SERVING = "efreg_write_ticket", "efreg_write_serving"


class WriteLock:
    """``value(expression)`` evaluates a Virtuoso SQL expression through SPARQL as the admin and
    returns it as an int."""

    def __init__(self, value: Callable[[str], int], lease: float = 30.0, poll: float = 0.05) -> None:
        self._value, self.lease, self.poll = value, lease, poll
        self._local = threading.RLock()
        self._depth = threading.local()

    def _acquire(self) -> None:
        ticket = self._value(f"bif:sequence_next('{TICKET}')")
        seen, since = -1, time.monotonic()
        while True:
            serving = self._value(f"bif:sequence_set('{SERVING}', 0, 2)")
            if serving == ticket:
                return
            if serving > ticket:  # moved past a number whose holder was taken for dead: take another
                ticket = self._value(f"bif:sequence_next('{TICKET}')")
            if serving != seen:
                seen, since = serving, time.monotonic()
            elif time.monotonic() - since > self.lease:
                self._value(f"bif:sequence_set('{SERVING}', {serving + 1}, 1)")
            time.sleep(self.poll)

    def _release(self) -> None:
        self._value(f"bif:sequence_next('{SERVING}')")

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock (re-entrant in this thread)."""
        with self._local:
            depth = getattr(self._depth, "n", 0)
            if depth == 0:
                self._acquire()
            self._depth.n = depth + 1
            try:
                yield
            finally:
                self._depth.n -= 1
                if self._depth.n == 0:
                    self._release()
