"""Build the registry's seed data (seeds/*.trig) from the cited figures in tests/data/seed-facts.

    python seeds/build.py [--facts DIR] [--out DIR]

Deterministic: the same CSVs give the same bytes. CO2e values are computed with Decimal arithmetic,
never floats. Files are TriG with relative IRIs (no @base), one named graph per dataset version, as
ontology/README.md prescribes. The TriG text is written here rather than by rdflib's serializer because
that serializer cannot write relative IRIs without @base and orders blank nodes by their random ids, so
its output is not reproducible byte for byte; tests/test_seeds.py parses every file back with rdflib and
pyoxigraph.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FACTS = ROOT / "tests" / "data" / "seed-facts"
DEFAULT_OUT = ROOT / "seeds"

#: Release date of version 1 of every seed dataset (fixed, so a rebuild reproduces the files).
RELEASE_DATE = "2026-11-24"

PREFIXES = [
    ("ef", "https://w3id.org/efreg/ontology#"),
    ("qudt", "http://qudt.org/schema/qudt/"),
    ("unit", "http://qudt.org/vocab/unit/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("schema", "http://schema.org/"),
    ("wd", "http://www.wikidata.org/entity/"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
]

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"

# --------------------------------------------------------------------------------------------------
# Terms. A property list is a list of (predicate, [object, ...]); an object is a rendered term (str)
# or a nested property list (a blank node).

Props = list[tuple[str, list]]


def iri(ref: str) -> str:
    if any(c in ref for c in '<>"{}|^`\\ '):
        raise ValueError(f"not an IRI: {ref!r}")
    return f"<{ref}>"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def en(text: str) -> str:
    return _quote(text) + "@en"


def zh(text: str) -> str:
    return _quote(text) + "@zh"


def plain(text: str) -> str:
    return _quote(text)


def typed(lexical: str, datatype: str) -> str:
    return _quote(lexical) + "^^" + datatype


def decimal_lexical(value: Decimal) -> str:
    """The xsd:decimal lexical form of ``value`` (never exponent notation)."""
    if not value.is_finite():
        raise ValueError(f"not a decimal: {value}")
    text = format(value, "f")
    if text.startswith("-"):
        raise ValueError(f"negative value in seeds: {value}")
    return text


def dec(value: Decimal | str) -> str:
    """An xsd:decimal literal; a string keeps its published lexical form (e.g. "27.0")."""
    if isinstance(value, str):
        Decimal(value)  # raises on anything that is not a number
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
            raise ValueError(f"not an xsd:decimal lexical form: {value!r}")
        return typed(value, "xsd:decimal")
    return typed(decimal_lexical(value), "xsd:decimal")


def date(text: str) -> str:
    if re.fullmatch(r"[0-9]{4}", text):
        return typed(text, "xsd:gYear")
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return typed(text, "xsd:date")
    raise ValueError(f"not a date or year: {text!r}")


def labels(label_en: str, label_zh: str) -> tuple[str, list[str]]:
    return ("rdfs:label", [en(label_en), zh(label_zh)])


# --------------------------------------------------------------------------------------------------
# Writer


def _render_object(obj: str | Props, indent: int) -> str:
    if isinstance(obj, str):
        return obj
    return "[\n" + " " * (indent + 4) + _render_props(obj, indent + 4) + "\n" + " " * indent + "]"


def _render_props(props: Props, indent: int) -> str:
    pad = " " * indent
    parts = []
    for predicate, objects in props:
        if not objects:
            raise ValueError(f"{predicate} without objects")
        rendered = " , ".join(_render_object(o, indent) for o in objects)
        parts.append(f"{predicate} {rendered}")
    return (" ;\n" + pad).join(parts)


def _object_key(obj: str) -> str:
    """The last segment of a rendered IRI (``<gas/CO2>`` → ``CO2``)."""
    return obj.strip("<>").rsplit("/", 1)[-1]


def _part_key(owner: str, predicate: str, props: Props) -> str:
    """The fragment naming a nested description (a gas component, a CO2e value, a GWP value, an
    uncertainty range) after its owner, as registry/rdf/parts.py names them on import."""
    values = dict(props)
    if predicate in ("ef:component", "ef:gwpValue"):
        return _object_key(values["ef:gas"][0])
    if predicate == "ef:co2e":
        return "CO2e-" + _object_key(values["ef:gwpSet"][0])
    if predicate == "ef:uncertainty":
        return owner.strip("<>").rsplit("#", 1)[-1] + "-uncertainty"
    raise ValueError(f"no part key for {predicate}")


@dataclass
class Resource:
    """A subject and its properties; nested property lists become parts of the subject, each with
    its own IRI (``<factor/x/1#CO2>``), written after it (gas components cite-able, not blank)."""

    subject: str
    props: Props

    def render(self, indent: int = 4) -> str:
        pad = " " * indent
        document = self.subject.strip("<>").split("#", 1)[0]
        props: Props = []
        nested: list[Resource] = []
        for predicate, objects in self.props:
            rendered = []
            for obj in objects:
                if isinstance(obj, str):
                    rendered.append(obj)
                    continue
                part = iri(f"{document}#{_part_key(self.subject, predicate, obj)}")
                rendered.append(part)
                nested.append(Resource(part, obj))
            props.append((predicate, rendered))
        out = pad + self.subject + " " + _render_props(props, indent + 4) + " .\n"
        return out + "".join("\n" + r.render(indent) for r in nested)


def render_trig(comment: str, graph: str, resources: Iterable[Resource]) -> str:
    lines = [f"# {line}".rstrip() for line in comment.strip().splitlines()]
    lines.append("# Generated by seeds/build.py from tests/data/seed-facts; do not edit by hand.")
    lines.append("")
    for prefix, namespace in PREFIXES:
        lines.append(f"@prefix {prefix}: <{namespace}> .")
    lines.append("")
    out = "\n".join(lines) + "\n" + f"{iri(graph)} {{\n\n"
    out += "\n".join(r.render() for r in resources)
    return out + "}\n"


# --------------------------------------------------------------------------------------------------
# Facts


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------------------------------------
# Reference data: fixed tables (every entry is a fact we are sure of; see seeds/README.md).

PUBLISHERS = {
    "ipcc": (
        "Intergovernmental Panel on Climate Change (IPCC)",
        "政府间气候变化专门委员会",
        "https://www.ipcc.ch/",
    ),
    "mee": (
        "Ministry of Ecology and Environment of the People's Republic of China (MEE)",
        "中华人民共和国生态环境部",
        "https://www.mee.gov.cn/",
    ),
    "nbs": ("National Bureau of Statistics of China (NBS)", "国家统计局", "https://www.stats.gov.cn/"),
    "efreg": ("efreg emission factor registry", "efreg 排放因子注册库", None),
}

LICENSES = {
    "ipcc": (
        "IPCC copyright: figures reproduced from IPCC publications with citation of the source table; "
        "IPCC material may be reproduced for non-commercial purposes with acknowledgement",
        "IPCC 版权：引用 IPCC 出版物中的数值并注明来源表格；IPCC 材料可在注明出处的前提下用于非商业目的",
    ),
    "cn-gov-announcement": (
        "Official announcement of the Chinese government, published for public use; figures reproduced "
        "with citation of the announcement",
        "中国政府部门公开发布的公告，供社会公众使用；引用时注明公告出处",
    ),
}

# (id, en, zh); ISO 3166-2:CN, the 34 provincial-level divisions.
PROVINCES = [
    ("CN-AH", "Anhui", "安徽"),
    ("CN-BJ", "Beijing", "北京"),
    ("CN-CQ", "Chongqing", "重庆"),
    ("CN-FJ", "Fujian", "福建"),
    ("CN-GD", "Guangdong", "广东"),
    ("CN-GS", "Gansu", "甘肃"),
    ("CN-GX", "Guangxi", "广西"),
    ("CN-GZ", "Guizhou", "贵州"),
    ("CN-HA", "Henan", "河南"),
    ("CN-HB", "Hubei", "湖北"),
    ("CN-HE", "Hebei", "河北"),
    ("CN-HI", "Hainan", "海南"),
    ("CN-HK", "Hong Kong", "香港"),
    ("CN-HL", "Heilongjiang", "黑龙江"),
    ("CN-HN", "Hunan", "湖南"),
    ("CN-JL", "Jilin", "吉林"),
    ("CN-JS", "Jiangsu", "江苏"),
    ("CN-JX", "Jiangxi", "江西"),
    ("CN-LN", "Liaoning", "辽宁"),
    ("CN-MO", "Macao", "澳门"),
    ("CN-NM", "Inner Mongolia", "内蒙古"),
    ("CN-NX", "Ningxia", "宁夏"),
    ("CN-QH", "Qinghai", "青海"),
    ("CN-SC", "Sichuan", "四川"),
    ("CN-SD", "Shandong", "山东"),
    ("CN-SH", "Shanghai", "上海"),
    ("CN-SN", "Shaanxi", "陕西"),
    ("CN-SX", "Shanxi", "山西"),
    ("CN-TJ", "Tianjin", "天津"),
    ("CN-TW", "Taiwan", "台湾"),
    ("CN-XJ", "Xinjiang", "新疆"),
    ("CN-XZ", "Xizang (Tibet)", "西藏"),
    ("CN-YN", "Yunnan", "云南"),
    ("CN-ZJ", "Zhejiang", "浙江"),
]

# The seven regional grids of the MEE 2022 factors: (code, en, zh as in the CSV, provinces covered
# wholly). Inner Mongolia (CN-NM) is split between North China (west) and Northeast (east): neither
# grid covers all of it, so neither lists it.
GRIDS = [
    ("CN-GRID-NORTH", "North China grid", "华北", ["CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-SD"]),
    ("CN-GRID-NORTHEAST", "Northeast grid", "东北", ["CN-LN", "CN-JL", "CN-HL"]),
    ("CN-GRID-EAST", "East China grid", "华东", ["CN-SH", "CN-JS", "CN-ZJ", "CN-AH", "CN-FJ"]),
    ("CN-GRID-CENTRAL", "Central China grid", "华中", ["CN-HA", "CN-HB", "CN-HN", "CN-JX"]),
    ("CN-GRID-NORTHWEST", "Northwest grid", "西北", ["CN-SN", "CN-GS", "CN-QH", "CN-NX", "CN-XJ"]),
    ("CN-GRID-SOUTH", "South grid", "南方", ["CN-GD", "CN-GX", "CN-YN", "CN-GZ", "CN-HI"]),
    ("CN-GRID-SOUTHWEST", "Southwest grid", "西南", ["CN-SC", "CN-CQ", "CN-XZ"]),
]

# gwp100.csv "gas" column -> (gas id, notation, en label, zh label, Wikidata entity or None).
GASES = {
    "Carbon dioxide": ("CO2", "CO2", "Carbon dioxide", "二氧化碳", "Q1997"),
    "Methane (fossil)": ("CH4-fossil", "CH4", "Methane (fossil)", "甲烷（化石源）", None),
    "Methane (non-fossil)": ("CH4-non-fossil", "CH4", "Methane (non-fossil)", "甲烷（非化石源）", None),
    "Nitrous oxide": ("N2O", "N2O", "Nitrous oxide", "氧化亚氮", "Q905354"),
    "Sulphur hexafluoride": ("SF6", "SF6", "Sulphur hexafluoride", "六氟化硫", None),
    "Nitrogen trifluoride": ("NF3", "NF3", "Nitrogen trifluoride", "三氟化氮", None),
    "HFC-23": ("HFC-23", "HFC-23", "HFC-23 (trifluoromethane)", "HFC-23（三氟甲烷）", None),
    "HFC-32": ("HFC-32", "HFC-32", "HFC-32 (difluoromethane)", "HFC-32（二氟甲烷）", None),
    "HFC-125": ("HFC-125", "HFC-125", "HFC-125 (pentafluoroethane)", "HFC-125（五氟乙烷）", None),
    "HFC-134a": (
        "HFC-134a",
        "HFC-134a",
        "HFC-134a (1,1,1,2-tetrafluoroethane)",
        "HFC-134a（1,1,1,2-四氟乙烷）",
        None,
    ),
    "HFC-143a": (
        "HFC-143a",
        "HFC-143a",
        "HFC-143a (1,1,1-trifluoroethane)",
        "HFC-143a（1,1,1-三氟乙烷）",
        None,
    ),
    "PFC-14 (CF4)": ("PFC-14", "PFC-14", "PFC-14 (tetrafluoromethane, CF4)", "PFC-14（四氟化碳，CF4）", None),
    "PFC-116 (C2F6)": (
        "PFC-116",
        "PFC-116",
        "PFC-116 (hexafluoroethane, C2F6)",
        "PFC-116（六氟乙烷，C2F6）",
        None,
    ),
}
METHANE_CAS = "74-82-8"
CO2_CAS = "124-38-9"

GWP_SETS = [  # (id, csv column, en, zh, source id)
    ("AR4-GWP100", "ar4", "IPCC AR4 GWP100", "IPCC 第四次评估报告 GWP100", "ipcc-ar4-wg1-t2.14"),
    ("AR5-GWP100", "ar5", "IPCC AR5 GWP100", "IPCC 第五次评估报告 GWP100", "ipcc-ar5-wg1-t8.A.1"),
    ("AR6-GWP100", "ar6", "IPCC AR6 GWP100", "IPCC 第六次评估报告 GWP100", "ipcc-ar6-wg1-t7.15"),
]

IPCC_CATEGORIES = [  # (code, parent, en, zh)
    ("1", None, "Energy", "能源"),
    ("1.A", "1", "Fuel combustion activities", "燃料燃烧活动"),
    ("1.A.1", "1.A", "Energy industries", "能源工业"),
    ("1.A.1.a", "1.A.1", "Main activity electricity and heat production", "主要活动电力和热力生产"),
]

ELECTRICITY_ACTIVITIES = {  # cn_electricity csv "scope" -> activity id
    "national average": "grid-electricity-consumption",
    "national average excluding market-traded non-fossil electricity": "grid-electricity-consumption-excluding-market-traded-non-fossil",
    "national fossil-fuel electricity": "fossil-fuel-electricity-generation",
    "regional grid": "grid-electricity-consumption",
    "province": "grid-electricity-consumption",
}
ELECTRICITY_ACTIVITY_LABELS = {  # id -> (en, zh, related IPCC category or None)
    "grid-electricity-consumption": ("Grid electricity consumption (average)", "电网电力消费（平均）", None),
    "grid-electricity-consumption-excluding-market-traded-non-fossil": (
        "Grid electricity consumption, excluding market-traded non-fossil electricity",
        "电网电力消费（不包括市场化交易的非化石能源电量）",
        None,
    ),
    "fossil-fuel-electricity-generation": ("Fossil-fuel electricity generation", "化石能源发电", "1.A.1.a"),
}

# Sources: publications (dct:BibliographicResource) and the tables in them (ef:Source).
PUBLICATIONS = {
    "ipcc2006-v2": dict(
        en="2006 IPCC Guidelines for National Greenhouse Gas Inventories, Volume 2: Energy",
        zh="2006年IPCC国家温室气体清单指南 第2卷：能源",
        citation="IPCC 2006, 2006 IPCC Guidelines for National Greenhouse Gas Inventories, prepared by the "
        "National Greenhouse Gas Inventories Programme, Eggleston H.S., Buendia L., Miwa K., "
        "Ngara T. and Tanabe K. (eds). Published: IGES, Japan.",
        issued="2006",
        publisher="ipcc",
        url=None,
    ),
    "ipcc-ar4-wg1": dict(
        en="Climate Change 2007: The Physical Science Basis. Contribution of Working Group I to the Fourth "
        "Assessment Report of the Intergovernmental Panel on Climate Change",
        zh="气候变化2007：自然科学基础（IPCC第四次评估报告第一工作组报告）",
        citation="IPCC 2007, Climate Change 2007: The Physical Science Basis. Contribution of Working Group I "
        "to the Fourth Assessment Report of the IPCC. Cambridge University Press.",
        issued="2007",
        publisher="ipcc",
        url="https://www.ipcc.ch/report/ar4/wg1/",
    ),
    "ipcc-ar5-wg1": dict(
        en="Climate Change 2013: The Physical Science Basis. Contribution of Working Group I to the Fifth "
        "Assessment Report of the Intergovernmental Panel on Climate Change",
        zh="气候变化2013：自然科学基础（IPCC第五次评估报告第一工作组报告）",
        citation="IPCC 2013, Climate Change 2013: The Physical Science Basis. Contribution of Working Group I "
        "to the Fifth Assessment Report of the IPCC. Cambridge University Press.",
        issued="2013",
        publisher="ipcc",
        url="https://www.ipcc.ch/report/ar5/wg1/",
    ),
    "ipcc-ar6-wg1": dict(
        en="Climate Change 2021: The Physical Science Basis. Contribution of Working Group I to the Sixth "
        "Assessment Report of the Intergovernmental Panel on Climate Change",
        zh="气候变化2021：自然科学基础（IPCC第六次评估报告第一工作组报告）",
        citation="IPCC 2021, Climate Change 2021: The Physical Science Basis. Contribution of Working Group I "
        "to the Sixth Assessment Report of the IPCC. Cambridge University Press.",
        issued="2021",
        publisher="ipcc",
        url="https://www.ipcc.ch/report/ar6/wg1/",
    ),
    "mee-nbs-announcement-2024-12": dict(
        en="MEE and NBS announcement 2024 No. 12 on the release of the 2021 electricity CO2 emission factors",
        zh="生态环境部 国家统计局 关于发布2021年电力二氧化碳排放因子的公告（公告2024年第12号）",
        citation="Ministry of Ecology and Environment, National Bureau of Statistics: Announcement 2024 "
        "No. 12, 12 April 2024.",
        issued="2024-04-12",
        publisher="mee",
        contributor="nbs",
        url=None,
    ),
    "mee-nbs-announcement-2024-12-20": dict(
        en="MEE and NBS announcement of 20 December 2024 on the release of the 2022 electricity CO2 emission "
        "factors",
        zh="生态环境部 国家统计局 关于发布2022年电力二氧化碳排放因子的公告（2024年12月20日）",
        citation="Ministry of Ecology and Environment, National Bureau of Statistics: announcement of "
        "20 December 2024.",
        issued="2024-12-20",
        publisher="mee",
        contributor="nbs",
        url=None,
    ),
}

SOURCES = {
    "ipcc2006-v2-ch2-t2.2": dict(
        part_of="ipcc2006-v2",
        table="Table 2.2",
        en="2006 IPCC Guidelines, Volume 2 (Energy), Chapter 2 (Stationary Combustion), Table 2.2: Default "
        "emission factors for stationary combustion in the energy industries (kg of greenhouse gas per TJ "
        "on a net calorific basis)",
        zh="2006年IPCC国家温室气体清单指南 第2卷 第2章（固定源燃烧）表2.2：能源工业固定源燃烧的缺省排放因子"
        "（千克温室气体/太焦，按低位发热量计）",
        citation="Gómez D.R., Watterson J.D. et al., 2006: Chapter 2, Stationary Combustion. In: 2006 IPCC "
        "Guidelines for National Greenhouse Gas Inventories, Volume 2, Table 2.2.",
        issued="2006",
        publisher="ipcc",
        url="https://www.ipcc-nggip.iges.or.jp/public/2006gl/pdf/2_Volume2/V2_2_Ch2_Stationary_Combustion.pdf",
    ),
    "ipcc-ar4-wg1-t2.14": dict(
        part_of="ipcc-ar4-wg1",
        table="Table 2.14",
        en="IPCC AR4 WG1, Chapter 2 (Changes in Atmospheric Constituents and in Radiative Forcing), Table 2.14: "
        "lifetimes, radiative efficiencies and global warming potentials",
        zh="IPCC第四次评估报告第一工作组 第2章 表2.14：寿命、辐射效率和全球增温潜势",
        citation="Forster P. et al., 2007: Changes in Atmospheric Constituents and in Radiative Forcing. In: "
        "Climate Change 2007: The Physical Science Basis, Table 2.14.",
        issued="2007",
        publisher="ipcc",
        url=None,
    ),
    "ipcc-ar5-wg1-t8.A.1": dict(
        part_of="ipcc-ar5-wg1",
        table="Table 8.A.1",
        en="IPCC AR5 WG1, Chapter 8 (Anthropogenic and Natural Radiative Forcing), Appendix 8.A, Table 8.A.1: "
        "lifetimes, radiative efficiencies and metric values (GWP100 without climate-carbon feedbacks)",
        zh="IPCC第五次评估报告第一工作组 第8章 附录8.A 表8.A.1：寿命、辐射效率和指标值（GWP100，不含气候-碳反馈）",
        citation="Myhre G. et al., 2013: Anthropogenic and Natural Radiative Forcing. In: Climate Change 2013: "
        "The Physical Science Basis, Table 8.A.1.",
        issued="2013",
        publisher="ipcc",
        url=None,
    ),
    "ipcc-ar6-wg1-t7.15": dict(
        part_of="ipcc-ar6-wg1",
        table="Table 7.15",
        en="IPCC AR6 WG1, Chapter 7 (The Earth's Energy Budget, Climate Feedbacks and Climate Sensitivity), "
        "Table 7.15: emissions metrics for selected species (GWP100)",
        zh="IPCC第六次评估报告第一工作组 第7章 表7.15：部分物种的排放指标（GWP100）",
        citation="Forster P. et al., 2021: The Earth's Energy Budget, Climate Feedbacks, and Climate "
        "Sensitivity. In: Climate Change 2021: The Physical Science Basis, Table 7.15 "
        "(and Table 7.SM.7).",
        issued="2021",
        publisher="ipcc",
        url=None,
    ),
    "mee-nbs-2021-electricity-co2": dict(
        part_of="mee-nbs-announcement-2024-12",
        table="附件1《2021年电力二氧化碳排放因子》",
        en="2021 electricity CO2 emission factors (kg CO2/kWh), MEE/NBS announcement 2024 No. 12",
        zh="2021年电力二氧化碳排放因子（千克二氧化碳/千瓦时），生态环境部 国家统计局公告2024年第12号",
        citation="Ministry of Ecology and Environment, National Bureau of Statistics: Announcement 2024 "
        "No. 12 (12 April 2024), 2021 electricity CO2 emission factors.",
        issued="2024-04-12",
        publisher="mee",
        contributor="nbs",
        url=None,
    ),
    "mee-nbs-2022-electricity-co2": dict(
        part_of="mee-nbs-announcement-2024-12-20",
        table="2022年电力二氧化碳排放因子",
        en="2022 electricity CO2 emission factors (kg CO2/kWh), MEE/NBS announcement of 20 December 2024",
        zh="2022年电力二氧化碳排放因子（千克二氧化碳/千瓦时），生态环境部 国家统计局公告（2024年12月20日）",
        citation="Ministry of Ecology and Environment, National Bureau of Statistics: announcement of "
        "20 December 2024, 2022 electricity CO2 emission factors.",
        issued="2024-12-20",
        publisher="mee",
        contributor="nbs",
        url=None,
    ),
}
ELECTRICITY_SOURCES = {"2021": "mee-nbs-2021-electricity-co2", "2022": "mee-nbs-2022-electricity-co2"}

DATASETS = {
    "efreg-reference": dict(
        en="efreg reference data: geographies, gases, units, categories, publishers, licenses and sources",
        zh="efreg 参考数据：地理区域、气体、单位、类别、发布机构、许可和来源",
        publisher="efreg",
        license=CC_BY_4,
        sources=[],
    ),
    "ipcc-gwp100": dict(
        en="IPCC 100-year global warming potentials (AR4, AR5, AR6)",
        zh="IPCC 100年全球增温潜势（第四、五、六次评估报告）",
        publisher="ipcc",
        license="license/ipcc",
        sources=["ipcc-ar4-wg1-t2.14", "ipcc-ar5-wg1-t8.A.1", "ipcc-ar6-wg1-t7.15"],
    ),
    "ipcc2006-v2-ch2-t2.2": dict(
        en="IPCC 2006 default emission factors for stationary combustion in the energy industries (Table 2.2)",
        zh="IPCC 2006 能源工业固定源燃烧缺省排放因子（表2.2）",
        publisher="ipcc",
        license="license/ipcc",
        sources=["ipcc2006-v2-ch2-t2.2"],
        type="ef:FactorTable",
    ),
    "cn-mee-electricity-2021-2022": dict(
        en="China electricity CO2 emission factors 2021 and 2022 (MEE/NBS)",
        zh="中国电力二氧化碳排放因子（2021年、2022年，生态环境部 国家统计局）",
        publisher="mee",
        contributor="nbs",
        license="license/cn-gov-announcement",
        sources=["mee-nbs-2021-electricity-co2", "mee-nbs-2022-electricity-co2"],
        type="ef:FactorTable",
    ),
}


def dataset_record(dataset_id: str) -> Resource:
    d = DATASETS[dataset_id]
    license_ref = d["license"]
    props: Props = [
        ("a", ["dcat:Dataset"]),
        ("dct:title", [en(d["en"]), zh(d["zh"])]),
        labels(d["en"], d["zh"]),
        ("dct:identifier", [plain(dataset_id)]),
        ("dcat:version", [plain("1")]),
        ("dct:isVersionOf", [iri(f"dataset/{dataset_id}")]),
        ("dct:publisher", [iri(f"publisher/{d['publisher']}")]),
    ]
    if "contributor" in d:
        props.append(("dct:contributor", [iri(f"publisher/{d['contributor']}")]))
    props += [
        ("dct:license", [iri(license_ref)]),
        ("ef:accessLevel", ["ef:Open"]),
        ("ef:reviewStatus", ["ef:Published"]),
        ("dct:issued", [date(RELEASE_DATE)]),
    ]
    if d["sources"]:
        props.append(("dct:source", [iri(f"source/{s}") for s in d["sources"]]))
    if "type" in d:
        props.append(("ef:datasetType", [d["type"]]))
    return Resource(iri(f"dataset/{dataset_id}/1"), props)


# --------------------------------------------------------------------------------------------------
# reference.trig


def gas_rows(facts: Path) -> list[dict[str, str]]:
    rows = read_csv(facts / "gwp100.csv")
    for row in rows:
        if row["gas"] not in GASES:
            raise SystemExit(f"gwp100.csv: unknown gas {row['gas']!r}; add it to GASES in seeds/build.py")
    return rows


def build_reference(facts: Path) -> str:
    res: list[Resource] = [dataset_record("efreg-reference")]

    # Geography
    res.append(
        Resource(
            iri("geo/iso3166"),
            [
                ("a", ["skos:ConceptScheme"]),
                labels("ISO 3166 countries and their subdivisions", "ISO 3166 国家及其行政区划代码"),
            ],
        )
    )
    res.append(
        Resource(
            iri("geo/registry-regions"),
            [("a", ["skos:ConceptScheme"]), labels("Regions defined by the registry", "注册库定义的区域")],
        )
    )
    res.append(
        Resource(
            iri("geo/GLO"),
            [
                ("a", ["ef:Geography", "ef:RegistryRegion"]),
                labels("World", "全球"),
                ("skos:notation", [plain("GLO")]),
                ("skos:inScheme", [iri("geo/registry-regions")]),
            ],
        )
    )
    res.append(
        Resource(
            iri("geo/CN"),
            [
                ("a", ["ef:Geography"]),
                labels("China", "中国"),
                ("skos:notation", [plain("CN")]),
                ("skos:inScheme", [iri("geo/iso3166")]),
                ("skos:broader", [iri("geo/GLO")]),
            ],
        )
    )
    for code, name_en, name_zh in PROVINCES:
        res.append(
            Resource(
                iri(f"geo/{code}"),
                [
                    ("a", ["ef:Geography"]),
                    labels(name_en, name_zh),
                    ("skos:notation", [plain(code)]),
                    ("skos:inScheme", [iri("geo/iso3166")]),
                    ("skos:broader", [iri("geo/CN")]),
                ],
            )
        )
    province_codes = {p[0] for p in PROVINCES}
    for code, name_en, name_zh, covers in GRIDS:
        assert set(covers) <= province_codes, code
        res.append(
            Resource(
                iri(f"geo/{code}"),
                [
                    ("a", ["ef:Geography", "ef:RegistryRegion"]),
                    labels(name_en, f"{name_zh}电网"),
                    ("skos:notation", [plain(code)]),
                    ("skos:inScheme", [iri("geo/registry-regions")]),
                    ("skos:broader", [iri("geo/CN")]),
                    ("ef:coversRegion", [iri(f"geo/{c}") for c in covers]),
                ],
            )
        )

    # Gases
    res.append(
        Resource(
            iri("gas/CO2-biogenic"),
            [
                ("a", ["ef:Gas"]),
                labels("Carbon dioxide (biogenic)", "二氧化碳（生物源）"),
                ("skos:notation", [plain("CO2")]),
                ("ef:casNumber", [plain(CO2_CAS)]),
                ("ef:formula", [plain("CO2")]),
                ("skos:broader", [iri("gas/CO2")]),
            ],
        )
    )
    res.append(
        Resource(
            iri("gas/CH4"),
            [
                ("a", ["ef:Gas"]),
                labels("Methane", "甲烷"),
                ("skos:notation", [plain("CH4")]),
                ("ef:casNumber", [plain(METHANE_CAS)]),
                ("ef:formula", [plain("CH4")]),
                ("skos:exactMatch", ["wd:Q37129"]),
            ],
        )
    )
    for row in gas_rows(facts):
        gas_id, notation, name_en, name_zh, wikidata = GASES[row["gas"]]
        props: Props = [
            ("a", ["ef:Gas"]),
            labels(name_en, name_zh),
            ("skos:notation", [plain(notation)]),
            ("ef:casNumber", [plain(row["cas"])]),
            ("ef:formula", [plain(row["formula"])]),
        ]
        if gas_id.startswith("CH4-"):
            props.append(("skos:broader", [iri("gas/CH4")]))
        if wikidata:
            props.append(("skos:exactMatch", [f"wd:{wikidata}"]))
        res.append(Resource(iri(f"gas/{gas_id}"), props))

    # Units
    for qudt_id, name_en, name_zh, ucum in [
        ("TeraJ", "terajoule", "太焦", "TJ"),
        ("KiloW-HR", "kilowatt hour", "千瓦时", "kW.h"),
        ("KiloGM", "kilogram", "千克", "kg"),
    ]:
        res.append(
            Resource(
                f"unit:{qudt_id}",
                [
                    ("a", ["qudt:Unit"]),
                    labels(name_en, name_zh),
                    ("qudt:ucumCode", [plain(ucum)]),
                    ("qudt:symbol", [plain(ucum.replace(".", ""))]),
                ],
            )
        )
    # UCUM: "." and "/" bind equally, left to right, so kg per kW.h needs the parentheses.
    for unit_id, name_en, name_zh, ucum, symbol, denominator in [
        ("KiloGM-PER-TeraJ", "kilogram per terajoule", "千克/太焦", "kg/TJ", "kg/TJ", "TeraJ"),
        (
            "KiloGM-PER-KiloW-HR",
            "kilogram per kilowatt hour",
            "千克/千瓦时",
            "kg/(kW.h)",
            "kg/kWh",
            "KiloW-HR",
        ),
    ]:
        res.append(
            Resource(
                iri(f"unit/{unit_id}"),
                [
                    ("a", ["qudt:Unit"]),
                    labels(name_en, name_zh),
                    ("qudt:ucumCode", [plain(ucum)]),
                    ("qudt:symbol", [plain(symbol)]),
                    ("ef:numeratorUnit", ["unit:KiloGM"]),
                    ("ef:denominatorUnit", [f"unit:{denominator}"]),
                ],
            )
        )

    # IPCC 2006 categories
    res.append(
        Resource(
            iri("category/ipcc2006"),
            [
                ("a", ["skos:ConceptScheme"]),
                labels("IPCC 2006 source and sink categories", "IPCC 2006 排放源和吸收汇类别"),
                ("skos:hasTopConcept", [iri("category/ipcc2006/1")]),
                ("dct:source", [iri("source/ipcc2006-v2")]),
            ],
        )
    )
    for code, parent, name_en, name_zh in IPCC_CATEGORIES:
        props = [
            ("a", ["skos:Concept"]),
            labels(f"{code} {name_en}", f"{code} {name_zh}"),
            ("skos:prefLabel", [en(name_en), zh(name_zh)]),
            ("skos:notation", [plain(code)]),
            ("skos:inScheme", [iri("category/ipcc2006")]),
        ]
        if parent:
            props.append(("skos:broader", [iri(f"category/ipcc2006/{parent}")]))
        else:
            props.append(("skos:topConceptOf", [iri("category/ipcc2006")]))
        res.append(Resource(iri(f"category/ipcc2006/{code}"), props))

    # Activities
    activities: list[Resource] = []
    for row in read_csv(facts / "ipcc2006_v2_ch2_table2_2.csv"):
        activities.append(
            Resource(
                iri(f"category/activity/{slug(row['fuel'])}-combustion"),
                [
                    ("a", ["skos:Concept"]),
                    labels(f"{row['fuel']} combustion", f"{row['fuel_zh']}燃烧"),
                    ("skos:inScheme", [iri("category/activity")]),
                    ("skos:topConceptOf", [iri("category/activity")]),
                ],
            )
        )
    for act_id, (name_en, name_zh, related) in ELECTRICITY_ACTIVITY_LABELS.items():
        props = [
            ("a", ["skos:Concept"]),
            labels(name_en, name_zh),
            ("skos:inScheme", [iri("category/activity")]),
            ("skos:topConceptOf", [iri("category/activity")]),
        ]
        if related:
            props.append(("skos:related", [iri(f"category/ipcc2006/{related}")]))
        activities.append(Resource(iri(f"category/activity/{act_id}"), props))
    res.append(
        Resource(
            iri("category/activity"),
            [
                ("a", ["skos:ConceptScheme"]),
                labels("Activities", "活动"),
                ("skos:hasTopConcept", [a.subject for a in activities]),
            ],
        )
    )
    res += activities

    # Publishers and licenses
    for pub_id, (name_en, name_zh, homepage) in PUBLISHERS.items():
        props = [
            ("a", ["foaf:Organization", "prov:Agent"]),
            ("foaf:name", [en(name_en), zh(name_zh)]),
            labels(name_en, name_zh),
        ]
        if homepage:
            props.append(("foaf:homepage", [iri(homepage)]))
        res.append(Resource(iri(f"publisher/{pub_id}"), props))
    res.append(
        Resource(
            iri(CC_BY_4),
            [
                ("a", ["dct:LicenseDocument"]),
                labels(
                    "Creative Commons Attribution 4.0 International (CC BY 4.0)",
                    "知识共享署名 4.0 国际许可协议（CC BY 4.0）",
                ),
            ],
        )
    )
    for lic_id, (name_en, name_zh) in LICENSES.items():
        res.append(
            Resource(iri(f"license/{lic_id}"), [("a", ["dct:LicenseDocument"]), labels(name_en, name_zh)])
        )

    # Publications and sources
    for pub_id, p in PUBLICATIONS.items():
        res.append(Resource(iri(f"source/{pub_id}"), _source_props(p, "dct:BibliographicResource")))
    for src_id, s in SOURCES.items():
        props = _source_props(s, "ef:Source")
        props.insert(3, ("ef:table", [plain(s["table"])]))
        props.append(("dct:isPartOf", [iri(f"source/{s['part_of']}")]))
        res.append(Resource(iri(f"source/{src_id}"), props))

    return render_trig(
        "efreg reference data: geographies, gases, units, category schemes, publishers, licenses, sources.",
        "dataset/efreg-reference/1",
        res,
    )


def _source_props(s: dict, cls: str) -> Props:
    props: Props = [
        ("a", [cls]),
        ("dct:title", [en(s["en"]), zh(s["zh"])]),
        labels(s["en"], s["zh"]),
        ("dct:bibliographicCitation", [plain(s["citation"])]),
        ("dct:issued", [date(s["issued"])]),
        ("dct:publisher", [iri(f"publisher/{s['publisher']}")]),
    ]
    if s.get("contributor"):
        props.append(("dct:contributor", [iri(f"publisher/{s['contributor']}")]))
    if s.get("url"):
        props.append(("schema:url", [iri(s["url"])]))
    return props


# --------------------------------------------------------------------------------------------------
# gwp100.trig


def gwp_table(facts: Path) -> dict[str, dict[str, str]]:
    """GWP set id -> gas id -> value (published lexical form), as the seeds state them."""
    rows = gas_rows(facts)
    table: dict[str, dict[str, str]] = {}
    for set_id, column, *_ in GWP_SETS:
        values = {GASES[row["gas"]][0]: row[column] for row in rows if row[column]}
        fossil, non_fossil = values.get("CH4-fossil"), values.get("CH4-non-fossil")
        # Plain CH4 only where the report gives one value for all methane (AR4, AR5).
        if fossil is not None and non_fossil is not None and Decimal(fossil) == Decimal(non_fossil):
            values["CH4"] = fossil
        table[set_id] = values
    return table


def build_gwp(facts: Path) -> str:
    table = gwp_table(facts)
    order = ["CO2", "CH4"] + [
        GASES[row["gas"]][0] for row in gas_rows(facts) if row["gas"] != "Carbon dioxide"
    ]
    res: list[Resource] = [dataset_record("ipcc-gwp100")]
    for set_id, _column, name_en, name_zh, source in GWP_SETS:
        values = table[set_id]
        res.append(
            Resource(
                iri(f"gwp/{set_id}"),
                [
                    ("a", ["ef:GWPSet"]),
                    labels(name_en, name_zh),
                    ("ef:timeHorizon", [typed("100", "xsd:integer")]),
                    ("dct:source", [iri(f"source/{source}")]),
                    (
                        "ef:gwpValue",
                        [
                            [
                                ("a", ["ef:GWPValue"]),
                                ("ef:gas", [iri(f"gas/{g}")]),
                                ("ef:value", [dec(values[g])]),
                            ]
                            for g in order
                            if g in values
                        ],
                    ),
                ],
            )
        )
    return render_trig(
        "IPCC 100-year global warming potentials (AR4, AR5, AR6).", "dataset/ipcc-gwp100/1", res
    )


# --------------------------------------------------------------------------------------------------
# ipcc2006-t2.2.trig


def co2e(components: list[tuple[str, Decimal]], gwps: dict[str, str]) -> Decimal:
    return sum((value * Decimal(gwps[gas]) for gas, value in components), Decimal(0))


def common_factor_props(factor_id: str, dataset_id: str, label_en: str, label_zh: str) -> Props:
    return [
        ("a", ["ef:EmissionFactor"]),
        labels(label_en, label_zh),
        ("dct:identifier", [plain(factor_id)]),
        ("dcat:version", [plain("1")]),
        ("dct:isVersionOf", [iri(f"factor/{factor_id}")]),
        ("dct:isPartOf", [iri(f"dataset/{dataset_id}/1")]),
    ]


def build_ipcc(facts: Path) -> str:
    dataset_id = "ipcc2006-v2-ch2-t2.2"
    unit = iri("unit/KiloGM-PER-TeraJ")
    table = gwp_table(facts)
    res: list[Resource] = [dataset_record(dataset_id)]
    for row in read_csv(facts / "ipcc2006_v2_ch2_table2_2.csv"):
        fuel = slug(row["fuel"])
        factor_id = f"ipcc2006-t2.2-{fuel}"
        biomass = row["fuel_group"] == "biomass"
        co2_gas = "CO2-biogenic" if biomass else "CO2"
        ch4_gas = "CH4-non-fossil" if biomass else "CH4-fossil"
        co2_component: Props = [
            ("a", ["ef:GasComponent"]),
            ("ef:gas", [iri(f"gas/{co2_gas}")]),
            ("ef:value", [dec(row["co2_kg_per_tj"])]),
            ("ef:unit", [unit]),
        ]
        if row["co2_lower"] or row["co2_upper"]:
            if not (row["co2_lower"] and row["co2_upper"]):
                raise SystemExit(f"{row['fuel']}: only one CO2 bound given")
            co2_component.append(
                (
                    "ef:uncertainty",
                    [
                        [
                            ("a", ["ef:Uncertainty"]),
                            ("ef:lowerBound", [dec(row["co2_lower"])]),
                            ("ef:upperBound", [dec(row["co2_upper"])]),
                            ("ef:confidenceLevel", [dec("95")]),
                        ]
                    ],
                )
            )
        components = [co2_component]
        for gas, column in [(ch4_gas, "ch4_kg_per_tj"), ("N2O", "n2o_kg_per_tj")]:
            components.append(
                [
                    ("a", ["ef:GasComponent"]),
                    ("ef:gas", [iri(f"gas/{gas}")]),
                    ("ef:value", [dec(row[column])]),
                    ("ef:unit", [unit]),
                ]
            )
        props = common_factor_props(
            factor_id,
            dataset_id,
            f"{row['fuel']}, stationary combustion in energy industries",
            f"{row['fuel_zh']}，能源工业固定源燃烧",
        )
        props += [
            ("ef:activity", [iri(f"category/activity/{fuel}-combustion")]),
            ("ef:activityCategory", [iri("category/ipcc2006/1.A.1")]),
            ("ef:activityUnit", ["unit:TeraJ"]),
            ("ef:geography", [iri("geo/GLO")]),
            ("ef:referenceYear", [date("2006")]),
            ("ef:boundary", ["ef:Combustion"]),
            ("ef:ghgScope", ["ef:Scope1"]),
            ("ef:gasBasis", ["ef:MultiGasBasis"]),
            ("ef:calorificBasis", ["ef:NetCalorificValue"]),
            ("ef:component", components),
        ]
        if not biomass:  # biogenic CO2 is a memo item with no GWP: no CO2e for wood (seeds/README.md)
            amounts = [
                ("CO2", Decimal(row["co2_kg_per_tj"])),
                (ch4_gas, Decimal(row["ch4_kg_per_tj"])),
                ("N2O", Decimal(row["n2o_kg_per_tj"])),
            ]
            props.append(
                (
                    "ef:co2e",
                    [
                        [
                            ("a", ["ef:CO2eValue"]),
                            ("ef:gwpSet", [iri(f"gwp/{set_id}")]),
                            ("ef:value", [dec(co2e(amounts, table[set_id]))]),
                            ("ef:unit", [unit]),
                        ]
                        for set_id, *_ in GWP_SETS
                    ],
                )
            )
        props += [
            ("dct:source", [iri("source/ipcc2006-v2-ch2-t2.2")]),
            ("dct:license", [iri("license/ipcc")]),
            ("dct:publisher", [iri("publisher/ipcc")]),
            ("ef:accessLevel", ["ef:Open"]),
        ]
        res.append(Resource(iri(f"factor/{factor_id}/1"), props))
    return render_trig(
        "IPCC 2006 Guidelines, Vol. 2, Ch. 2, Table 2.2: default emission factors for stationary combustion in "
        "the energy industries (kg/TJ, net calorific basis).",
        f"dataset/{dataset_id}/1",
        res,
    )


# --------------------------------------------------------------------------------------------------
# cn-electricity.trig


def grid_code(region_en: str) -> str:
    for code, name_en, *_ in GRIDS:
        if name_en == region_en:
            return code
    raise SystemExit(f"cn_electricity: unknown regional grid {region_en!r}")


def electricity_geo(row: dict[str, str]) -> str:
    if row["scope"] == "regional grid":
        return grid_code(row["region_en"])
    code = row["region_code"]
    if code != "CN" and code not in {p[0] for p in PROVINCES}:
        raise SystemExit(f"cn_electricity: unknown region code {code!r}")
    return code


def electricity_factor_id(row: dict[str, str]) -> str:
    return f"cn-mee-{row['year']}-{slug(row['scope'])}-{electricity_geo(row).lower()}"


def build_cn_electricity(facts: Path) -> str:
    dataset_id = "cn-mee-electricity-2021-2022"
    unit = iri("unit/KiloGM-PER-KiloW-HR")
    res: list[Resource] = [dataset_record(dataset_id)]
    rows = read_csv(facts / "cn_electricity_2021_2022.csv")
    rows.sort(key=lambda r: (r["year"], list(ELECTRICITY_ACTIVITIES).index(r["scope"]), electricity_geo(r)))
    for row in rows:
        activity = ELECTRICITY_ACTIVITIES[row["scope"]]
        act_en, act_zh, _ = ELECTRICITY_ACTIVITY_LABELS[activity]
        geo = electricity_geo(row)
        region_zh = f"{row['region_zh']}电网" if row["scope"] == "regional grid" else row["region_zh"]
        factor_id = electricity_factor_id(row)
        props = common_factor_props(
            factor_id,
            dataset_id,
            f"{act_en}, {row['region_en']}, {row['year']}",
            f"{act_zh}，{region_zh}，{row['year']}年",
        )
        props += [
            ("ef:activity", [iri(f"category/activity/{activity}")]),
            ("ef:activityUnit", ["unit:KiloW-HR"]),
            ("ef:geography", [iri(f"geo/{geo}")]),
            ("ef:referenceYear", [date(row["year"])]),
            ("ef:boundary", ["ef:Combustion"]),
            ("ef:ghgScope", ["ef:Scope2"]),
            ("ef:gasBasis", ["ef:CO2Basis"]),
            (
                "ef:component",
                [
                    [
                        ("a", ["ef:GasComponent"]),
                        ("ef:gas", [iri("gas/CO2")]),
                        ("ef:value", [dec(row["kg_co2_per_kwh"])]),
                        ("ef:unit", [unit]),
                    ]
                ],
            ),
            ("dct:source", [iri(f"source/{ELECTRICITY_SOURCES[row['year']]}")]),
            ("dct:license", [iri("license/cn-gov-announcement")]),
            ("dct:publisher", [iri("publisher/mee")]),
            ("dct:contributor", [iri("publisher/nbs")]),
            ("ef:accessLevel", ["ef:Open"]),
        ]
        res.append(Resource(iri(f"factor/{factor_id}/1"), props))
    return render_trig(
        "China electricity CO2 emission factors, 2021 (MEE/NBS announcement 2024 No. 12) and 2022 (MEE/NBS "
        "announcement of 20 December 2024), kg CO2 per kWh.",
        f"dataset/{dataset_id}/1",
        res,
    )


# --------------------------------------------------------------------------------------------------

BUILDERS = {
    "reference.trig": build_reference,
    "gwp100.trig": build_gwp,
    "ipcc2006-t2.2.trig": build_ipcc,
    "cn-electricity.trig": build_cn_electricity,
}


def build(facts: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in BUILDERS.items():
        path = out / name
        path.write_bytes(builder(facts).encode("utf-8"))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=DEFAULT_FACTS, help="directory of the seed-fact CSVs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the TriG files")
    args = parser.parse_args(argv)
    for path in build(args.facts, args.out):
        print(path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
