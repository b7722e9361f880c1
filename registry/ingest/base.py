"""Shared types of the importers: errors, results, the import context and the IRIs they mint."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from rdflib import Dataset, Literal, URIRef

from registry.config import Settings
from registry.ingest.quads import ImportData
from registry.rdf.namespaces import XSD


class IngestError(Exception):
    """Bad input. The message names the file and the place (row, line, XPath, UUID); the CLI exits 2."""

    def __init__(self, message: str, *, file: str | Path | None = None, where: str | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.where = where
        self.detail = message
        prefix = self.file or ""
        if where:
            prefix = f"{prefix}, {where}" if prefix else where
        super().__init__(f"{prefix}: {message}" if prefix else message)


class InputTooLarge(IngestError):
    """Input over a size limit (a file, a ZIP entry, the archive decompressed): HTTP 413, CLI exit 2.
    The message names the limit and its setting."""


def over_limit(setting: str, limit: int, what: str, size: int | None = None) -> str:
    """The message of a refusal for size: what, how big (when known), the limit and its setting."""
    found = f"{size:,} bytes" if size is not None else "more"
    return f"{what} is {found}, more than the limit of {limit:,} bytes (setting {setting})"


@dataclass
class Skipped:
    """A row or dataset that could not be mapped: where it is and why. ``part`` marks a part of a
    record left out (an exchange, a net uptake, a dangling source) while the record itself may still
    import: those are not counted among the skipped records, so read = imported + skipped holds."""

    where: str
    reason: str
    part: bool = False


#: Skipped rows a refusal's message lists (all of them are in :attr:`NothingImported.skipped`).
LISTED = 50


class NothingImported(IngestError):
    """An import in which nothing imports: every row or dataset was skipped (or there was none).
    Refused as a whole (HTTP 422, CLI exit 1), with each skipped place and its reason."""

    def __init__(self, skipped: list[Skipped], read: int, file: str | None = None) -> None:
        self.skipped = skipped
        lines = [f"{s.where}: {s.reason}" for s in skipped[:LISTED]]
        if len(skipped) > LISTED:
            lines.append(f"… and {len(skipped) - LISTED} more")
        what = f"all {read} read were skipped" if read else "the input holds nothing to import"
        super().__init__(f"nothing to import, {what}" + "".join(f"\n  {line}" for line in lines), file=file)


@dataclass
class ImportResult:
    data: ImportData
    dataset_iris: list[str]
    skipped: list[Skipped]
    read: int
    imported: int

    @functools.cached_property
    def dataset(self) -> Dataset:
        """What was read as an rdflib ``Dataset`` (built on first use; the gate does not need it)."""
        return self.data.to_dataset()

    @property
    def skipped_records(self) -> list[Skipped]:
        """The records (rows, processes) left out: read = imported + len(skipped_records)."""
        return [s for s in self.skipped if not s.part]

    @property
    def parts_left_out(self) -> list[Skipped]:
        """Parts of records left out (the record may still have imported)."""
        return [s for s in self.skipped if s.part]

    def counts(self) -> str:
        """``read 45 records, imported 36, skipped 9; 4 parts left out`` — counts that add up."""
        parts = len(self.parts_left_out)
        return f"read {self.read}, imported {self.imported}, skipped {len(self.skipped_records)}" + (
            f"; {parts} part{'s' if parts != 1 else ''} of records left out" if parts else ""
        )

    def summary(self) -> str:
        """One line: read, imported, skipped and the commonest reasons."""
        reasons: dict[str, int] = {}
        for s in self.skipped:
            key = s.reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        why = "; ".join(f"{n}× {r}" for r, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:5])
        return self.counts() + (f" ({why})" if why else "")


ProgressCallback = Callable[[int, int], None]


@dataclass
class Context:
    """What every importer is told: where IRIs live, which dataset, who publishes, limits."""

    base_uri: str
    settings: Settings
    dataset_id: str | None = None
    publisher: str | None = None
    publish_contacts: bool = False
    encoding: str | None = None
    progress: ProgressCallback | None = None
    next_version: Callable[[str], int] = field(default=lambda _id: 1)
    review_status: str = "Published"
    access_level: str = "Open"

    def iri(self, path: str) -> URIRef:
        return URIRef(self.base_uri + path)

    def tick(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


@dataclass
class Input:
    """One input file: a display name (a path, or ``archive.zip!member``), its bytes, and a way to find
    the files it references by relative URI (ILCD's ``../flows/<uuid>.xml``)."""

    name: str
    data: bytes
    resolve: Callable[[str], tuple[str, bytes] | None] = field(default=lambda _rel: None)
    in_archive: bool = False  #: a member of a ZIP archive

    @property
    def suffix(self) -> str:
        return Path(self.name.rsplit("!", 1)[-1]).suffix.lower()


class Importer(Protocol):
    """Reads every input of one format into ``into`` (an accumulator shared by the whole import)."""

    def __call__(self, inputs: list[Input], ctx: Context, into: Accumulator) -> None: ...


@dataclass
class Accumulator:
    """Everything read so far in one import."""

    dataset: ImportData
    dataset_iris: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    read: int = 0
    imported: int = 0
    writers: dict[str, Any] = field(default_factory=dict)  #: dataset id → its factor.Writer
    seen: dict[str, str] = field(default_factory=dict)  # source identifier (e.g. ILCD UUID) → file

    def skip(self, where: str, reason: str, *, part: bool = False) -> None:
        """Note a record (``part``: a part of one) left out, where and why."""
        self.skipped.append(Skipped(where, reason, part))


_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str, max_len: int = 80) -> str:
    """An identifier made of ``[A-Za-z0-9._-]`` only (the contract's rule)."""
    s = _ID_BAD.sub("-", text.strip()).strip("-.")
    return s[:max_len].rstrip("-.") or "x"


