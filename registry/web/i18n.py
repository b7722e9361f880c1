"""English and Chinese pages: the language of a request, the messages, and how a page names things.

The language is, in order: ``?lang=`` (the visible switch, which also sets a cookie), the ``lang``
cookie, then ``Accept-Language`` (a malformed header falls back to English).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from flask import Response, g, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from registry.rdf import parts
from registry.rdf.namespaces import EF
from registry.rdf.ontology import COMMON_TERMS, local_name, ontology_graph

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
COOKIE = "lang"

#: message key -> (English, Chinese)
MESSAGES: dict[str, tuple[str, str]] = {
    "site": ("Emission factor registry", "排放因子登记库"),
    "pact_footprints": ("PACT product footprints", "PACT 产品碳足迹"),
    "pact_refused": (
        "No PACT footprint: a field PACT requires cannot be derived",
        "无 PACT 碳足迹：无法推导 PACT 要求的字段",
    ),
    "tagline": ("Open linked data on greenhouse-gas emission factors", "开放的温室气体排放因子关联数据"),
    "switch": ("中文", "English"),
    "search": ("Search", "搜索"),
    "search_placeholder": ("Search factors (English or Chinese)", "搜索排放因子（中文或英文）"),
    "results": ("results", "条结果"),
    "no_results": ("No factors match.", "没有匹配的排放因子。"),
    "facet_publisher": ("Publisher", "发布机构"),
    "facet_geo": ("Geography", "地理范围"),
    "facet_gas": ("Gas", "气体"),
    "facet_category": ("Category", "类别"),
    "facet_dataset": ("Dataset", "数据集"),
    "clear": ("Clear filters", "清除筛选"),
    "previous": ("Previous", "上一页"),
    "next": ("Next", "下一页"),
    "page": ("Page", "第"),
    "factors": ("Emission factors", "排放因子"),
    "datasets": ("Datasets", "数据集"),
    "publishers": ("Publishers", "发布机构"),
    "value": ("Value", "数值"),
    "unit": ("Unit", "单位"),
    "gas": ("Gas", "气体"),
    "per": ("per", "每"),
    "gas_breakdown": ("Gas breakdown", "按气体分列"),
    "co2e": ("CO2 equivalent", "二氧化碳当量"),
    "gwp_set": ("GWP set", "GWP 值集"),
    "uncertainty": ("Uncertainty", "不确定性"),
    "range": ("range", "范围"),
    "confidence": ("confidence", "置信水平"),
    "where_when": ("Where and when", "地域与时间"),
    "geography": ("Geography", "地理范围"),
    "period": ("Period", "时间范围"),
    "reference_year": ("Reference year", "参考年份"),
    "boundary": ("Boundary", "边界"),
    "scope": ("GHG Protocol scope", "温室气体核算范围"),
    "gas_basis": ("Gas basis", "气体基准"),
    "calorific_basis": ("Calorific basis", "热值基准"),
    "activity": ("Activity", "活动"),
    "activity_category": ("Category", "类别"),
    "activity_unit": ("Activity unit", "活动单位"),
    "provenance": ("Source and licence", "来源与许可"),
    "source": ("Source", "来源"),
    "table": ("Table", "表"),
    "dataset": ("Dataset", "数据集"),
    "publisher": ("Publisher", "发布机构"),
    "contributor": ("Contributor", "贡献者"),
    "license": ("Licence", "许可"),
    "quality": ("Data quality", "数据质量"),
    "quality_ter": ("Technological representativeness", "技术代表性"),
    "quality_ger": ("Geographical representativeness", "地理代表性"),
    "quality_tir": ("Time representativeness", "时间代表性"),
    "quality_precision": ("Precision", "精确度"),
    "quality_dqr": ("Data quality rating (1 best, 5 worst)", "数据质量评级（1 最好，5 最差）"),
    "no_quality": ("Not rated.", "未评级。"),
    "versions": ("Version history", "版本历史"),
    "version": ("Version", "版本"),
    "current": ("current", "当前版本"),
    "this_version": ("this version", "本版本"),
    "superseded": ("This version has been superseded by", "此版本已被替代，新版本为"),
    "restricted_title": ("Values restricted", "数值受限"),
    "restricted_text": (
        "This is commercial data: what the factor covers is public, its values are shown only to "
        "organisations its publisher has granted access.",
        "这是商业数据：该排放因子的适用范围公开，其数值仅向发布机构授权的组织显示。",
    ),
    "restricted_ask": ("To ask for access, contact the publisher,", "如需访问，请联系发布机构"),
    "restricted_dataset": ("dataset", "数据集"),
    "restricted_token": (
        "Once your organisation is granted access, send its token to see the values here, in the RDF "
        "documents, the dumps, search and SPARQL:",
        "贵组织获得授权后，发送其令牌即可在本页、RDF 文档、数据转储、搜索和 SPARQL 中查看数值：",
    ),
    "gone_title": ("Withdrawn", "已撤回"),
    "gone_notice": (
        "This was withdrawn: its publisher took back the dataset version that held it,",
        "此内容已撤回：发布机构撤回了包含它的数据集版本",
    ),
    "gone_when": ("Withdrawn on", "撤回时间"),
    "gone_why": ("Why", "原因"),
    "gone_no_reason": ("No reason was given.", "未说明原因。"),
    "gone_by": ("Withdrawn by", "撤回者"),
    "gone_replacement": ("What replaces it", "替代版本"),
    "gone_no_replacement": ("No published version replaces it.", "没有已发布的替代版本。"),
    "latest_note": ("This is the latest version of", "这是以下资源的最新版本："),
    "mappings": ("Mappings", "映射"),
    "no_mappings": ("No mappings yet.", "暂无映射。"),
    "cite": ("Cite this", "引用"),
    "cite_note": ("Cite the versioned URI: it never changes.", "请引用带版本号的 URI：它永远不会改变。"),
    "formats": ("This page as data", "本页数据格式"),
    "sparql_example": ("Example SPARQL query", "SPARQL 查询示例"),
    "run_query": ("Run it", "运行"),
    "properties": ("Properties", "属性"),
    "links_here": ("Factors", "相关排放因子"),
    "factors_with": ("Factors with this", "使用此项的排放因子"),
    "members": ("Factors in this dataset", "此数据集中的排放因子"),
    "list_of": ("All", "全部"),
    "home": ("Home", "首页"),
    "ontology": ("Ontology", "本体"),
    "shapes": ("Shapes", "形状"),
    "catalog": ("Catalog", "目录"),
    "void": ("VoID", "VoID"),
    "dumps": ("Dumps", "数据转储"),
    "sparql": ("SPARQL", "SPARQL"),
    "browse": ("Browse", "浏览"),
    "counts": ("What the registry holds", "登记库概况"),
    "base_uri": ("Base URI", "基础 URI"),
    "terms": ("Terms", "术语"),
    "classes": ("Classes", "类"),
    "object_properties": ("Object properties", "对象属性"),
    "datatype_properties": ("Datatype properties", "数据属性"),
    "datatypes": ("Datatypes", "数据类型"),
    "schemes": ("Concept schemes", "概念体系"),
    "individuals": ("Individuals", "个体"),
    "download": ("Download", "下载"),
    "all_data": ("All public data", "全部公开数据"),
    "triples": ("triples", "个三元组"),
    "not_found": ("Not found", "未找到"),
    "about_title": ("What this is", "这是什么"),
    "about": (
        "efreg is an open registry of greenhouse-gas emission factors: how much CO2, CH4, N2O and other "
        "gases one unit of an activity emits (a kilowatt hour of grid electricity, a terajoule of natural "
        "gas, a tonne of cement). Every factor cites its source and licence, has a permanent versioned "
        "URI and is published as linked data (RDF) that machines can query and join with their own data.",
        "efreg 是一个开放的温室气体排放因子登记库：记录单位活动（一千瓦时电网电力、一太焦天然气、一吨水泥）"
        "排放的二氧化碳、甲烷、氧化亚氮等气体的数量。每个因子都注明来源与许可，拥有永久的带版本号 URI，"
        "并以关联数据（RDF）发布，机器可以查询并与自己的数据关联。",
    ),
    "how_query": ("How to query", "如何查询"),
    "how_query_search": ("Search by name, place, gas or publisher:", "按名称、地区、气体或发布机构搜索："),
    "how_query_sparql": ("Ask anything in SPARQL at", "用 SPARQL 查询："),
    "how_query_api": ("or use the JSON API", "或使用 JSON 接口"),
    "how_query_curl": (
        "Every factor URI answers with data when asked:",
        "每个因子的 URI 都可以直接返回数据：",
    ),
    "how_cite": ("How to cite", "如何引用"),
    "how_cite_text": (
        "Cite the versioned URI of a factor (…/factor/{id}/{version}) with its publisher and licence: "
        "a version never changes, so a footprint calculated today can be checked years later.",
        "请引用因子的带版本号 URI（…/factor/{标识}/{版本}），并注明其发布机构和许可：版本永不改变，"
        "今天计算的碳足迹多年后仍可核对。",
    ),
    "recent": ("Recent releases", "最新发布"),
    "all_datasets": ("All datasets", "全部数据集"),
    "issued": ("Released", "发布日期"),
    "factor_count": ("Factors", "因子数"),
    "attribution": ("Attribution", "署名"),
    "downloads": ("Downloads", "下载"),
    "download_nq": ("All triples (N-Quads, gzip)", "全部三元组（N-Quads，gzip）"),
    "download_csv": ("Factors (CSV)", "排放因子（CSV）"),
    "review_history": ("Publisher and review history", "发布与审核记录"),
    "validation": ("Validation (SHACL)", "校验（SHACL）"),
    "validation_lead": (
        "What the guideline's shapes found when this version was stored, by rule (violations block a "
        "load, so what is kept are warnings):",
        "本版本入库时按数据集构建指南的形状校验所得结果，按规则汇总（违规会阻止导入，故此处保留的是警告）：",
    ),
    "severity_Violation": ("Violation", "违规"),
    "severity_Warning": ("Warning", "警告"),
    "severity_Info": ("Info", "提示"),
    "e_g": ("e.g.", "例如"),
    "full_report": ("The whole report", "完整报告"),
    "no_history": (
        "Loaded by the registry's administrators (seed or bulk load): no review record.",
        "由登记库管理员载入（种子数据或批量导入）：无审核记录。",
    ),
    "year": ("Year", "年份"),
    "place": ("Place", "地区"),
    "factor": ("Factor", "排放因子"),
    "restricted_values": ("restricted", "受限"),
    "action_upload": ("uploaded", "上传"),
    "action_submit": ("submitted for review", "提交审核"),
    "action_approve": ("approved and published", "审核通过并发布"),
    "action_reject": ("rejected", "退回"),
    "action_withdraw": ("withdrawn", "撤回"),
    "action_comment": ("commented", "评论"),
    "by": ("by", "由"),
    "description": ("Description", "说明"),
    "calculator": ("Calculator", "计算器"),
}

#: key -> (English singular, English plural, Chinese): ``{n}`` is the count.
PLURALS: dict[str, tuple[str, str, str]] = {
    "results": ("{n} result", "{n} results", "{n} 条结果"),
    "factors": ("{n} factor", "{n} factors", "{n} 个排放因子"),
    "datasets": ("{n} dataset", "{n} datasets", "{n} 个数据集"),
    "publishers": ("{n} publisher", "{n} publishers", "{n} 个发布机构"),
    "gases": ("+{n} gas", "+{n} gases", "另 {n} 种气体"),
    "results_of": ("{n} result", "{n} results", "{n} 条"),
}

#: Names of the non-ef properties a page shows (ef: ones come from the ontology).
PROPERTY_NAMES: dict[str, tuple[str, str]] = {
    "label": ("label", "标签"),
    "comment": ("comment", "注释"),
    "prefLabel": ("preferred label", "首选标签"),
    "definition": ("definition", "定义"),
    "notation": ("notation", "代码"),
    "broader": ("broader", "上位"),
    "inScheme": ("in scheme", "所属体系"),
    "exactMatch": ("exact match", "完全匹配"),
    "closeMatch": ("close match", "近似匹配"),
    "title": ("title", "标题"),
    "description": ("description", "描述"),
    "identifier": ("identifier", "标识符"),
    "isVersionOf": ("version of", "版本所属"),
    "isReplacedBy": ("replaced by", "被替代为"),
    "isPartOf": ("part of", "属于"),
    "publisher": ("publisher", "发布机构"),
    "contributor": ("contributor", "贡献者"),
    "license": ("licence", "许可"),
    "source": ("source", "来源"),
    "version": ("version", "版本"),
    "hasVersion": ("has version", "版本"),
    "hasCurrentVersion": ("current version", "当前版本"),
    "name": ("name", "名称"),
    "homepage": ("homepage", "主页"),
    "wasDerivedFrom": ("derived from", "来源于"),
    "symbol": ("symbol", "符号"),
    "ucumCode": ("UCUM code", "UCUM 代码"),
    "url": ("URL", "网址"),
}
_PROPERTY_BY_IRI = {
    str(iri): PROPERTY_NAMES[name] for name, (iri, _) in COMMON_TERMS.items() if name in PROPERTY_NAMES
}


def valid_lang(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:8]
    return value if value in LANGS else None


def choose_lang() -> str:
    """The page language of the current request."""
    chosen = valid_lang(request.args.get("lang")) or valid_lang(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans", "zh-TW", "zh-HK"])
    return "zh" if best and best.lower().startswith("zh") else DEFAULT_LANG


def lang() -> str:
    if "lang" not in g:
        g.lang = choose_lang()
    return g.lang


def t(key: str) -> str:
    en, zh = MESSAGES.get(key, (key, key))
    return zh if lang() == "zh" else en


def number(text: str) -> str:
    """A decimal as written in the data (never through float), with thousands separators."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if "e" in text.lower():
        return text
    whole, _, fraction = text.partition(".")
    sign = "-" if value < 0 else ""
    return sign + f"{int(whole.lstrip('-+') or 0):,}" + ("." + fraction if fraction else "")


