"""Reading CSV files: encoding (declared, or detected line by line), delimiter and header checks.

Detection: a UTF-8 byte-order mark means UTF-8; otherwise each line is decoded as UTF-8 and, failing
that, as GB18030 (a superset of GBK and GB2312, what Chinese spreadsheets save). A file where some
non-ASCII lines are UTF-8 and others are not is refused as mixed encodings, naming a line of each.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Collection, Iterator
from decimal import Decimal
from typing import TypeVar

from registry.ingest import geography, units
from registry.ingest.base import Accumulator, Context, IngestError, Input, NumberError, parse_decimal

T = TypeVar("T")


class RowError(ValueError):
    pass


csv.field_size_limit(1 << 20)


def decode(inp: Input, declared: str | None = None) -> tuple[str, str]:
    """``(text, encoding)`` of a CSV file."""
    data = inp.data
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            raise IngestError(f"unknown encoding {declared!r}", file=inp.name) from None
        try:
            return data.decode(declared).lstrip("\ufeff"), declared
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise IngestError(
                f"not {declared}: {e.reason} at byte {e.start}", file=inp.name, where=f"line {line}"
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise IngestError(
                f"starts with a UTF-8 byte-order mark but is not UTF-8 ({e.reason})",
                file=inp.name,
                where=f"line {line}",
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf8_line = gb_line = None
    for n, raw in enumerate(data.split(b"\n"), 1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            utf8_line = utf8_line or n
        except UnicodeDecodeError:
            gb_line = gb_line or n
    if utf8_line and gb_line:
        raise IngestError(
            f"mixed encodings: line {utf8_line} is UTF-8 but line {gb_line} is not; save the "
            f"file in one encoding (UTF-8) or declare it",
            file=inp.name,
            where=f"line {gb_line}",
        )
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise IngestError(
            f"neither UTF-8 nor GB18030/GBK ({e.reason}); declare the encoding",
            file=inp.name,
            where=f"line {line}",
        ) from None


def rows(
    inp: Input, text: str, expected: list[str], *, required: set[str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for each data row; checks the delimiter and the header first.

    ``expected``: the header (all of it must be there, in any order, unless ``required`` says which)."""
    first = text.split("\n", 1)[0]
    if "," not in first:
        for sep, name in (("\t", "tab"), (";", "semicolon"), ("|", "vertical bar")):
            if sep in first:
                raise IngestError(
                    f"the header is separated by {name}s, not commas; save the file as comma-separated CSV",
                    file=inp.name,
                    where="line 1",
                )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise IngestError("the file is empty", file=inp.name) from None
    except csv.Error as e:
        raise IngestError(f"bad CSV: {e}", file=inp.name, where="line 1") from None
    need = required if required is not None else set(expected)
    missing = [h for h in expected if h in need and h not in header]
    unknown = [h for h in header if h and h not in expected]
    if missing or unknown:
        raise IngestError(
            "wrong header: "
            + "; ".join(
                ([f"missing column(s) {', '.join(missing)}"] if missing else [])
                + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
            )
            + f" (expected: {','.join(expected)})",
            file=inp.name,
            where="line 1",
        )
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                raise IngestError(
                    f"{len(fields)} fields where the header has {len(header)}",
                    file=inp.name,
                    where=f"line {line}",
                )
            yield line, dict(zip(header, fields, strict=True))
    except csv.Error as e:
        raise IngestError(f"bad CSV: {e}", file=inp.name, where=f"line {reader.line_num}") from None


def mapped_rows(
    inp: Input,
    text: str,
    expected: list[str],
    ctx: Context,
    acc: Accumulator,
    to_spec: Callable[[dict[str, str], str], T],
    *,
    required: set[str] | None = None,
) -> Iterator[tuple[int, str, dict[str, str], T]]:
    """``(line, where, row, spec)`` for each row that ``to_spec(row, where)`` maps; a row it refuses
    with :class:`RowError` is listed as skipped with where it is. Counts rows read and ticks progress."""
    total = max(text.count("\n") - 1, 1)
    fname = inp.name.rsplit("/", 1)[-1]
    for n, (line, row) in enumerate(rows(inp, text, expected, required=required)):
        acc.read += 1
        if n % 500 == 0:
            ctx.tick(n, total)
        where = f"{fname} line {line}"
        try:
            spec = to_spec(row, where)
        except RowError as e:
            acc.skip(where, str(e))
            continue
        yield line, where, row, spec
    ctx.tick(total, total)


def cell_number(row: dict[str, str], col: str, absent: Collection[str] = ("",)) -> Decimal | None:
    """The non-negative decimal in ``row[col]``; ``None`` when the cell is one of ``absent``
    (compared in lower case); :class:`RowError` naming the column otherwise."""
    raw = row.get(col, "").strip()
    if raw.lower() in absent:
        return None
    try:
        value = parse_decimal(raw)
    except NumberError as e:
        raise RowError(f"bad number in column {col}: {e}") from None
    if value < 0:
        raise RowError(f"negative value in column {col} ({raw}); factors are ≥ 0")
    return value


def unit_and_region(row: dict[str, str], unit_help: str) -> tuple[units.UnitInfo, geography.Geo]:
    """The activity unit and the geography of a row's ``activity_unit`` and ``region`` columns;
    a :class:`RowError` naming the cell (and ``unit_help`` for an unknown unit) otherwise."""
    unit = units.lookup(row["activity_unit"])
    if unit is None:
        raise RowError(f"unknown unit: activity_unit {row['activity_unit']!r} {unit_help}")
    geo = geography.from_region(row["region"])
    if geo is None:
        raise RowError(f"unknown region: {row['region']!r} is neither ISO 3166 nor a known region code")
    return unit, geo