def short_id(text: str, max_len: int = 120) -> str:
    """:func:`slug`, with long ones cut and made unique by a hash of the whole text."""
    s = slug(text, 10_000)
    if len(s) <= max_len:
        return s
    import hashlib

    return s[: max_len - 11].rstrip("-.") + "-" + hashlib.sha1(text.encode()).hexdigest()[:10]


def valid_id(text: str) -> bool:
    return bool(text) and _ID_BAD.search(text) is None


def dec(value: Decimal) -> Literal:
    """An ``xsd:decimal`` literal in canonical-ish lexical form (never an exponent, never float)."""
    if not value.is_finite():
        raise ValueError(f"not a finite decimal: {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    if text in {"-0", ""}:
        text = "0"
    return Literal(text, datatype=XSD.decimal)


_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_EXP = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+")


class NumberError(ValueError):
    pass


#: The largest exponent a number may be written with (1e400 passes here and is a violation of the
#: shapes' V-PLAUSIBLE; 1e999999999 would be a billion digits once written out as a decimal).
MAX_EXPONENT = 1000


def parse_decimal(text: str, *, allow_exponent: bool = True) -> Decimal:
    """Parse a number as :class:`Decimal`. Thousands separators ("1,234.5"), dashes ("—"), words
    are refused with a message saying why; exponents ("1.2e3") are accepted when allowed."""
    t = text.strip()
    if _PLAIN.fullmatch(t):
        return Decimal(t)
    if _EXP.fullmatch(t):
        if not allow_exponent:
            raise NumberError(f"{text!r} uses an exponent; write it as a plain decimal")
        value = Decimal(t)
        if value and abs(value.adjusted()) > MAX_EXPONENT:  # written out it would be megabytes of digits
            raise NumberError(
                f"{text[:40]!r} is beyond any plausible magnitude (exponent over {MAX_EXPONENT})"
            )
        return value
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        raise NumberError(
            f"{text!r} has a thousands separator; write it without commas (e.g. {t.replace(',', '')})"
        )
    if re.fullmatch(r"[+-]?\d+,\d+", t):
        raise NumberError(f"{text!r} uses a decimal comma; use a decimal point")
    if t in {"—", "–", "-", "‒", "―"}:
        raise NumberError(f"{text!r} is a dash, not a number; leave the cell empty when there is no value")
    raise NumberError(f"{text!r} is not a number")


def to_decimal(text: str) -> Decimal:
    """Strict parse used on machine-written fields (ILCD amounts)."""
    try:
        return parse_decimal(text)
    except InvalidOperation as e:  # pragma: no cover - guarded by the regexes
        raise NumberError(f"{text!r} is not a number") from e


#: Significant digits kept when a factor is divided by its reference amount.
DIVISION_DIGITS = 12


def divide(a: Decimal, b: Decimal) -> Decimal:
    from decimal import Context as DecContext

    q = DecContext(prec=DIVISION_DIGITS).divide(a, b)
    return q
