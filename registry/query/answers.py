"""Answers kept while what they were computed from has not changed.

A published dataset version never changes; what a query answers changes only when the graphs it
reads are written. An answer is kept under the query text, its form, the media type, the dataset it
ran against (which holds the caller's readable graphs: callers who may read different graphs never
share an answer), the row cap and the state its dataset depends on (:func:`registry.publishing.
freshness.depends_on`: for a caller who reads only the public graphs, the public generation, which
a draft upload or a submission leaves where it is; for any other caller, the store's write
generation), in a least-recently-used table of bounded size. Facet counts and other aggregates that
take Oxigraph a second at 100k factors are then answered from memory when asked again. Federated
queries (SERVICE) are never kept: their remote part may change at any time; nor are answers of
stores without a generation. A release evaluates the public answers asked lately again before it
ends (:meth:`registry.query.endpoint.Endpoint.renew`), so readers after it find them kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from registry.query.worker import Answer


class AnswerCache:
    """A byte-bounded LRU table of answers, each under its key and the state it was computed at; one
    answer takes at most an eighth of the table. An answer of another state than the one asked for
    is never given; it ages out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.max_entry = max_bytes, max_bytes // 8
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, state: Hashable) -> Answer | None:
        with self._lock:
            answer = self._entries.get((state, key))
            if answer is not None:
                self._entries.move_to_end((state, key))
            return answer

    def put(self, key: Hashable, state: Hashable, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.max_entry:
            return
        with self._lock:
            old = self._entries.pop((state, key), None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[(state, key)] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)
