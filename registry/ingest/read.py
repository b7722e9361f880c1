"""Reading input files into one :class:`~registry.ingest.quads.ImportData`: the importers keyed by
format, format detection, and ``read_paths`` (nothing is stored; :mod:`registry.ingest.gate` stores)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from rdflib import Literal, URIRef

from registry.config import Settings
from registry.ingest import csv_oefdb, csv_template, ilcd, rdf, zipped
from registry.ingest.base import (
    Accumulator,
    Context,
    Importer,
    ImportResult,
    IngestError,
    Input,
    InputTooLarge,
    NothingImported,
    Skipped,
    over_limit,
    valid_id,
)
from registry.ingest.quads import ImportData

IMPORTERS: dict[str, Importer] = {
    "ilcd": ilcd.import_ilcd,
    "tidas": ilcd.import_tidas,
    "oefdb-csv": csv_oefdb.import_oefdb,
    "csv": csv_template.import_template,
    **{name: rdf.importer(name) for name in rdf.FORMATS},
    "zip": lambda inputs, ctx, acc: zipped.import_zip(
        inputs, ctx, acc, reader=lambda members: read_inputs(members, format=None, ctx=ctx, acc=acc)
    ),
}

_SUFFIX = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".trig": "trig",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".jsonld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".zip": "zip",
}
_ILCD_ROOTS = {
    "processDataSet",
    "flowDataSet",
    "flowPropertyDataSet",
    "unitGroupDataSet",
    "sourceDataSet",
    "contactDataSet",
    "lciaMethodDataSet",
}


def detect_format(path: Path, data: bytes | None = None) -> str:
    """The format of a file, by suffix and a sniff of its content."""
    suffix = path.suffix.lower()
    if suffix in _SUFFIX:
        return _SUFFIX[suffix]
    head = (data if data is not None else _head(path))[:4096]
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if suffix == ".xml" or text.startswith("<"):
        if "rdf:RDF" in text or "http://www.w3.org/1999/02/22-rdf-syntax-ns#" in text:
            return "rdfxml"
        if any(f"<{root}" in text for root in _ILCD_ROOTS) or "http://lca.jrc.it/ILCD" in text:
            return "ilcd"
        raise IngestError("XML that is neither ILCD nor RDF/XML; pass --format", file=path)
    if suffix == ".json" or text.startswith(("{", "[")):
        if any(f'"{root}"' in text for root in _ILCD_ROOTS):
            return "tidas"
        if '"@context"' in text or '"@id"' in text or '"@graph"' in text:
            return "jsonld"
        raise IngestError("JSON that is neither TIDAS nor JSON-LD; pass --format", file=path)
    if suffix in {".csv", ".tsv", ".txt"}:
        first = text.splitlines()[0] if text else ""
        return "oefdb-csv" if "activity_id" in first and "kgCO2e-AR5" in first else "csv"
    raise IngestError(
        f"cannot tell the format from the name or the content (suffix {suffix or 'none'}); "
        f"pass --format (one of {', '.join(IMPORTERS)})",
        file=path,
    )


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(4096)


def _files(paths: Sequence[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and not f.name.startswith(".")
                    and f.suffix.lower() not in {".md", ".tsv", ".png", ".pdf"}
                    and f.name not in {"LICENSE", "README.txt"}
                )
            )
        elif p.is_file():
            out.append(p)
        else:
            raise IngestError("no such file or directory", file=p)
    return out


def shown(path: Path, root: Path | None) -> str:
    """How a file is named in reports: relative to ``root`` (an upload's temporary directory, so a
    report names the file as the client sent it, never a server path), else as given."""
    if root is not None:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def _fs_resolver(path: Path, root: Path | None = None) -> Callable[[str], tuple[str, bytes] | None]:
    def resolve(rel: str) -> tuple[str, bytes] | None:
        if not rel or "://" in rel or rel.startswith("/"):
            return None
        target = (path.parent / rel).resolve()
        if target.is_file():
            return shown(target, root), target.read_bytes()
        return None

    return resolve


def read_inputs(inputs: list[Input], *, format: str | None, ctx: Context, acc: Accumulator) -> None:
    """Group inputs by format and run each importer (ZIP members come back here)."""
    groups: dict[str, list[Input]] = {}
    for inp in inputs:
        fmt = format or detect_format(Path(inp.name.rsplit("!", 1)[-1]), inp.data)
        if fmt not in IMPORTERS:
            raise IngestError(f"unknown format {fmt!r}; known: {', '.join(IMPORTERS)}", file=inp.name)
        groups.setdefault(fmt, []).append(inp)
    for fmt, group in groups.items():
        if fmt == "zip":
            zipped.import_zip(
                group,
                ctx,
                acc,
                reader=lambda members: read_inputs(
                    members, format=None if format == "zip" else format, ctx=ctx, acc=acc
                ),
            )
        else:
            IMPORTERS[fmt](group, ctx, acc)


def read_paths(
    paths: Sequence[Path],
    *,
    format: str | None,
    base_uri: str,
    dataset_id: str | None,
    publisher: str | None,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    publish_contacts: bool = False,
    encoding: str | None = None,
    next_version: Callable[[str], int] | None = None,
    review_status: str = "Published",
    access_level: str = "Open",
    root: Path | None = None,
) -> ImportResult:
    """Read files (or directories of them) into one :class:`ImportData`; nothing is stored.

    ``review_status``: ``Published`` for CLI loads by administrators; uploads pass ``Draft``.
    ``access_level``: ``Open`` or ``Commercial``. ``root``: files are named relative to it in every
    report and error (an upload's temporary directory: the names the client sent).

    Raises :class:`IngestError` for input that does not parse or breaks a limit."""
    if format is not None and format not in IMPORTERS:
        raise IngestError(f"unknown format {format!r}; known: {', '.join(IMPORTERS)}")
    if dataset_id is not None:
        if not valid_id(dataset_id):
            raise IngestError(f"dataset id {dataset_id!r} may only use letters, digits, '.', '_' and '-'")
    ctx = Context(
        base_uri=base_uri if base_uri.endswith("/") else base_uri + "/",
        settings=settings,
        dataset_id=dataset_id,
        publisher=publisher,
        publish_contacts=publish_contacts,
        encoding=encoding,
        progress=progress,
        review_status=review_status,
        access_level=access_level,
    )
    if review_status not in {"Draft", "Submitted", "Published"} or access_level not in {"Open", "Commercial"}:
        raise IngestError(f"review status {review_status!r} / access level {access_level!r} not allowed")
    if next_version is not None:
        ctx.next_version = next_version
    inputs = []
    for f in _files(paths):
        size = f.stat().st_size
        if size > settings.max_file_bytes:
            raise InputTooLarge(
                over_limit("max_file_bytes", settings.max_file_bytes, "the file", size), file=shown(f, root)
            )
        inputs.append(Input(shown(f, root), f.read_bytes(), _fs_resolver(f, root)))
    if not inputs:
        raise IngestError("no input files", file=", ".join(shown(p, root) for p in paths))
    acc = Accumulator(ImportData())
    read_inputs(inputs, format=format, ctx=ctx, acc=acc)
    if acc.imported == 0:  # no empty version: refused with every row skipped and why
        raise NothingImported(acc.skipped, acc.read, file=", ".join(Path(p).name for p in paths))
    for w in acc.writers.values():
        w.finish()
    check_terms(acc.dataset, settings, ", ".join(shown(p, root) for p in paths))
    return ImportResult(
        data=acc.dataset,
        dataset_iris=acc.dataset_iris,
        skipped=acc.skipped,
        read=acc.read,
        imported=acc.imported,
    )


#: Characters XML 1.0 cannot carry, even escaped (C0 controls but tab, LF, CR; U+FFFE, U+FFFF):
#: a literal holding one would make RDF/XML documents and SPARQL XML results unreadable.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def check_terms(data: ImportData, settings: Settings, files: str) -> None:
    """Refuse a literal longer than ``max_literal_chars`` or an IRI longer than ``max_iri_chars``
    (a megabyte label or IRI is a slip or an attack), and a literal holding a control character,
    naming the triple it is in."""
    literal_limit, iri_limit = settings.max_literal_chars, settings.max_iri_chars
    for s, p, o, _g in data.quads():
        if isinstance(o, Literal):
            bad = CONTROL.search(o)
            if bad:
                raise IngestError(
                    f"a literal holds the control character U+{ord(bad.group()):04X} at character "
                    f"{bad.start() + 1} ({str(o)[: bad.start()][-40:]!r}…); remove it",
                    file=files,
                    where=f"the triple <{str(s)[:120]}> <{str(p)[:120]}> …",
                )
        for term in (s, p, o):
            n = len(term)
            if n <= iri_limit or (isinstance(term, Literal) and n <= literal_limit):
                continue
            if isinstance(term, Literal):
                what, limit, setting = "a literal", literal_limit, "max_literal_chars"
            elif isinstance(term, URIRef):
                what, limit, setting = "an IRI", iri_limit, "max_iri_chars"
            else:
                continue
            where = f"the triple <{str(s)[:120]}> <{str(p)[:120]}> …"
            raise IngestError(
                f"{what} of {n:,} characters, more than the limit of {limit:,} (setting {setting})",
                file=files,
                where=where,
            )


def skipped_json(skipped: list[Skipped]) -> str:
    return json.dumps([{"where": s.where, "reason": s.reason} for s in skipped], ensure_ascii=False)
