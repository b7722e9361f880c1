"""Units: activity units named in CSV files and ILCD unit groups → QUDT units (or minted ones).

QUDT units that exist are used by their QUDT IRI; the rest are minted under ``{base}unit/`` (see the
model contract). Ratio units (kg per activity unit) are always minted: ``unit/KiloGM-PER-{id}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rdflib import Literal, URIRef

from registry.rdf.namespaces import EF, QUDT, RDF, RDFS, UNIT

CURRENCY = "http://qudt.org/vocab/currency/"


@dataclass(frozen=True)
class UnitInfo:
    id: str  # QUDT-style id, used in ratio unit ids
    label_en: str
    label_zh: str
    ucum: str
    qudt: bool = True  # an IRI in QUDT's unit (or currency) vocabulary; False: minted under unit/
    currency: bool = False

    def iri(self, base_uri: str) -> URIRef:
        if self.currency:
            return URIRef(CURRENCY + self.id)
        return UNIT[self.id] if self.qudt else URIRef(f"{base_uri}unit/{self.id}")


def _u(id: str, en: str, zh: str, ucum: str, qudt: bool = True, currency: bool = False) -> UnitInfo:
    return UnitInfo(id, en, zh, ucum, qudt, currency)


UNITS: dict[str, UnitInfo] = {
    u.id: u
    for u in [
        _u("KiloGM", "kilogram", "千克", "kg"),
        _u("GM", "gram", "克", "g"),
        _u("TONNE", "tonne", "吨", "t"),
        _u("TON_SHORT", "short ton", "短吨", "[ston_av]"),
        _u("KiloW-HR", "kilowatt hour", "千瓦时", "kW.h"),
        _u("MegaW-HR", "megawatt hour", "兆瓦时", "MW.h"),
        _u("J", "joule", "焦耳", "J"),
        _u("KiloJ", "kilojoule", "千焦", "kJ"),
        _u("MegaJ", "megajoule", "兆焦", "MJ"),
        _u("GigaJ", "gigajoule", "吉焦", "GJ"),
        _u("TeraJ", "terajoule", "太焦", "TJ"),
        _u("MegaBTU_IT", "million British thermal units", "百万英热单位", "10*6.[Btu_IT]"),
        _u("KiloM", "kilometre", "千米", "km"),
        _u("M", "metre", "米", "m"),
        _u("MI", "mile", "英里", "[mi_i]"),
        _u("M2", "square metre", "平方米", "m2"),
        _u("M3", "cubic metre", "立方米", "m3"),
        _u("L", "litre", "升", "L"),
        _u("GAL_US", "US gallon", "美制加仑", "[gal_us]"),
        _u("FT3", "cubic foot", "立方英尺", "[cft_i]"),
        _u("GigaBYTE", "gigabyte", "吉字节", "GBy"),
        _u("HR", "hour", "小时", "h"),
        _u("NUM", "item", "个", "{item}"),
        _u("TONNE-KiloM", "tonne kilometre", "吨公里", "t.km", qudt=False),
        _u("TON_SHORT-MI", "short ton mile", "短吨英里", "[ston_av].[mi_i]", qudt=False),
        _u("PASSENGER-KiloM", "passenger kilometre", "人公里", "{passenger}.km", qudt=False),
        _u("PASSENGER-MI", "passenger mile", "人英里", "{passenger}.[mi_i]", qudt=False),
        _u("PERSON-NIGHT", "person night", "人夜", "{person}.{night}", qudt=False),
        _u("CPU-HR", "CPU hour", "CPU小时", "{CPU}.h", qudt=False),
        _u("GigaBYTE-HR", "gigabyte hour", "吉字节小时", "GBy.h", qudt=False),
        _u("TeraBYTE-HR", "terabyte hour", "太字节小时", "TBy.h", qudt=False),
        _u("FT3-STD", "standard cubic foot", "标准立方英尺", "[cft_i]{standard}", qudt=False),
        _u("EUR", "euro", "欧元", "{EUR}", currency=True),
        _u("USD", "US dollar", "美元", "{USD}", currency=True),
        _u("GBP", "pound sterling", "英镑", "{GBP}", currency=True),
        _u("CNY", "yuan renminbi", "人民币元", "{CNY}", currency=True),
    ]
}

#: Names found in CSV files (OEFDB ``activity_unit``, the efreg template) and ILCD unit groups.
ALIASES: dict[str, str] = {
    "kg": "KiloGM",
    "g": "GM",
    "t": "TONNE",
    "tonne": "TONNE",
    "tonnes": "TONNE",
    "metric ton": "TONNE",
    "short ton": "TON_SHORT",
    "kwh": "KiloW-HR",
    "kw.h": "KiloW-HR",
    "mwh": "MegaW-HR",
    "j": "J",
    "kj": "KiloJ",
    "mj": "MegaJ",
    "gj": "GigaJ",
    "tj": "TeraJ",
    "mmbtu": "MegaBTU_IT",
    "km": "KiloM",
    "m": "M",
    "mile": "MI",
    "mi": "MI",
    "m2": "M2",
    "m3": "M3",
    "l": "L",
    "litre": "L",
    "liter": "L",
    "gal (us)": "GAL_US",
    "gal": "GAL_US",
    "ft3": "FT3",
    "scf": "FT3-STD",
    "gb": "GigaBYTE",
    "h": "HR",
    "hr": "HR",
    "item(s)": "NUM",
    "item": "NUM",
    "pcs": "NUM",
    "tonne-km": "TONNE-KiloM",
    "t*km": "TONNE-KiloM",
    "tkm": "TONNE-KiloM",
    "t.km": "TONNE-KiloM",
    "ton-mile": "TON_SHORT-MI",
    "passenger-km": "PASSENGER-KiloM",
    "pkm": "PASSENGER-KiloM",
    "passenger-mile": "PASSENGER-MI",
    "person-night": "PERSON-NIGHT",
    "cpu-hour": "CPU-HR",
    "gb-hour": "GigaBYTE-HR",
    "tb-hour": "TeraBYTE-HR",
    "eur": "EUR",
    "usd": "USD",
    "gbp": "GBP",
    "cny": "CNY",
    "rmb": "CNY",
    "nm3": "M3",
}


def lookup(name: str) -> UnitInfo | None:
    key = name.strip()
    if key in UNITS:
        return UNITS[key]
    alias = ALIASES.get(key.lower())
    return UNITS[alias] if alias else None


def by_ucum(code: str) -> UnitInfo | None:
    """The unit whose UCUM code is ``code`` (case-sensitive, as UCUM is)."""
    return next((u for u in UNITS.values() if u.ucum == code.strip()), None)


def ratio_iri(base_uri: str, numerator: str, denominator: UnitInfo) -> URIRef:
    return URIRef(f"{base_uri}unit/{numerator}-PER-{denominator.id}")


def unit_triples(base_uri: str, info: UnitInfo) -> list[tuple]:
    s = info.iri(base_uri)
    return [
        (s, RDF.type, QUDT.Unit),
        (s, RDFS.label, Literal(info.label_en, lang="en")),
        (s, RDFS.label, Literal(info.label_zh, lang="zh")),
        (s, QUDT.ucumCode, Literal(info.ucum)),
        (s, QUDT.symbol, Literal(info.ucum)),
    ]


def ratio_triples(base_uri: str, numerator: UnitInfo, denominator: UnitInfo) -> list[tuple]:
    s = ratio_iri(base_uri, numerator.id, denominator)
    ucum = f"{numerator.ucum}/{denominator.ucum}"
    return [
        (s, RDF.type, QUDT.Unit),
        (s, RDFS.label, Literal(f"{numerator.label_en} per {denominator.label_en}", lang="en")),
        (s, RDFS.label, Literal(f"{numerator.label_zh}/{denominator.label_zh}", lang="zh")),
        (s, QUDT.ucumCode, Literal(ucum)),
        (s, QUDT.symbol, Literal(ucum)),
        (s, EF.numeratorUnit, numerator.iri(base_uri)),
        (s, EF.denominatorUnit, denominator.iri(base_uri)),
    ]


#: Energy units convertible to kWh (for electricity factors "per kWh").
TO_KWH: dict[str, Decimal] = {
    "KiloW-HR": Decimal(1),
    "MegaJ": Decimal(1) / Decimal("3.6"),
    "GigaJ": Decimal(1000) / Decimal("3.6"),
    "J": Decimal(1) / Decimal(3600000),
    "KiloJ": Decimal(1) / Decimal(3600),
    "MegaW-HR": Decimal(1000),
}
