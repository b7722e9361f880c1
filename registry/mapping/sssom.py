"""SSSOM/TSV (https://mapping-commons.github.io/sssom/spec-formats-tsv/): read and write mapping sets.

A file is an optional YAML metadata block, every line starting with ``#``, then a tab-separated table.
efreg's unit-changing mappings use three extension slots, declared in ``extension_definitions``:
``conversion_factor`` (ef:conversionFactor), ``source_unit`` (ef:sourceUnit), ``target_unit`` (ef:targetUnit).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

import yaml
from rdflib import URIRef

from registry.mapping.sets import JUSTIFICATIONS, SEMAPV, SSSOM, Mapping, MappingError, MappingSet
from registry.rdf.namespaces import DCT, EF, OWL, RDFS, SKOS, UNIT, WD, XSD
from registry.spreadsheet import safe_cell, unquote_cell

#: Prefixes every SSSOM file may use without declaring them (SSSOM's built-in prefix map + ours).
BUILTIN_PREFIXES: dict[str, str] = {
    "owl": str(OWL),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "semapv": str(SEMAPV),
    "sssom": str(SSSOM),
    "xsd": str(XSD),
    "linkml": "https://w3id.org/linkml/",
    "dcterms": str(DCT),
    "pav": "http://purl.org/pav/",
    "oboInOwl": "http://www.geneontology.org/formats/oboInOwl#",
    "ef": str(EF),
    "wd": str(WD),
    "unit": str(UNIT),
}
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
#: column → Mapping attribute, for plain string columns
TEXT_COLUMNS = {
    "subject_label": "subject_label",
    "object_label": "object_label",
    "subject_category": "subject_category",
    "object_category": "object_category",
    "predicate_modifier": "predicate_modifier",
    "author_label": "author_label",
    "reviewer_label": "reviewer_label",
    "comment": "comment",
}
EXTENSIONS = (
    {"slot_name": "conversion_factor", "property": "ef:conversionFactor", "type_hint": "xsd:decimal"},
    {"slot_name": "source_unit", "property": "ef:sourceUnit", "type_hint": "linkml:Uriorcurie"},
    {"slot_name": "target_unit", "property": "ef:targetUnit", "type_hint": "linkml:Uriorcurie"},
)
_CURIE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):(\S*)")


def _split(text: str) -> tuple[str, str, int]:
    """(YAML metadata, TSV table, line number of the table's header)."""
    lines = text.splitlines(keepends=True)
    meta: list[str] = []
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        meta.append(lines[i][1:])
        i += 1
    return "".join(meta), "".join(lines[i:]), i + 1


def _metadata(text: str, source: str) -> dict:
    try:
        meta = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise MappingError(
            f"metadata header is not valid YAML ({getattr(exc, 'problem', exc)})",
            source=source,
            row=(mark.line + 1) if mark is not None else None,
        ) from None
    if not isinstance(meta, dict):
        raise MappingError("metadata header must be a YAML mapping (key: value lines)", source=source, row=1)
    return meta


class Expander:
    """CURIE ↔ IRI with one prefix map."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = {**BUILTIN_PREFIXES, **prefixes}

    def iri(self, value: str, *, row: int, column: str, source: str) -> URIRef:
        value = value.strip()
        if value.startswith("<") and value.endswith(">"):
            value = value[1:-1]
        if re.match(r"(https?|urn|ftp)://|urn:", value):
            return URIRef(value)
        m = _CURIE.fullmatch(value)
        if not m:
            raise MappingError(f"{column} {value!r} is neither a CURIE nor an IRI", source=source, row=row)
        ns = self.prefixes.get(m.group(1))
        if ns is None:
            raise MappingError(
                f"{column} {value!r}: prefix {m.group(1)!r} is not in the curie_map", source=source, row=row
            )
        return URIRef(ns + m.group(2))

    def curie(self, iri: URIRef) -> str:
        text = str(iri)
        best = max(
            (p for p, ns in self.prefixes.items() if text.startswith(ns) and _local_ok(text[len(ns) :])),
            key=lambda p: len(self.prefixes[p]),
            default=None,
        )
        return f"{best}:{text[len(self.prefixes[best]) :]}" if best else text


def _local_ok(local: str) -> bool:
    return not re.search(r"[\s<>\"{}|\\^`]", local)


def _decimal(value: str, *, row: int, column: str, source: str) -> Decimal:
    try:
        d = Decimal(value.strip())
    except InvalidOperation:
        raise MappingError(f"{column} {value!r} is not a number", source=source, row=row) from None
    if not d.is_finite():
        raise MappingError(f"{column} {value!r} is not a finite number", source=source, row=row)
    return d


def read_sssom(
    text: str,
    *,
    source: str = "<sssom>",
    set_id: str | None = None,
    publisher: str = "efreg",
    metadata: str | None = None,
) -> MappingSet:
    """Parse SSSOM/TSV (metadata embedded, or given separately as ``metadata`` YAML). Any malformed row
    raises :class:`MappingError` naming the line."""
    embedded, table, header_line = _split(text)
    meta = _metadata(metadata if metadata is not None else embedded, source)
    for key in ("mapping_set_id", "license"):
        if not meta.get(key):
            raise MappingError(f"metadata lacks {key} (SSSOM requires it)", source=source, row=1)
    curie_map = meta.get("curie_map") or {}
    if not isinstance(curie_map, dict) or not all(isinstance(v, str) for v in curie_map.values()):
        raise MappingError("curie_map must map prefixes to IRI strings", source=source, row=1)
    ex = Expander({str(k): v for k, v in curie_map.items()})
    reader = csv.reader(io.StringIO(table), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        header = next(reader)
    except StopIteration:
        raise MappingError("no table after the metadata", source=source, row=header_line) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise MappingError(
            f"table header lacks column(s) {', '.join(missing)}", source=source, row=header_line
        )
    mset_id = set_id or _set_id(str(meta["mapping_set_id"]))
    mset = MappingSet(
        mset_id,
        str(meta.get("mapping_set_title") or mset_id),
        ex.iri(str(meta["license"]), row=1, column="license", source=source),
        publisher,
        description=meta.get("mapping_set_description"),
        source=URIRef(str(meta.get("mapping_set_source") or meta["mapping_set_id"])),
        subject_source=_opt_iri(ex, meta.get("subject_source"), source),
        object_source=_opt_iri(ex, meta.get("object_source"), source),
        prefixes={str(k): v for k, v in curie_map.items()},
    )
    for offset, row in enumerate(reader):
        line = header_line + 1 + offset
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MappingError(f"{len(row)} field(s), the header has {len(header)}", source=source, row=line)
        cells = dict(zip(header, map(unquote_cell, row), strict=True))  # what write_sssom made safe
        mset.mappings.append(_mapping(cells, ex, line, source, meta))
    if not mset.mappings:
        raise MappingError("the table holds no mapping", source=source, row=header_line)
    return mset


def _opt_iri(ex: Expander, value: object, source: str) -> URIRef | None:
    return ex.iri(str(value), row=1, column="metadata", source=source) if value else None


def _set_id(mapping_set_id: str) -> str:
    tail = mapping_set_id.rstrip("/").rsplit("/", 1)[-1]
    tail = re.sub(r"\.sssom\.tsv$|\.tsv$", "", tail)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", tail).strip("-.") or "mappings"


def _mapping(cells: dict[str, str], ex: Expander, line: int, source: str, meta: dict) -> Mapping:
    for column in REQUIRED_COLUMNS:
        if not cells[column].strip():
            raise MappingError(f"{column} is empty", source=source, row=line)
    just = ex.iri(cells["mapping_justification"], row=line, column="mapping_justification", source=source)
    if just not in JUSTIFICATIONS:
        raise MappingError(
            f"mapping_justification {cells['mapping_justification']!r} is not a semapv "
            "justification (e.g. semapv:ManualMappingCuration)",
            source=source,
            row=line,
        )
    m = Mapping(
        ex.iri(cells["subject_id"], row=line, column="subject_id", source=source),
        ex.iri(cells["predicate_id"], row=line, column="predicate_id", source=source),
        ex.iri(cells["object_id"], row=line, column="object_id", source=source),
        justification=just,
        row=line,
    )
    for column, attr in TEXT_COLUMNS.items():
        value = (cells.get(column) or "").strip()
        if value:
            setattr(m, attr, value)
    if m.predicate_modifier not in (None, "Not"):
        raise MappingError(
            f"predicate_modifier {m.predicate_modifier!r} is not 'Not'", source=source, row=line
        )
    if (cells.get("confidence") or "").strip():
        m.confidence = _decimal(cells["confidence"], row=line, column="confidence", source=source)
        if not 0 <= m.confidence <= 1:
            raise MappingError(f"confidence {m.confidence} is outside [0, 1]", source=source, row=line)
    if (cells.get("conversion_factor") or "").strip():
        m.conversion_factor = _decimal(
            cells["conversion_factor"], row=line, column="conversion_factor", source=source
        )
        if m.conversion_factor <= 0:
            raise MappingError(
                f"conversion_factor {m.conversion_factor} is not positive", source=source, row=line
            )
    for column in ("source_unit", "target_unit"):
        if (cells.get(column) or "").strip():
            setattr(m, column, ex.iri(cells[column], row=line, column=column, source=source))
    date = (cells.get("mapping_date") or "").strip()
    if date:
        try:
            m.mapping_date = dt.date.fromisoformat(date)
        except ValueError:
            raise MappingError(f"mapping_date {date!r} is not YYYY-MM-DD", source=source, row=line) from None
    return m


def write_sssom(
    mset: MappingSet,
    *,
    mapping_set_id: str,
    version: int | None = None,
    base_prefixes: dict[str, str] | None = None,
) -> str:
    """SSSOM/TSV with the metadata embedded. Only prefixes that are used go into ``curie_map``; only
    columns with a value in some row are written (the four required ones always)."""
    ex = Expander({**mset.prefixes, **(base_prefixes or {})})
    rows: list[dict[str, str]] = []
    for m in mset.mappings:
        row = {
            "subject_id": ex.curie(m.subject),
            "predicate_id": ex.curie(m.predicate),
            "object_id": ex.curie(m.object),
            "mapping_justification": ex.curie(m.justification),
        }
        for column, attr in TEXT_COLUMNS.items():
            value = getattr(m, attr)
            if value:
                row[column] = re.sub(r"[\t\r\n]+", " ", value)
        if m.confidence is not None:
            row["confidence"] = _plain(m.confidence)
        if m.mapping_date is not None:
            row["mapping_date"] = m.mapping_date.isoformat()
        if m.conversion_factor is not None:
            row["conversion_factor"] = _plain(m.conversion_factor)
        for column in ("source_unit", "target_unit"):
            if getattr(m, column) is not None:
                row[column] = ex.curie(getattr(m, column))
        rows.append(row)
    order = [
        "subject_id",
        "subject_label",
        "subject_category",
        "predicate_id",
        "predicate_modifier",
        "object_id",
        "object_label",
        "object_category",
        "mapping_justification",
        "confidence",
        "author_label",
        "reviewer_label",
        "mapping_date",
        "comment",
        "conversion_factor",
        "source_unit",
        "target_unit",
    ]
    columns = [c for c in order if c in REQUIRED_COLUMNS or any(c in r for r in rows)]
    used = {
        v.split(":", 1)[0]
        for r in rows
        for k, v in r.items()
        if k.endswith(("_id", "_justification", "_unit")) and not v.startswith(("http", "urn:"))
    }
    meta: dict[str, object] = {
        "curie_map": {
            p: ex.prefixes[p]
            for p in sorted(used | {"ef"} if "conversion_factor" in columns else used)
            if p in ex.prefixes
        },
        "mapping_set_id": mapping_set_id,
    }
    if version is not None:
        meta["mapping_set_version"] = str(version)
    meta["mapping_set_title"] = mset.title_en
    if mset.description:
        meta["mapping_set_description"] = mset.description
    meta["license"] = str(mset.license)
    if mset.source is not None:
        meta["mapping_set_source"] = str(mset.source)
    for key in ("subject_source", "object_source"):
        value = getattr(mset, key)
        if value is not None:
            meta[key] = ex.curie(value)
            meta["curie_map"][ex.curie(value).split(":", 1)[0]] = ex.prefixes.get(  # type: ignore[index]
                ex.curie(value).split(":", 1)[0], ""
            )
    meta["curie_map"] = {k: v for k, v in meta["curie_map"].items() if v}  # type: ignore[union-attr]
    if "conversion_factor" in columns or "source_unit" in columns:
        meta["extension_definitions"] = [dict(e) for e in EXTENSIONS]
    header = "".join(
        "#" + line + "\n" for line in yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).splitlines()
    )
    # every cell safe to open in a spreadsheet (registry.spreadsheet: no formula injection)
    lines = ["\t".join(columns)] + ["\t".join(safe_cell(r.get(c, "")) for c in columns) for r in rows]
    return header + "\n".join(lines) + "\n"


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
