"""ECFO conversion factors as read from a partner's SPARQL endpoint: :class:`EcfoRecord`, the two
queries a harvest sends (one page of conversion factor IRIs, then their description) and the folding of
result rows into records. :mod:`registry.ecfo.conversion` turns records into efreg factors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from registry.rdf.namespaces import DCT, ECFO, EF, RDF, RDFS, TIME


@dataclass
class EcfoRecord:
    """One ECFO conversion factor as read from a partner (one value, one target)."""

    iri: str
    value: str | None = None
    source: str | None = None
    source_labels: set[str] = field(default_factory=set)
    target: str | None = None
    target_formulas: set[str] = field(default_factory=set)
    target_labels: set[str] = field(default_factory=set)
    source_unit: str | None = None
    target_unit: str | None = None
    location: str | None = None
    start: str | None = None
    end: str | None = None
    scopes: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    license: str | None = None
    gwp: str | None = None
    boundary: str | None = None
    conflicts: set[str] = field(default_factory=set)  #: single-valued properties given twice, differently

    def decimal_value(self) -> Decimal:
        if self.value is None:
            raise ValueError("no rdf:value")
        try:
            d = Decimal(self.value.strip())
        except InvalidOperation:
            raise ValueError(f"rdf:value {self.value!r} is not a number") from None
        if not d.is_finite() or d < 0:
            raise ValueError(f"rdf:value {self.value!r} is not a finite number ≥ 0")
        return d


#: Columns of the harvest's detail query → EcfoRecord attribute (set-valued ones are collected).
RECORD_FIELDS = {
    "value": "value",
    "source": "source",
    "sourceLabel": "source_labels",
    "target": "target",
    "targetFormula": "target_formulas",
    "targetLabel": "target_labels",
    "sunit": "source_unit",
    "tunit": "target_unit",
    "loc": "location",
    "start": "start",
    "end": "end",
    "scope": "scopes",
    "context": "contexts",
    "label": "labels",
    "license": "license",
    "gwp": "gwp",
    "boundary": "boundary",
}


def detail_query(cfs: list[str]) -> str:
    """The ECFO description of the conversion factors ``cfs`` (one page), one row per combination."""
    values = " ".join(f"<{c}>" for c in cfs)
    return f"""PREFIX ecfo: <{ECFO}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX time: <{TIME}>
PREFIX dct: <{DCT}>
PREFIX ef: <{EF}>
SELECT ?cf ?value ?source ?sourceLabel ?target ?targetFormula ?targetLabel ?sunit ?tunit ?loc ?start ?end
       ?scope ?context ?label ?license ?gwp ?boundary
WHERE {{
  VALUES ?cf {{ {values} }}
  ?cf a ecfo:EmissionConversionFactor .
  OPTIONAL {{ ?cf rdf:value ?value }}
  OPTIONAL {{ ?cf ecfo:hasEmissionSource ?source OPTIONAL {{ ?source rdfs:label ?sourceLabel }} }}
  OPTIONAL {{ ?cf ecfo:hasEmissionTarget ?target
             OPTIONAL {{ ?target <http://schema.org/molecularFormula>|<https://schema.org/molecularFormula> ?targetFormula }}
             OPTIONAL {{ ?target rdfs:label ?targetLabel }} }}
  OPTIONAL {{ ?cf ecfo:hasSourceUnit ?sunit }}
  OPTIONAL {{ ?cf ecfo:hasTargetUnit ?tunit }}
  OPTIONAL {{ ?cf ecfo:hasApplicableLocation ?loc }}
  OPTIONAL {{ ?cf ecfo:hasApplicablePeriod ?p .
             OPTIONAL {{ ?p time:hasBeginning/(time:inXSDDate|time:inXSDDateTime|time:inXSDDateTimeStamp) ?start }}
             OPTIONAL {{ ?p time:hasEnd/(time:inXSDDate|time:inXSDDateTime|time:inXSDDateTimeStamp) ?end }} }}
  OPTIONAL {{ ?cf ecfo:hasScope ?scope }}
  OPTIONAL {{ ?cf ecfo:hasAdditionalContext ?context }}
  OPTIONAL {{ ?cf rdfs:label ?label }}
  OPTIONAL {{ ?cf dct:license ?license }}
  OPTIONAL {{ ?cf ef:gwpSet ?gwp }}
  OPTIONAL {{ ?cf ef:boundary ?boundary }}
}}"""


def list_query(limit: int, offset: int) -> str:
    """One page of the partner's conversion factor IRIs, in a total order (so pages neither overlap nor skip)."""
    return (
        f"PREFIX ecfo: <{ECFO}>\nSELECT DISTINCT ?cf WHERE {{ ?cf a ecfo:EmissionConversionFactor . "
        f"FILTER(isIRI(?cf)) }}\nORDER BY ?cf LIMIT {limit} OFFSET {offset}"
    )


def add_row(records: dict[str, EcfoRecord], row: dict[str, str]) -> None:
    """Fold one result row (variable → lexical value) into ``records``."""
    cf = row["cf"]
    rec = records.setdefault(cf, EcfoRecord(cf))
    for var, attr in RECORD_FIELDS.items():
        value = row.get(var)
        if value is None:
            continue
        current = getattr(rec, attr)
        if isinstance(current, set):
            current.add(value)
        elif current is None:
            setattr(rec, attr, value)
        elif current != value:
            rec.conflicts.add(var)


def day(text: str | None) -> dt.date | None:
    if not text:
        return None
    return dt.date.fromisoformat(text[:10])
