"""Units for calculations: a unit named by QUDT IRI, registry IRI, UCUM code or a common name, and
exact conversion by QUDT conversion multipliers with a dimension check.

The names and UCUM codes are those of :mod:`registry.ingest.units` (one table of units); this module
adds what a conversion needs: each unit's QUDT quantity kind (its dimension) and
``qudt:conversionMultiplier`` (the size of the unit in the SI unit of its kind, from the QUDT unit
vocabulary). Arithmetic is on :class:`fractions.Fraction`, so a conversion is exact; a result is
rounded only when it has no finite decimal expansion (e.g. MJ → kWh), and then says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from registry.calculation import UnknownTerm, WrongDimension
from registry.ingest.units import UNITS, UnitInfo, lookup
from registry.rdf.namespaces import UNIT

#: QUDT unit id -> (quantity kind, qudt:conversionMultiplier to the kind's SI unit)
QUDT_UNITS: dict[str, tuple[str, str]] = {
    "KiloGM": ("Mass", "1"),
    "GM": ("Mass", "0.001"),
    "TONNE": ("Mass", "1000"),
    "TON_SHORT": ("Mass", "907.18474"),
    "J": ("Energy", "1"),
    "KiloJ": ("Energy", "1000"),
    "MegaJ": ("Energy", "1000000"),
    "GigaJ": ("Energy", "1000000000"),
    "TeraJ": ("Energy", "1000000000000"),
    "KiloW-HR": ("Energy", "3600000"),
    "MegaW-HR": ("Energy", "3600000000"),
    "MegaBTU_IT": ("Energy", "1055055852.62"),
    "M": ("Length", "1"),
    "KiloM": ("Length", "1000"),
    "MI": ("Length", "1609.344"),
    "M2": ("Area", "1"),
    "M3": ("Volume", "1"),
    "L": ("Volume", "0.001"),
    "GAL_US": ("Volume", "0.003785411784"),
    "FT3": ("Volume", "0.028316846592"),
    "HR": ("Time", "3600"),
    "NUM": ("Count", "1"),
    "TONNE-KiloM": ("MassLength", "1000000"),
    "TON_SHORT-MI": ("MassLength", "1459972.31821056"),
}
#: Significant digits kept when a converted amount has no finite decimal expansion.
ROUND_DIGITS = 28


@dataclass(frozen=True)
class Unit:
    iri: str
    id: str
    kind: str | None  #: the QUDT quantity kind; None: unknown (converts only to itself)
    multiplier: Fraction | None
    ucum: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"iri": self.iri, "ucum": self.ucum, "quantityKind": self.kind}


def _unit(info: UnitInfo, base: str) -> Unit:
    kind, multiplier = QUDT_UNITS.get(info.id, (None, None))
    return Unit(str(info.iri(base)), info.id, kind, Fraction(multiplier) if multiplier else None, info.ucum)


def _by_ucum() -> dict[str, UnitInfo]:
    return {info.ucum: info for info in UNITS.values()}


def resolve(text: str, base: str) -> Unit:
    """The unit ``text`` names: a QUDT unit IRI, a registry unit IRI, a UCUM code (``kW.h``) or a
    common name (``kWh``, ``tonne``). Unknown: :class:`UnknownTerm`."""
    name = text.strip()
    info: UnitInfo | None = None
    for prefix in (str(UNIT), base + "unit/", "http://qudt.org/vocab/currency/"):
        if name.startswith(prefix):
            info = UNITS.get(name[len(prefix) :])
            break
    else:
        info = _by_ucum().get(name) or lookup(name)
    if info is None:
        raise UnknownTerm(
            f"unknown unit {name!r}: give a QUDT unit IRI, a UCUM code or a common name "
            f"(e.g. kW.h, GJ, TJ, t, km)",
            unit=name,
        )
    return _unit(info, base)


def from_iri(iri: str, base: str) -> Unit:
    """A factor's activity unit (an IRI from the data): known units get their dimension; others
    convert only to themselves."""
    try:
        return resolve(iri, base)
    except UnknownTerm:
        return Unit(iri, iri.rsplit("/", 1)[-1], None, None)


def fitting(unit: Unit, base: str) -> list[str]:
    """The UCUM codes of every unit that converts to ``unit`` (itself included)."""
    if unit.kind is None:
        return [unit.ucum or unit.iri]
    return [
        info.ucum
        for info in UNITS.values()
        if QUDT_UNITS.get(info.id, ("",))[0] == unit.kind and info.ucum is not None
    ]


def ratio(source: Unit, target: Unit, base: str) -> Fraction:
    """How many ``target`` units one ``source`` unit is. Another dimension: :class:`WrongDimension`
    naming the units that fit."""
    if source.iri == target.iri:
        return Fraction(1)
    if source.kind is None or target.kind is None or source.kind != target.kind:
        fits = fitting(target, base)
        raise WrongDimension(
            f"unit {source.ucum or source.iri} ({source.kind or 'unknown quantity'}) does not convert to "
            f"{target.ucum or target.iri} ({target.kind or 'unknown quantity'}); units that fit: "
            + ", ".join(fits),
            unit=source.iri,
            expected=target.iri,
            fitting=fits,
        )
    assert source.multiplier is not None and target.multiplier is not None
    return source.multiplier / target.multiplier


def exact(value: Fraction) -> bool:
    """Whether ``value`` has a finite decimal expansion."""
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def to_decimal(value: Fraction) -> Decimal:
    """``value`` as a Decimal: exact when it can be, else rounded to :data:`ROUND_DIGITS` digits."""
    with localcontext() as ctx:
        ctx.prec = ROUND_DIGITS
        if exact(value):
            ctx.prec = max(ROUND_DIGITS, len(str(value.numerator)) + len(str(value.denominator)) + 2)
        return Decimal(value.numerator) / Decimal(value.denominator)


def plain(value: Fraction | Decimal) -> str:
    """The lexical form of a number: no exponent, no trailing zeros (``536.6``, ``56100``)."""
    d = to_decimal(value) if isinstance(value, Fraction) else value
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
