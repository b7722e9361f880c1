"""Smoke test of the side-by-side runner (benchmarks/ab.py) against a live server: every query of
the mix is answered by both "builds" (here the same server twice) and the report has a row per
query and the geometric mean — never a time."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is beside the package, not installed with it
    sys.path.insert(0, str(ROOT))

from benchmarks import ab  # noqa: E402
from benchmarks.generate import Sizes  # noqa: E402
from benchmarks.queries import MIX  # noqa: E402


def test_side_by_side_smoke(live_server: str) -> None:
    url = live_server + "sparql"
    medians = ab.compare([url, url], MIX, Sizes(factors=300), rounds=2)
    assert set(medians) == {q.name for q in MIX} and all(len(v) == 2 and min(v) > 0 for v in medians.values())
    report = ab.report(medians)
    assert all(f"| {q.name} |" in report for q in MIX) and "geometric mean after/before" in report
