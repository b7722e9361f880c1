"""The table of kept answers (registry.query.answers): bounded in bytes, least recently used first
out, emptied by a newer store generation, deaf to answers of an older one."""

from __future__ import annotations

from registry.query.answers import AnswerCache
from registry.query.worker import Answer


def answer(size: int) -> Answer:
    return Answer("select", "text/csv", b"x" * size, 1, False)


def test_least_recently_used_answers_leave_first_and_big_ones_never_enter() -> None:
    cache = AnswerCache(800)
    for key in "abcd":
        cache.put(key, 1, answer(100))
    assert cache.get("a", 1) is not None  # a is now the most recently used
    for key in "efghi":
        cache.put(key, 1, answer(100))
    assert cache.get("b", 1) is None and cache.get("a", 1) is not None and len(cache) == 8
    cache.put("big", 1, answer(101))  # more than an eighth of the table
    assert cache.get("big", 1) is None


def test_a_newer_generation_empties_the_table_and_an_older_one_is_not_kept() -> None:
    cache = AnswerCache(1000)
    cache.put("q", 1, answer(10))
    assert cache.get("q", 2) is None and len(cache) == 0
    cache.put("q", 1, answer(10))  # evaluated before the write, finished after it
    assert cache.get("q", 2) is None and len(cache) == 0