def tn(key: str, n: int) -> str:
    """A count with its noun in the page language: ``1 result``, ``2 results``, ``2 条结果``
    (thousands separated)."""
    one, many, zh = PLURALS[key]
    text = zh if lang() == "zh" else (one if n == 1 else many)
    return text.format(n=f"{n:,}")


def pick(labels: dict[str, str], fallback: str) -> str:
    """The label in the page language, else English, Chinese, untagged, else ``fallback``."""
    language = lang()
    return labels.get(language) or labels.get("en") or labels.get("zh") or labels.get("") or fallback


def switch_url() -> str:
    """The current URL in the other language (the visible switch)."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = "en" if lang() == "zh" else "zh"
    return request.path + "?" + urlencode(args)


def url_with(**changes: object) -> str:
    """The current URL with some query parameters changed (``None`` removes one)."""
    args = {k: v for k, v in request.args.items()}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + ("?" + urlencode(args) if args else "")


def remember_lang(response: Response) -> Response:
    """A page reached through the switch keeps its language in a cookie."""
    chosen = valid_lang(request.args.get("lang"))
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


class Namer:
    """How a page names nodes of one document graph, in one language."""

    def __init__(self, graph: Graph, language: str, base: str) -> None:
        self.graph, self.lang, self.base = graph, language, base
        self.vocabulary = ontology_graph()

    def _pick(self, values: Iterable[Node]) -> str | None:
        literals = [v for v in values if isinstance(v, Literal)]
        for wanted in (self.lang, "en" if self.lang == "zh" else "zh", None, ""):
            for value in literals:
                if (value.language or "") == (wanted or "") or wanted is None:
                    return str(value)
        return None

    def label(self, node: Node | None) -> str:
        if node is None:
            return ""
        if isinstance(node, Literal):
            return self.literal(node)
        for predicate in (
            "http://www.w3.org/2000/01/rdf-schema#label",
            "http://www.w3.org/2004/02/skos/core#prefLabel",
            "http://xmlns.com/foaf/0.1/name",
            "http://purl.org/dc/terms/title",
        ):
            found = self._pick(self.graph.objects(node, URIRef(predicate)))
            if found:
                return found
        if isinstance(node, URIRef) and str(node).startswith(str(EF)):
            found = self._pick(
                self.vocabulary.objects(node, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
            )
            if found:
                return found
        return local_name(str(node)) if isinstance(node, URIRef) else ""

    def property(self, predicate: URIRef) -> str:
        if str(predicate).startswith(str(EF)):
            return self.label(predicate)
        names = _PROPERTY_BY_IRI.get(str(predicate))
        if names:
            return names[1] if self.lang == "zh" else names[0]
        return local_name(str(predicate))

    def literal(self, value: Literal) -> str:
        return str(value)

    def number(self, value: Node | None) -> str:
        """A decimal as written in the data (never through float), with thousands separators."""
        if not isinstance(value, Literal):
            return ""
        return number(str(value))

    def href(self, node: Node | None) -> str | None:
        """Where a link to ``node`` goes: local IRIs stay on this host; ef: terms to /ontology."""
        if not isinstance(node, URIRef):
            return None
        iri = str(node)
        if iri.startswith(self.base):
            return "/" + iri[len(self.base) :]
        if iri.startswith(str(EF)):
            return "/ontology#" + iri[len(str(EF)) :]
        if iri.startswith(("http://", "https://")):
            return iri
        return None

    def value(self, subject: Node | None, predicate: URIRef) -> Node | None:
        return None if subject is None else self.graph.value(subject, predicate)

    def values(self, subject: Node | None, predicate: URIRef) -> list[Node]:
        if subject is None:
            return []
        return sorted(
            self.graph.objects(subject, predicate), key=lambda n: (isinstance(n, BNode), self.label(n))
        )

    def inline(self, node: Node) -> bool:
        """Whether ``node`` is shown inside its owner (a blank node, or a part such as a gas
        component ``…/factor/x/1#CO2`` that this document describes)."""
        owner = parts.owner(node)
        return isinstance(node, BNode) or (
            owner is not None and (owner, None, node) in self.graph and (node, None, None) in self.graph
        )

    def fragment(self, node: Node) -> str:
        """The fragment of a part's IRI (``CO2``), the ``id`` its row carries on the page."""
        return str(node).split("#", 1)[1] if isinstance(node, URIRef) and "#" in node else ""

    def values_by(self, subject: Node | None, predicate: URIRef, key: URIRef) -> list[Node]:
        """The values of ``predicate`` ordered by the label of their ``key`` (gas components by gas,
        CO2e values by GWP set), so blank nodes come in a stable, readable order."""
        return sorted(self.values(subject, predicate), key=lambda n: self.label(self.value(n, key)))

    def properties(self, subject: Node) -> list[tuple[URIRef, list[Node]]]:
        """Every property of ``subject`` with its values, for a generic page."""
        by_predicate: dict[URIRef, list[Node]] = {}
        for predicate, obj in self.graph.predicate_objects(subject):
            by_predicate.setdefault(predicate, []).append(obj)  # type: ignore[arg-type]
        return sorted(
            ((p, sorted(v, key=self.label)) for p, v in by_predicate.items()),
            key=lambda item: self.property(item[0]),
        )


def inject() -> dict[str, object]:
    """What every template sees (registered in ``create_app`` as a context processor)."""
    return {
        "t": t,
        "tn": tn,
        "pick": pick,
        "number": number,
        "lang": lang(),
        "switch_url": switch_url,
        "url_with": url_with,
    }
