"""The write generations of a store several processes share (registry.store.generations): read
ahead by a thread of their own, so that a request does not wait for the store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from registry.store.generations import GENERATION, PUBLIC_GENERATION, Generations


class Kept:
    """The generations as a store keeps them, and which thread read them how often."""

    def __init__(self) -> None:
        self.values = {GENERATION: 1, PUBLIC_GENERATION: 1}
        self.reads: list[str] = []

    def read(self) -> dict[str, int]:
        self.reads.append(threading.current_thread().name)
        return dict(self.values)

    def by_caller(self) -> int:
        return sum(name == threading.current_thread().name for name in self.reads)


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_generations_are_read_ahead_off_the_callers_path() -> None:
    kept = Kept()
    generations = Generations(kept.read, lambda update: None, ttl=0.2, idle=0.6)
    try:
        assert generations.current() == (1, 1)
        assert kept.by_caller() == 1  # nothing read yet: the caller reads
        kept.values = {GENERATION: 7, PUBLIC_GENERATION: 5}  # another process wrote
        # seen within the bound without the caller reading: the reading thread keeps it fresh
        assert wait_until(lambda: generations.current() == (7, 5), seconds=1.0)
        for _ in range(20):
            generations.current()
            time.sleep(0.02)
        assert kept.by_caller() == 1
        assert kept.reads.count("efreg-generations") >= 2
        # quiet for longer than idle: the thread stops; the next caller reads itself again
        time.sleep(1.0)
        stopped = len(kept.reads)
        time.sleep(0.3)
        assert len(kept.reads) == stopped
        generations.current()
        assert kept.by_caller() == 2
    finally:
        generations.close()


def test_expired_generations_are_read_by_the_caller() -> None:
    kept = Kept()
    generations = Generations(kept.read, lambda update: None, ttl=5.0)
    try:
        generations.current()
        kept.values = {GENERATION: 9, PUBLIC_GENERATION: 9}
        assert generations.current() == (1, 1)  # within the bound
        generations.expire()  # e.g. the write lock was just taken: read afresh
        assert generations.current() == (9, 9)
        assert kept.by_caller() == 2
    finally:
        generations.close()
