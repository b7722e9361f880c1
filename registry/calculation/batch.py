"""Running calculations for a caller (one, or a batch from a JSON array or a CSV file), each with its
receipt kept. What the web views and ``efreg calculate`` call."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from registry.calculation import CalculationError, NoCandidate, WrongDimension
from registry.calculation.calculate import calculate, parse
from registry.calculation.receipts import keep
from registry.publishing import access
from registry.publishing.tokens import Caller
from registry.spreadsheet import safe_cell
from registry.store import Store

MAX_ROWS = 1000
#: the input columns a CSV answer repeats
INPUT_COLUMNS = ("activity", "geography", "year", "amount", "unit", "gwp")
CSV_OUT = ("row", "status", *INPUT_COLUMNS, "factor", "co2e", "co2e_unit", "gases", "receipt", "error")


def values_hidden(store: Store, caller: Caller | None) -> Callable[[str], bool]:
    """Whether ``caller`` may not read the values of a dataset version (asked of the access decider)."""
    versions = access.snapshot(store).versions

    def hidden(dataset: str) -> bool:
        v = versions.get(dataset)
        return v is not None and v.access == "Commercial" and not access.may_read_values(store, caller, v)

    return hidden


class Calculator:
    """Calculations for one caller: the caller's view and the access decider's answer are taken once
    (a batch does not recompute them per row; writing a receipt does not change what is readable)."""

    def __init__(self, store: Store, base: str, caller: Caller | None = None) -> None:
        self.store, self.base = store, base
        self.view = access.ReadView(store, caller)
        self.hidden = values_hidden(store, caller)

    def run(self, params: Mapping[str, Any]) -> dict[str, Any]:
        inputs = parse(params, self.base)
        answer, _ = calculate(self.view, inputs, self.base, self.hidden)
        return keep(self.store, self.base, inputs, answer)


def run(store: Store, base: str, params: Mapping[str, Any], caller: Caller | None = None) -> dict[str, Any]:
    """One calculation for ``caller`` (only what the caller may read is considered); the answer with
    its receipt IRI. Bad input raises a :class:`CalculationError`."""
    return Calculator(store, base, caller).run(params)


def status_of(exc: CalculationError) -> int:
    return 422 if isinstance(exc, WrongDimension) else 404 if isinstance(exc, NoCandidate) else 400


def run_many(
    store: Store, base: str, rows: Iterable[Mapping[str, Any]], caller: Caller | None = None
) -> list[dict[str, Any]]:
    """Each row calculated on its own: an answer, or the row's error (with its HTTP-like status)."""
    out: list[dict[str, Any]] = []
    calculator = Calculator(store, base, caller)
    for n, row in enumerate(rows, 1):
        if n > MAX_ROWS:
            raise CalculationError(f"a batch holds at most {MAX_ROWS} rows")
        if not isinstance(row, Mapping):
            out.append({"row": n, "status": 400, "error": "a row is a JSON object of calculation parameters"})
            continue
        try:
            out.append({"row": n, "status": 200, **calculator.run(row)})
        except CalculationError as exc:
            out.append({"row": n, "status": status_of(exc), "error": str(exc), **exc.fields})
    return out


def read_csv(text: str) -> list[dict[str, str]]:
    """Rows of a CSV upload: a header naming the parameters (``activity,geography,year,amount,unit``…)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"activity", "amount", "unit"} <= {f.strip() for f in reader.fieldnames}:
        raise CalculationError(
            "the CSV needs a header row naming at least activity, geography, amount and unit"
        )
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def write_csv(results: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_OUT, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in results:
        inputs = r.get("inputs", {})
        row = {
            **{k: inputs.get(k, "") for k in INPUT_COLUMNS},
            "row": r["row"],
            "status": r["status"],
            "factor": r.get("factor", ""),
            "co2e": r.get("co2e", {}).get("value", ""),
            "co2e_unit": r.get("co2e", {}).get("unit", ""),
            "gases": " ".join(f"{g['gas']}={g['value']}" for g in r.get("gases", [])),
            "receipt": r.get("receipt", ""),
            "error": r.get("error", ""),
        }
        writer.writerow({k: safe_cell(str(v)) for k, v in row.items()})  # no formula reaches a spreadsheet
    return out.getvalue()
