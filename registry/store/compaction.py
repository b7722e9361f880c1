"""Background compaction of an embedded on-disk store after writes.

A write to RocksDB lands in a new level-0 table; until the next compaction every index look-up also
merges it, which measured 10–30 % slower queries after a small write to a compacted store, and a
whole-store ``optimize()`` costs ~10 s at 100k factors and ~60 s at 1M. So compaction never runs in a
request: after the last write of a burst has been quiet for ``delay`` seconds, one daemon thread
compacts (``pyoxigraph.Store.optimize`` releases the GIL: readers go on meanwhile), and a write
during a compaction schedules one more after it. At most one compaction runs at a time, and none
starts after :meth:`Compactor.stop`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import pyoxigraph as ox

log = logging.getLogger(__name__)


class Compactor:
    """Compacts the stores ``targets()`` names, ``delay`` seconds after the last :meth:`written`."""

    def __init__(self, targets: Callable[[], Iterable[ox.Store | None]], delay: float) -> None:
        self.targets, self.delay = targets, delay
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._due: float | None = None  #: monotonic time of the next compaction, None when clean
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.compactions = 0  #: finished compactions (for tests and logs)

    def written(self) -> None:
        """A write happened: compact once writes have been quiet for ``delay`` seconds."""
        with self._lock:
            if self._stopped:
                return
            self._due = time.monotonic() + self.delay
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="efreg-compaction", daemon=True)
                self._thread.start()
            self._wake.notify()

    def stop(self) -> None:
        """No compaction starts from now on; waits for one that is running to finish."""
        with self._lock:
            self._stopped = True
            thread = self._thread
            self._wake.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and self._due is not None and time.monotonic() < self._due:
                    self._wake.wait(self._due - time.monotonic())
                if self._stopped or self._due is None:
                    self._thread = None
                    return
                self._due = None  # a write from now on schedules the next compaction
            started = time.perf_counter()
            try:
                for store in self.targets():
                    if store is not None:
                        store.optimize()
            except OSError as exc:  # a full disk, say: the store stays usable, only slower
                log.warning("background compaction failed: %s", exc)
            else:
                self.compactions += 1
                log.info("compacted the store in %.1f s", time.perf_counter() - started)
