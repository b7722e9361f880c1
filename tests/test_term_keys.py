"""The analytic replica's keys by id in files (:mod:`registry.store.term_keys`): filled after each
catch-up, equal to DuckDB's dictionary, cut back to a consistent prefix after a torn write, started
again when the dictionary is not the one they were made from."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from registry.store.analytic import AnalyticReplica
from registry.store.term_keys import ENDS, KEYS, TermKeys

EX = "http://example.org/"


def model(n: int) -> ox.Store:
    store = ox.Store()
    for i in range(n):
        graph = ox.NamedNode(f"{EX}g{i % 3}")
        value = ox.Literal(f"{i}.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), value, graph))
        store.add(
            ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}label"), ox.Literal(f"naïve «{i}»"), graph)
        )
    return store


def dictionary(replica: AnalyticReplica) -> dict[int, str]:
    return {int(i): str(k) for i, k in replica.con.execute("SELECT id, key FROM terms").fetchall()}


def test_the_files_follow_the_dictionary_and_survive_a_torn_write(tmp_path: Path) -> None:
    store = model(40)
    replica = AnalyticReplica(str(tmp_path), lambda: store, background=False)
    replica.follow(None, 1, "", "m1")
    assert replica.wait(30)
    terms = dictionary(replica)
    assert len(replica.term_keys) == len(terms) and replica.term_keys.get(terms) == terms
    store.add(
        ox.Quad(ox.NamedNode(f"{EX}new"), ox.NamedNode(f"{EX}p"), ox.Literal("é"), ox.NamedNode(f"{EX}g1"))
    )
    replica.follow([f"{EX}g1"], 2, "m1", "m2")  # a catch-up appends the new terms' keys
    terms = dictionary(replica)
    assert replica.term_keys.get(terms) == terms and len(replica.term_keys) == len(terms)
    assert replica.keys(sorted(terms), 5) == terms
    replica.close()

    # a crash in the middle of an append: a torn end, and ends past the keys written
    with (tmp_path / ENDS).open("ab") as fh:
        fh.write((10**9).to_bytes(8, "little") + b"\x01\x02\x03")
    size = (tmp_path / KEYS).stat().st_size
    with (tmp_path / KEYS).open("r+b") as fh:
        fh.truncate(size - 3)  # the last key lost its tail: its end points past the keys
    replica = AnalyticReplica(str(tmp_path), lambda: store, background=False)
    assert len(replica.term_keys) == len(terms) - 1
    assert replica.wait(30) and len(replica.term_keys) == len(terms)
    assert replica.keys(sorted(terms), 5) == terms
    replica.close()


def test_keys_of_another_dictionary_are_dropped(tmp_path: Path) -> None:
    keys = TermKeys(str(tmp_path))
    assert keys.append(0, ["<urn:a>", '"b"']) and not keys.append(5, ["<urn:c>"])
    keys.check(lambda i: {0: "<urn:a>", 1: '"b"'}.get(i))
    assert keys.get([0, 1, 2]) == {0: "<urn:a>", 1: '"b"'}
    keys.check(lambda i: "<urn:other>")  # the replica was made anew: other ids
    assert len(keys) == 0 and keys.get([0]) == {}
    assert (tmp_path / KEYS).stat().st_size == 0 and (tmp_path / ENDS).stat().st_size == 0
    keys.close()
    memory = TermKeys(None)
    assert memory.append(0, ["<urn:a>"]) and memory.get([0, 1]) == {0: "<urn:a>"}
