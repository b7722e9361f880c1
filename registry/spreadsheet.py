"""Cells of the CSV and TSV files the registry writes, safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (CSV injection: https://owasp.org/www-community/attacks/CSV_Injection).
Such a cell gets a leading single quote, as OWASP recommends, so it shows as text — unless the whole
cell is a number (``-1.5``, ``+2``, ``-3e-4``): numbers in value columns stay numbers.
"""

from __future__ import annotations

import csv
import io
import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: str) -> str:
    """``value``, with a leading ``'`` when a spreadsheet would read it as a formula."""
    if value and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def unquote_cell(value: str) -> str:
    """The cell :func:`safe_cell` was given (reading back what the registry wrote)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(TRIGGERS) else value


def safe_csv(data: bytes) -> bytes:
    """A CSV document (UTF-8, RFC 4180) with every cell made safe; rows and quoting kept."""
    text = data.decode("utf-8")
    if not any(t in text for t in TRIGGERS):
        return data
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")
