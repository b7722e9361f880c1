"""The table of kept answers (registry.query.answers): bounded in bytes, least recently used first
out, an answer given only for the state it was computed at."""

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


def test_an_answer_is_given_only_for_its_state_and_others_age_out() -> None:
    cache = AnswerCache(1000)
    cache.put("q", ("public", 1), answer(10))
    assert cache.get("q", ("public", 2)) is None and cache.get("q", ("store", 1)) is None
    assert cache.get("q", ("public", 1)) is not None
    for n in range(100):  # answers of later states push the old one out
        cache.put(f"q{n}", ("public", 2), answer(100))
    assert cache.get("q", ("public", 1)) is None and len(cache) == 10
