"""A calculation: parse the inputs, choose the factor, convert the amount, multiply exactly.

``amount × factor value`` per gas, and CO2e as Σ component × GWP under the GWP set asked for
(recomputed, never copied; the factor's published CO2e, when it has one, is reported beside it). All
arithmetic is on :class:`fractions.Fraction`; numbers leave as decimal strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from registry.calculation import CalculationError, UnknownTerm
from registry.calculation import units as u
from registry.calculation.selection import PREFIXES, Reader, Request, Selection, select

#: The largest amount accepted (an absolute value), and the longest lexical form.
MAX_AMOUNT = Decimal("1e15")
MAX_AMOUNT_CHARS = 40
YEARS = range(1000, 3000)
GWP_SETS = {"AR4": "gwp/AR4-GWP100", "AR5": "gwp/AR5-GWP100", "AR6": "gwp/AR6-GWP100"}
DEFAULT_GWP = "AR6"


@dataclass(frozen=True)
class Inputs:
    """A calculation as asked, with IRIs resolved (what a receipt records and replays)."""

    activity: str
    geography: str
    amount: str  #: the lexical form as sent
    unit: str  #: the unit's IRI
    gwp: str  #: the GWP set's IRI
    year: int | None = None
    boundary: str | None = None
    scope: str | None = None
    gas_basis: str | None = None
    publisher: str | None = None

    def request(self) -> Request:
        return Request(
            self.activity,
            self.geography,
            self.year,
            self.boundary,
            self.scope,
            self.gas_basis,
            self.publisher,
        )

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _iri(text: str, base: str, prefix: str) -> str:
    text = text.strip()
    if "://" in text or text.startswith("urn:"):
        return text
    if text.startswith(("category/", "geo/", "gwp/", "publisher/")):
        return base + text
    return base + prefix + text


def activity_iri(text: str, base: str) -> str:
    return _iri(text, base, "category/activity/")


def geography_iri(text: str, base: str) -> str:
    """A place IRI, or a code under ``geo/`` (codes are upper case: ``cn-gd`` is ``CN-GD``)."""
    iri = _iri(text, base, "geo/")
    prefix = base + "geo/"
    return prefix + iri[len(prefix) :].upper() if iri.startswith(prefix) and "://" not in text else iri


def parse_amount(text: str | None) -> Decimal:
    if text is None or not text.strip():
        raise CalculationError(
            "amount is missing: give a decimal number, e.g. amount=1000", parameter="amount"
        )
    text = text.strip()
    if len(text) > MAX_AMOUNT_CHARS:
        raise CalculationError(f"amount is longer than {MAX_AMOUNT_CHARS} characters", parameter="amount")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CalculationError(
            f"amount {text!r} is not a decimal number (e.g. 1000 or 12.5)", parameter="amount"
        )
    if value < 0 or value > MAX_AMOUNT:
        raise CalculationError(
            f"amount {text} is beyond the limits: from 0 to {MAX_AMOUNT:f}", parameter="amount"
        )
    return value


def parse_year(text: str | None) -> int | None:
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    # ASCII digits, few: str.isdigit() takes "²" and int() refuses 5,000 digits (both raised: 500)
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or int(text) not in YEARS:
        raise CalculationError(
            f"year {text[:40]!r} is not a year from {YEARS.start} to {YEARS.stop - 1}", parameter="year"
        )
    return int(text)


def gwp_iri(text: str | None, base: str) -> str:
    name = (text or DEFAULT_GWP).strip()
    if name.upper() in GWP_SETS:
        return base + GWP_SETS[name.upper()]
    return _iri(name, base, "gwp/")


def parse(params: Mapping[str, Any], base: str) -> Inputs:
    """Inputs from query parameters (or a batch row): ``activity``, ``geography``, ``year``,
    ``amount``, ``unit``, ``gwp``, ``boundary``, ``scope``, ``gas_basis``, ``publisher``."""

    def text(name: str) -> str | None:
        value = params.get(name)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    missing = [n for n in ("activity", "geography", "unit") if text(n) is None]
    if missing:
        raise CalculationError(f"missing parameter(s): {', '.join(missing)}", parameters=missing)
    amount = text("amount")
    parse_amount(amount)
    publisher = text("publisher")
    return Inputs(
        activity=activity_iri(text("activity") or "", base),
        geography=geography_iri(text("geography") or "", base),
        amount=amount or "",
        unit=u.resolve(text("unit") or "", base).iri,
        gwp=gwp_iri(text("gwp"), base),
        year=parse_year(text("year")),
        boundary=text("boundary"),
        scope=text("scope"),
        gas_basis=text("gas_basis"),
        publisher=_iri(publisher, base, "publisher/") if publisher else None,
    )


# --- reading the factor and the GWP set ----------------------------------------------------------

COMPONENTS = (
    PREFIXES
    + """SELECT ?gas ?v ?unit ?num ?den ?lo ?hi ?cl WHERE {{
  <{f}> ef:component ?n . ?n ef:gas ?gas ; ef:value ?v ; ef:unit ?unit .
  OPTIONAL {{ ?unit ef:numeratorUnit ?num }} OPTIONAL {{ ?unit ef:denominatorUnit ?den }}
  OPTIONAL {{ ?n ef:uncertainty ?q OPTIONAL {{ ?q ef:lowerBound ?lo }} OPTIONAL {{ ?q ef:upperBound ?hi }}
             OPTIONAL {{ ?q ef:confidenceLevel ?cl }} }}
}} ORDER BY ?gas"""
)
FACTOR = (
    PREFIXES
    + """SELECT ?unit ?ds ?label ?thing WHERE {{
  OPTIONAL {{ <{f}> ef:activityUnit ?unit }} OPTIONAL {{ <{f}> dct:isPartOf ?ds }}
  OPTIONAL {{ <{f}> dct:isVersionOf ?thing }}
  OPTIONAL {{ <{f}> <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) = "en") }}
}} LIMIT 1"""
)
PUBLISHED_CO2E = (
    PREFIXES + "SELECT ?v WHERE {{ <{f}> ef:co2e ?n . ?n ef:gwpSet <{gwp}> ; ef:value ?v }} LIMIT 1"
)
GWP_VALUES = (
    PREFIXES
    + "SELECT ?gas ?v WHERE {{ <{gwp}> a ef:GWPSet ; ef:gwpValue ?n . ?n ef:gas ?gas ; ef:value ?v }}"
)
GAS_BROADER = PREFIXES + "SELECT ?b WHERE {{ <{gas}> skos:broader+ ?b }}"


def gwp_values(reader: Reader, gwp: str) -> dict[str, Fraction]:
    rows = reader.select(GWP_VALUES.format(gwp=gwp))
    if not rows:
        raise UnknownTerm(f"unknown GWP set <{gwp}>: give AR4, AR5, AR6 or the IRI of an ef:GWPSet", gwp=gwp)
    return {str(r["gas"]): Fraction(Decimal(str(r["v"]))) for r in rows}


def gwp_of(reader: Reader, gas: str, values: dict[str, Fraction], gwp: str) -> tuple[str, Fraction]:
    """The GWP of ``gas``, or of the nearest broader gas the set names (CH4-fossil -> CH4)."""
    if gas in values:
        return gas, values[gas]
    for row in reader.select(GAS_BROADER.format(gas=gas)):
        if str(row["b"]) in values:
            return str(row["b"]), values[str(row["b"])]
    raise CalculationError(f"the GWP set <{gwp}> gives no value for gas <{gas}>", gas=gas, gwp=gwp)


# --- the calculation -----------------------------------------------------------------------------


def _range(amount: Fraction, lo: object, hi: object) -> tuple[Fraction, Fraction] | None:
    if lo is None or hi is None:
        return None
    return amount * Fraction(Decimal(str(lo))), amount * Fraction(Decimal(str(hi)))


def _conversions(
    reader: Reader, inputs: Inputs, selection_concept: dict[str, Any] | None, target: u.Unit, base: str
) -> tuple[Fraction, list[dict[str, str]]]:
    """The amount in the factor's activity unit, and each conversion step."""
    amount = Fraction(Decimal(inputs.amount))
    unit = u.resolve(inputs.unit, base)
    steps: list[dict[str, str]] = []

    def step(source: u.Unit, to: u.Unit, multiplier: Fraction, how: str) -> None:
        nonlocal amount
        amount *= multiplier
        steps.append(
            {
                "from": source.iri,
                "to": to.iri,
                "multiplier": u.plain(multiplier),
                "amount": u.plain(amount),
                "by": how,
            }
        )

    mapping = selection_concept or {}
    if mapping.get("conversionFactor") and mapping.get("partnerUnit") and mapping.get("ourUnit"):
        partner, ours = u.from_iri(mapping["partnerUnit"], base), u.from_iri(mapping["ourUnit"], base)
        if unit.iri != partner.iri:
            step(unit, partner, u.ratio(unit, partner, base), "QUDT conversion multipliers")
        step(partner, ours, Fraction(Decimal(mapping["conversionFactor"])), "the mapping's conversion factor")
        unit = ours
    if unit.iri != target.iri:
        step(unit, target, u.ratio(unit, target, base), "QUDT conversion multipliers")
    return amount, steps


