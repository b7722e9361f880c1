"""Greenhouse gases: recognising them in ILCD flows (by CAS number and name) and their GWP100 values.

GWP100 values: IPCC AR4 WG1 (2007) Table 2.14, AR5 WG1 (2013) Table 8.A.1 (no climate-carbon
feedback), AR6 WG1 (2021) Table 7.15 — the same figures as ``seed-facts/gwp100.csv`` and the
``seeds/gwp100.trig`` GWP sets. Biogenic CO2 has no value: it is reported as its own component and left
out of CO2e (GHG Protocol practice); as the GWP sets give it no value and the shapes check CO2e against
every component, a factor with a biogenic CO2 component carries no CO2e value (it says so in a comment).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class GasInfo:
    id: str  # gas/{id}
    label_en: str
    label_zh: str
    formula: str
    cas: str | None


GASES: dict[str, GasInfo] = {
    g.id: g
    for g in [
        GasInfo("CO2", "Carbon dioxide", "二氧化碳", "CO2", "124-38-9"),
        GasInfo("CO2-biogenic", "Carbon dioxide (biogenic)", "二氧化碳（生物源）", "CO2", "124-38-9"),
        GasInfo("CH4", "Methane", "甲烷", "CH4", "74-82-8"),
        GasInfo("CH4-fossil", "Methane (fossil)", "甲烷（化石源）", "CH4", "74-82-8"),
        GasInfo("CH4-non-fossil", "Methane (non-fossil)", "甲烷（非化石源）", "CH4", "74-82-8"),
        GasInfo("N2O", "Nitrous oxide", "氧化亚氮", "N2O", "10024-97-2"),
        GasInfo("SF6", "Sulphur hexafluoride", "六氟化硫", "SF6", "2551-62-4"),
        GasInfo("NF3", "Nitrogen trifluoride", "三氟化氮", "NF3", "7783-54-2"),
        GasInfo("HFC-23", "HFC-23", "HFC-23（三氟甲烷）", "CHF3", "75-46-7"),
        GasInfo("HFC-32", "HFC-32", "HFC-32（二氟甲烷）", "CH2F2", "75-10-5"),
        GasInfo("HFC-125", "HFC-125", "HFC-125（五氟乙烷）", "CHF2CF3", "354-33-6"),
        GasInfo("HFC-134a", "HFC-134a", "HFC-134a（四氟乙烷）", "CH2FCF3", "811-97-2"),
        GasInfo("HFC-143a", "HFC-143a", "HFC-143a（三氟乙烷）", "CH3CF3", "420-46-2"),
        GasInfo("PFC-14", "PFC-14 (CF4)", "四氟化碳", "CF4", "75-73-0"),
        GasInfo("PFC-116", "PFC-116 (C2F6)", "六氟乙烷", "C2F6", "76-16-4"),
    ]
}

GWP_SETS = ("AR4-GWP100", "AR5-GWP100", "AR6-GWP100")

_G = Decimal
GWP100: dict[str, dict[str, Decimal]] = {
    # gas id: {set: value}
    "CO2": {"AR4-GWP100": _G(1), "AR5-GWP100": _G(1), "AR6-GWP100": _G(1)},
    "CH4": {"AR4-GWP100": _G(25), "AR5-GWP100": _G(28)},  # AR6 splits fossil / non-fossil
    "CH4-fossil": {"AR4-GWP100": _G(25), "AR5-GWP100": _G(28), "AR6-GWP100": _G("29.8")},
    "CH4-non-fossil": {"AR4-GWP100": _G(25), "AR5-GWP100": _G(28), "AR6-GWP100": _G("27.0")},
    "N2O": {"AR4-GWP100": _G(298), "AR5-GWP100": _G(265), "AR6-GWP100": _G(273)},
    "SF6": {"AR4-GWP100": _G(22800), "AR5-GWP100": _G(23500), "AR6-GWP100": _G(25200)},
    "NF3": {"AR4-GWP100": _G(17200), "AR5-GWP100": _G(16100), "AR6-GWP100": _G(17400)},
    "HFC-23": {"AR4-GWP100": _G(14800), "AR5-GWP100": _G(12400), "AR6-GWP100": _G(14600)},
    "HFC-32": {"AR4-GWP100": _G(675), "AR5-GWP100": _G(677), "AR6-GWP100": _G(771)},
    "HFC-125": {"AR4-GWP100": _G(3500), "AR5-GWP100": _G(3170), "AR6-GWP100": _G(3740)},
    "HFC-134a": {"AR4-GWP100": _G(1430), "AR5-GWP100": _G(1300), "AR6-GWP100": _G(1530)},
    "HFC-143a": {"AR4-GWP100": _G(4470), "AR5-GWP100": _G(4800), "AR6-GWP100": _G(5810)},
    "PFC-14": {"AR4-GWP100": _G(7390), "AR5-GWP100": _G(6630), "AR6-GWP100": _G(7380)},
    "PFC-116": {"AR4-GWP100": _G(12200), "AR5-GWP100": _G(11100), "AR6-GWP100": _G(12400)},
}

#: Gases reported but never counted in CO2e.
NOT_IN_CO2E = frozenset({"CO2-biogenic"})

_BY_CAS: dict[str, list[str]] = {}
for _g in GASES.values():
    if _g.cas:
        _BY_CAS.setdefault(_g.cas, []).append(_g.id)

_NAME_ONLY = {
    "carbon dioxide": "CO2",
    "methane": "CH4",
    "nitrous oxide": "N2O",
    "dinitrogen monoxide": "N2O",
    "sulfur hexafluoride": "SF6",
    "sulphur hexafluoride": "SF6",
    "nitrogen trifluoride": "NF3",
    "tetrafluoromethane": "PFC-14",
    "hexafluoroethane": "PFC-116",
    "trifluoromethane": "HFC-23",
    "difluoromethane": "HFC-32",
    "pentafluoroethane": "HFC-125",
    "1,1,1,2-tetrafluoroethane": "HFC-134a",
    "1,1,1-trifluoroethane": "HFC-143a",
}


def _origin(name: str) -> str | None:
    n = name.lower()
    if "non-fossil" in n or "biogenic" in n or "biotic" in n:
        return "biogenic"
    if "fossil" in n:
        return "fossil"
    if "land use change" in n or "land transformation" in n:
        return "luc"
    return None


def identify_gas(cas: str | None, name: str) -> str | None:
    """The gas id of an elementary flow, from its CAS number and its (English) name; ``None`` when it
    is not a greenhouse gas we know. CO2 and CH4 are split by the name's "(fossil)" / "(biogenic)"."""
    base = None
    cas = (cas or "").strip().lstrip("0") or None
    if cas and cas in _BY_CAS:
        base = _BY_CAS[cas][0]
    else:
        n = name.lower().split("(")[0].strip().rstrip(",")
        base = _NAME_ONLY.get(n)
    if base is None:
        return None
    origin = _origin(name)
    if base == "CO2":
        if origin == "luc":
            return None  # land-use-change CO2 is not a process emission factor component
        return "CO2-biogenic" if origin == "biogenic" else "CO2"
    if base == "CH4":
        return {"biogenic": "CH4-non-fossil", "fossil": "CH4-fossil"}.get(origin or "", "CH4")
    return base


def co2e(components: dict[str, Decimal], gwp_set: str) -> Decimal | None:
    """Σ value × GWP over the components; ``None`` if a gas has no GWP in the set (biogenic CO2 has
    none, so a factor with a biogenic component states no CO2e: the shapes check every component)."""
    total = Decimal(0)
    for gas, value in components.items():
        gwp = GWP100.get(gas, {}).get(gwp_set)
        if gwp is None:
            return None
        total += value * gwp
    return total
