"""Geography: ILCD location codes and CSV region codes → ``geo/{code}`` with ``skos:broader``.

Names come from ILCD's own location list (``registry/data/ILCDLocations.xml``, copied from
TianGong-LCA-Data, MIT), which carries English names for ISO 3166-1 countries and English + Chinese
names for Chinese provinces and cities. Province codes are turned into ISO 3166-2:CN codes (ILCD "HEN-CN" → ``CN-HA``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from defusedxml import ElementTree as SafeET

from registry.ingest.base import slug
from registry.paths import ILCD_LOCATIONS

_LOC_NS = "{http://lca.jrc.it/ILCD/Locations}"

#: ILCD province abbreviation → ISO 3166-2:CN subdivision code.
ILCD_PROVINCE_TO_ISO = {
    "AH": "AH",
    "BJ": "BJ",
    "CQ": "CQ",
    "FJ": "FJ",
    "GS": "GS",
    "GD": "GD",
    "GX": "GX",
    "GZ": "GZ",
    "HAIN": "HI",
    "HEB": "HE",
    "HLJ": "HL",
    "HEN": "HA",
    "HUB": "HB",
    "HUN": "HN",
    "NMG": "NM",
    "JS": "JS",
    "JX": "JX",
    "JL": "JL",
    "LN": "LN",
    "NX": "NX",
    "QH": "QH",
    "SAX": "SN",
    "SD": "SD",
    "SH": "SH",
    "SX": "SX",
    "SC": "SC",
    "TJ": "TJ",
    "XJ": "XJ",
    "XZ": "XZ",
    "YN": "YN",
    "ZJ": "ZJ",
    "HK": "HK",
    "MO": "MO",
    "TW": "TW",
}
#: China's regional power grids (OEFDB region codes) → registry regions (see the model contract).
CN_GRIDS = {
    "CN-N": ("CN-GRID-NORTH", "North China Grid", "华北电网"),
    "CN-NE": ("CN-GRID-NORTHEAST", "Northeast China Grid", "东北电网"),
    "CN-E": ("CN-GRID-EAST", "East China Grid", "华东电网"),
    "CN-C": ("CN-GRID-CENTRAL", "Central China Grid", "华中电网"),
    "CN-NW": ("CN-GRID-NORTHWEST", "Northwest China Grid", "西北电网"),
    "CN-S": ("CN-GRID-SOUTH", "China Southern Grid", "南方电网"),
}
#: Region codes in CSV files that are not ISO codes.
SPECIAL = {"GLOBAL": "GLO", "WORLD": "GLO", "GLO": "GLO", "CN-BJS": "CN-BJ"}
#: ISO 3166-1 codes newer than ILCD's location list.
NEWER_COUNTRIES = {
    "ME": "Montenegro",
    "RS": "Serbia",
    "BL": "Saint Barthélemy",
    "MF": "Saint Martin (French part)",
    "SS": "South Sudan",
    "CW": "Curaçao",
    "SX": "Sint Maarten (Dutch part)",
    "BQ": "Bonaire, Sint Eustatius and Saba",
}
REGIONS = {
    "EU": ("European Union", "欧盟"),
    "EURASIA": ("Eurasia", "欧亚大陆"),
    "LATAM": ("Latin America", "拉丁美洲"),
}


@dataclass(frozen=True)
class Geo:
    code: str
    label_en: str
    label_zh: str | None
    broader: str | None  # code of the broader geography
    registry_region: bool = False


@cache
def ilcd_locations() -> dict[str, str]:
    """ILCD location code → its description."""
    root = SafeET.parse(ILCD_LOCATIONS, forbid_dtd=True).getroot()
    return {el.get("value", ""): (el.text or "").strip() for el in root.iter(f"{_LOC_NS}location")}


def _split_label(text: str) -> tuple[str, str | None]:
    """ "Beijing (北京), China (中国)" → ("Beijing", "北京")."""
    m = re.match(r"\s*([^(,]+?)\s*\(([^)]*)\)", text)
    if m:
        return m.group(1), m.group(2)
    return text.split(",")[0].strip(), None


def _country(code: str) -> Geo | None:
    if code == "GLO":
        return Geo("GLO", "Global", "全球", None)
    if code == "CN":
        return Geo("CN", "China", "中国", "GLO")
    name = ilcd_locations().get(code) or NEWER_COUNTRIES.get(code)
    if name is None or not re.fullmatch(r"[A-Z]{2}", code):
        return None
    return Geo(code, name, None, "GLO")


def from_ilcd(location: str) -> Geo | None:
    """An ILCD location code ("CN", "SH-CN", "SZ-JS-CN", "GLO", "RER") → :class:`Geo`; ``None`` if unknown."""
    code = location.strip()
    locs = ilcd_locations()
    if code not in locs and code not in {"GLO", "CN"}:
        return None
    parts = code.split("-")
    if len(parts) >= 2 and parts[-1] == "CN" and code != "CN":
        prov = ILCD_PROVINCE_TO_ISO.get(parts[-2])
        if prov is None:
            return None
        en, zh = _split_label(locs[code])
        if len(parts) == 2:
            return Geo(f"CN-{prov}", en, zh, "CN")
        city = "-".join(parts[:-2])
        return Geo(f"CN-{prov}-{city}", en, zh, f"CN-{prov}", True)
    geo = _country(code)
    if geo is not None:
        return geo
    return Geo(slug(code.replace("&", "+").replace("+", "-and-")), locs[code], None, "GLO", True)


def province(iso_sub: str) -> Geo | None:
    """``CN-HA`` → Henan with its names from the ILCD list."""
    inv = {v: k for k, v in ILCD_PROVINCE_TO_ISO.items()}
    ilcd = inv.get(iso_sub.removeprefix("CN-"))
    if ilcd is None:
        return None
    return from_ilcd(f"{ilcd}-CN")


def from_region(region: str) -> Geo | None:
    """A CSV region code (ISO 3166-1 alpha-2, "US-VA", UN/LOCODE-like "GB-LON", "GLOBAL", China's
    grid regions "CN-N") → :class:`Geo`; ``None`` when the country part is not known."""
    code = region.strip().upper()
    code = SPECIAL.get(code, code)
    if code in CN_GRIDS:
        gid, en, zh = CN_GRIDS[code]
        return Geo(gid, en, zh, "CN", True)
    if code in REGIONS:
        en, zh = REGIONS[code]
        return Geo(code, en, zh, "GLO", True)
    if not re.fullmatch(r"[A-Z0-9-]+", code):
        return None
    parts = code.split("-", 1)
    country = _country(parts[0])
    if country is None:
        return None
    if len(parts) == 1:
        return country
    if parts[0] == "CN":
        prov = province(code)
        if prov is not None:
            return prov
    iso_like = re.fullmatch(r"[A-Z0-9]{1,3}", parts[1]) is not None
    return Geo(code, f"{parts[1]}, {country.label_en}", None, country.code, not iso_like)


def chain(geo: Geo) -> list[Geo]:
    """``geo`` and every broader geography up to GLO (each must be typed in the data)."""
    out = [geo]
    while out[-1].broader:
        b = out[-1].broader
        nxt = _country(b) or province(b)
        if nxt is None:
            break
        out.append(nxt)
    return out
