"""The LCA community's flow-mapping CSV (fedelemflowlist's "Flow Mapping format", FlowMapping.md) → a mapping set.

Columns: SourceListName, SourceFlowName, SourceFlowUUID, SourceFlowContext, SourceUnit, MatchCondition,
ConversionFactor, TargetFlowName, TargetFlowUUID, TargetFlowContext, TargetUnit, Mapper, Verifier, LastUpdated.

How a row becomes a mapping:

- subject ``urn:uuid:{SourceFlowUUID}``, object ``urn:uuid:{TargetFlowUUID}`` (flows are identified by UUID in
  both lists; the list names go to ``subject_source`` / ``object_source``, the contexts to
  ``subject_category`` / ``object_category``). A row without SourceFlowUUID gets a name-based UUID
  (uuid5 of list, context, name and unit) — the format allows that; the result is not openLCA's own UUID.
- MatchCondition ``=`` → skos:exactMatch, ``~`` (proxy) → skos:closeMatch, ``<`` (source is a subset of the
  target) → skos:broadMatch, ``>`` (source is a superset) → skos:narrowMatch; empty means ``=``.
- ConversionFactor (default 1) → ef:conversionFactor, kept only when it is not 1 or the units differ;
  SourceUnit/TargetUnit → ef:sourceUnit/ef:targetUnit (QUDT units; ``m2*a`` is minted as ``unit/M2-YR``).
- Mapper/Verifier → author_label/reviewer_label; LastUpdated (M/D/YYYY) → mapping_date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal, InvalidOperation

from rdflib import URIRef

from registry.mapping.sets import SEMAPV, Mapping, MappingError, MappingSet
from registry.rdf.namespaces import SKOS, UNIT

REQUIRED = (
    "SourceListName",
    "SourceFlowName",
    "SourceFlowContext",
    "SourceUnit",
    "TargetFlowName",
    "TargetFlowUUID",
    "TargetFlowContext",
    "TargetUnit",
)
MATCH = {
    "=": SKOS.exactMatch,
    "": SKOS.exactMatch,
    "~": SKOS.closeMatch,
    "<": SKOS.broadMatch,
    ">": SKOS.narrowMatch,
}
#: unit abbreviations of the format → QUDT unit ids (None: minted by efreg, see MINTED)
UNITS = {"kg": "KiloGM", "MJ": "MegaJ", "m3": "M3", "m2": "M2", "kBq": "KiloBQ", "m2*a": None}
MINTED = {"m2*a": ("M2-YR", "square metre year", "平方米年", "m2.a")}
_NAMESPACE = uuid.UUID("6f0a8f6e-4a2e-5d0b-9c43-9f1d2b6f4e21")  # efreg's namespace for name-based flow UUIDs


def _unit(text: str, base_uri: str, mset: MappingSet, *, row: int, source: str, column: str) -> URIRef:
    key = text.strip()
    if key not in UNITS:
        raise MappingError(
            f"{column} {text!r} is not a unit this importer knows ({', '.join(UNITS)})",
            source=source,
            row=row,
        )
    qudt = UNITS[key]
    if qudt is not None:
        return UNIT[qudt]
    uid, en, zh, ucum = MINTED[key]
    iri = URIRef(f"{base_uri}unit/{uid}")
    mset.extra_units[iri] = (en, zh, ucum)
    return iri


def _uuid(text: str, *, row: int, source: str, column: str) -> str:
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise MappingError(f"{column} {text!r} is not a UUID", source=source, row=row) from None


def _date(text: str, *, row: int, source: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        month, day, year = (int(x) for x in text.split("/"))
        return dt.date(year, month, day)
    except ValueError:
        raise MappingError(f"LastUpdated {text!r} is not a M/D/YYYY date", source=source, row=row) from None


def read_flowmap(
    text: str,
    *,
    set_id: str,
    base_uri: str,
    title: str,
    license: URIRef,
    publisher: str,
    publisher_name: str | None = None,
    source_url: URIRef | None = None,
    target_list: str = "FEDEFL",
    source: str = "<flowmap>",
) -> MappingSet:
    """Read a flow-mapping CSV; a malformed row raises :class:`MappingError` with its line number."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise MappingError(
            f"header lacks column(s) {', '.join(missing)} (see FlowMapping.md)", source=source, row=1
        )
    mset = MappingSet(
        set_id,
        title,
        license,
        publisher,
        publisher_name=publisher_name,
        source=source_url,
        prefixes={"uuid": "urn:uuid:", "unit": str(UNIT), "efreg_unit": f"{base_uri}unit/"},
    )
    lists: set[str] = set()
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise MappingError(f"{len(header)} fields expected", source=source, row=line)
        for column in REQUIRED:
            if not row[column].strip():
                raise MappingError(f"{column} is empty (required by the format)", source=source, row=line)
        cond = row.get("MatchCondition", "").strip()
        if cond not in MATCH:
            raise MappingError(f"MatchCondition {cond!r} is not one of = ~ < >", source=source, row=line)
        raw_cf = (row.get("ConversionFactor") or "").strip() or "1"
        try:
            cf = Decimal(raw_cf)
        except InvalidOperation:
            raise MappingError(
                f"ConversionFactor {raw_cf!r} is not a number", source=source, row=line
            ) from None
        if not cf.is_finite() or cf <= 0:
            raise MappingError(
                f"ConversionFactor {raw_cf!r} is not a positive number", source=source, row=line
            )
        lists.add(row["SourceListName"].strip())
        name, context, unit_text = (
            row["SourceFlowName"].strip(),
            row["SourceFlowContext"].strip(),
            row["SourceUnit"],
        )
        src_uuid = (
            _uuid(row["SourceFlowUUID"], row=line, source=source, column="SourceFlowUUID")
            if (row.get("SourceFlowUUID") or "").strip()
            else str(uuid.uuid5(_NAMESPACE, "\x1f".join((row["SourceListName"], context, name, unit_text))))
        )
        su = _unit(unit_text, base_uri, mset, row=line, source=source, column="SourceUnit")
        tu = _unit(row["TargetUnit"], base_uri, mset, row=line, source=source, column="TargetUnit")
        changes = cf != 1 or su != tu
        mset.mappings.append(
            Mapping(
                URIRef("urn:uuid:" + src_uuid),
                MATCH[cond],
                URIRef(
                    "urn:uuid:"
                    + _uuid(row["TargetFlowUUID"], row=line, source=source, column="TargetFlowUUID")
                ),
                justification=SEMAPV.ManualMappingCuration,
                subject_label=name,
                object_label=row["TargetFlowName"].strip(),
                subject_category=context,
                object_category=row["TargetFlowContext"].strip(),
                conversion_factor=cf if changes else None,
                source_unit=su if changes else None,
                target_unit=tu if changes else None,
                author_label=(row.get("Mapper") or "").strip() or None,
                reviewer_label=(row.get("Verifier") or "").strip() or None,
                mapping_date=_date(row.get("LastUpdated") or "", row=line, source=source),
                comment="proxy (MatchCondition ~)" if cond == "~" else None,
                row=line,
            )
        )
    if not mset.mappings:
        raise MappingError("no mapping rows", source=source, row=2)
    if len(lists) == 1:
        mset.description = (
            f"Flow mapping from {lists.pop()} to {target_list}, imported from the LCA flow-mapping "
            "CSV format."
        )
    return mset