def compute(
    reader: Reader, inputs: Inputs, factor: str, base: str, mapping: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The numbers for ``inputs`` with ``factor`` (no selection: what a replay runs)."""
    gwps = gwp_values(reader, inputs.gwp)
    head = reader.select(FACTOR.format(f=factor))
    info = head[0] if head else {}
    rows = reader.select(COMPONENTS.format(f=factor))
    if not rows:
        raise CalculationError(
            f"the factor <{factor}> has no gas values readable to this caller", factor=factor
        )
    activity_unit = str(info["unit"]) if "unit" in info else str(rows[0].get("den", ""))
    target = u.from_iri(activity_unit, base)
    amount, steps = _conversions(reader, inputs, mapping, target, base)
    gases: list[dict[str, Any]] = []
    total = Fraction(0)
    low = high = Fraction(0)
    bounded = False
    out_unit = str(rows[0].get("num") or rows[0]["unit"])
    terms = []
    for r in rows:
        value = Fraction(Decimal(str(r["v"])))
        numerator = str(r.get("num") or r["unit"])
        scale = Fraction(1)
        if numerator != out_unit:  # e.g. g per unit beside kg per unit: both to the first's unit
            scale = u.ratio(u.from_iri(numerator, base), u.from_iri(out_unit, base), base)
        result = amount * value * scale
        gas = str(r["gas"])
        entry: dict[str, Any] = {
            "gas": gas,
            "value": u.plain(result),
            "unit": out_unit,
            "factorValue": str(r["v"]),
            "factorUnit": str(r["unit"]),
        }
        span = _range(amount * scale, r.get("lo"), r.get("hi"))
        if span:
            bounded = True
            entry["range"] = {"low": u.plain(span[0]), "high": u.plain(span[1])}
            if r.get("cl") is not None:
                entry["range"]["confidence"] = str(r["cl"])
        by, potential = gwp_of(reader, gas, gwps, inputs.gwp)
        total += result * potential
        low += (span[0] if span else result) * potential
        high += (span[1] if span else result) * potential
        terms.append({"gas": gas, "gwpOf": by, "gwp": u.plain(potential)})
        gases.append(entry)
    co2e: dict[str, Any] = {"value": u.plain(total), "unit": out_unit, "gwp": inputs.gwp, "terms": terms}
    if bounded:
        co2e["range"] = {"low": u.plain(low), "high": u.plain(high)}
    published = reader.select(PUBLISHED_CO2E.format(f=factor, gwp=inputs.gwp))
    if published:
        co2e["published"] = u.plain(amount * Fraction(Decimal(str(published[0]["v"]))))
    exact = u.exact(amount) and all(u.exact(Fraction(Decimal(g["value"]))) for g in gases)
    return {
        "factor": factor,
        "factorLabel": str(info["label"]) if "label" in info else None,
        "dataset": str(info["ds"]) if "ds" in info else None,
        "factorThing": str(info["thing"]) if "thing" in info else None,
        "activityUnit": activity_unit,
        "amountInActivityUnit": u.plain(amount),
        "conversions": steps,
        "gases": gases,
        "co2e": co2e,
        "exact": exact,
    }


def calculate(
    reader: Reader,
    inputs: Inputs,
    base: str,
    values_hidden: Callable[[str], bool] | None = None,
) -> tuple[dict[str, Any], Selection]:
    """Choose the factor for ``inputs`` and compute; the answer (without its receipt) and the choice."""
    selection = select(reader, inputs.request(), base, values_hidden)
    answer = compute(reader, inputs, selection.chosen.factor, base, selection.chosen.concept.mapping)
    answer = {"inputs": inputs.as_json(), **answer, "fallback": selection.trail()}
    if selection.notes:
        answer["notes"] = selection.notes
    return answer, selection
