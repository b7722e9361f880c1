"""Answers kept until the store is next written.

A published dataset version never changes; what a query answers changes only when the store is
written (release, withdrawal, grants, an admin update), and every write moves the store's
generation (``OxigraphStore.writing``). So an answer is kept under the query text, its form, the
media type, the dataset it ran against (which holds the caller's readable graphs: callers who may
read different graphs never share an answer), the row cap and that generation, in a least-recently-
used table of bounded size. Facet counts and other aggregates that take Oxigraph a second at 100k
factors are then answered from memory when asked again. Federated queries (SERVICE) are never
kept: their remote part may change at any time; nor are answers of stores without a generation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from registry.query.worker import Answer


class AnswerCache:
    """A byte-bounded LRU table of the answers of one store generation; one answer takes at most an
    eighth of it. Seeing a newer generation empties it; answers of an older one are not kept."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.max_entry = max_bytes, max_bytes // 8
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._generation = -1
        self._lock = threading.Lock()

    def _at(self, generation: int) -> bool:
        """Whether ``generation`` is the table's (emptying it for a newer one); under the lock."""
        if generation > self._generation:
            self._entries.clear()
            self._bytes, self._generation = 0, generation
        return generation == self._generation

    def get(self, key: Hashable, generation: int) -> Answer | None:
        with self._lock:
            answer = self._entries.get(key) if self._at(generation) else None
            if answer is not None:
                self._entries.move_to_end(key)
            return answer

    def put(self, key: Hashable, generation: int, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.max_entry:
            return
        with self._lock:
            if not self._at(generation):
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)
