"""The analytic replica's dictionary by id, in two append-only files: each term's key at a known offset.

The second stage of a two-stage query (:mod:`registry.query.analytic`) writes every term of its rows
back as its N-Triples key. DuckDB finds keys by id with a scan of the dictionary's id column and a
hash probe (3–6 ms of CPU for 100–1,000 ids at 100k factors, 706k terms; more at 1M); here a key is
two slices of memory-mapped files: ``analytic.keys`` (the keys, UTF-8, one after the other) and
``analytic.ends`` (where each ends, little-endian uint64, the n-th for id n).

Ids are dense (0, 1, 2, … in the order the replica made them) and never change, and terms are never
deleted (:mod:`registry.store.analytic`), so the files only grow, after the replica's transaction
committed: a crash leaves a prefix of what they should hold, and :meth:`TermKeys.check` keeps the
longest consistent prefix (an ``ends`` entry past the keys' size, a torn entry: cut) whose last key
equals the dictionary's; a replica made anew (other ids) is told by that key and starts them again.
Ids the files do not hold yet are looked up in DuckDB (:meth:`registry.store.analytic.
AnalyticReplica.keys`). In memory (a replica without a directory) the keys are a list.
"""

from __future__ import annotations

import mmap
import os
import threading
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path

KEYS = "analytic.keys"
ENDS = "analytic.ends"


class TermKeys:
    """Keys of the terms ``0 … len(self) - 1`` (see the module doc); ``directory`` ``None``: in memory."""

    def __init__(self, directory: str | None) -> None:
        self._lock = threading.Lock()
        self._memory: list[str] | None = [] if directory is None else None
        self._keys_path = None if directory is None else Path(directory) / KEYS
        self._ends_path = None if directory is None else Path(directory) / ENDS
        self._count = 0
        self._size = 0  #: bytes of keys held
        self._maps: tuple[mmap.mmap, mmap.mmap] | None = None
        self._mapped = 0  #: ids the current maps cover
        if self._keys_path is not None and self._ends_path is not None:
            self._keys_path.touch()
            self._ends_path.touch()
            self._cut()

    def __len__(self) -> int:
        return self._count

    def _cut(self) -> None:
        """The longest prefix whose every ``ends`` entry lies within the keys written."""
        assert self._keys_path is not None and self._ends_path is not None
        size = self._keys_path.stat().st_size
        ends = array("Q")
        with self._ends_path.open("rb") as fh:
            raw = fh.read()
        ends.frombytes(raw[: len(raw) // 8 * 8])
        count = len(ends)
        while count and ends[count - 1] > size:
            count -= 1
        self._set_length(count, ends[count - 1] if count else 0)

    def _set_length(self, count: int, size: int) -> None:
        assert self._keys_path is not None and self._ends_path is not None
        self._close_maps()
        os.truncate(self._ends_path, count * 8)
        os.truncate(self._keys_path, size)
        self._count, self._size = count, size

    def check(self, key_of: Callable[[int], str | None]) -> None:
        """Start again unless the last key held is the dictionary's key of that id (``key_of``)."""
        with self._lock:
            if self._count and key_of(self._count - 1) != self._key(self._count - 1):
                if self._memory is not None:
                    self._memory.clear()
                    self._count = 0
                else:
                    self._set_length(0, 0)

    def append(self, first: int, keys: Iterable[str]) -> bool:
        """Add the keys of ids ``first``, ``first + 1``, …; ``False`` (nothing added) unless
        ``first`` is the next id."""
        with self._lock:
            if first != self._count:
                return False
            keys = list(keys)
            if self._memory is not None:
                self._memory.extend(keys)
                self._count += len(keys)
                return True
            assert self._keys_path is not None and self._ends_path is not None
            data = [k.encode("utf-8") for k in keys]
            ends, at = array("Q"), self._size
            for d in data:
                at += len(d)
                ends.append(at)
            with self._keys_path.open("ab") as fh:  # keys first: an end never points past them
                fh.write(b"".join(data))
            with self._ends_path.open("ab") as fh:
                fh.write(ends.tobytes())
            self._count += len(data)
            self._size = at
            return True

    def get(self, ids: Iterable[int]) -> dict[int, str]:
        """The keys of those of ``ids`` held."""
        with self._lock:
            held = [i for i in ids if 0 <= i < self._count]
            return {i: self._key(i) for i in held}

    def _key(self, i: int) -> str:
        if self._memory is not None:
            return self._memory[i]
        if self._maps is None or i >= self._mapped:
            self._remap()
        assert self._maps is not None
        keys, ends = self._maps
        start = int.from_bytes(ends[(i - 1) * 8 : i * 8], "little") if i else 0
        end = int.from_bytes(ends[i * 8 : (i + 1) * 8], "little")
        return keys[start:end].decode("utf-8")

    def _remap(self) -> None:
        assert self._keys_path is not None and self._ends_path is not None
        self._close_maps()
        with self._keys_path.open("rb") as k, self._ends_path.open("rb") as e:
            self._maps = (
                mmap.mmap(k.fileno(), self._size, access=mmap.ACCESS_READ),
                mmap.mmap(e.fileno(), self._count * 8, access=mmap.ACCESS_READ),
            )
        self._mapped = self._count

    def _close_maps(self) -> None:
        if self._maps is not None:
            for m in self._maps:
                m.close()
            self._maps, self._mapped = None, 0

    def close(self) -> None:
        with self._lock:
            self._close_maps()
