"""Reading ILCD datasets safely and resolving their references (flow → flow property → unit group).

XML is parsed with defusedxml and no DTD at all (so no external entities, no entity expansion, no
network). TIDAS JSON is turned into the same element tree (see :mod:`registry.ingest.tidas`), so both
formats share one mapping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from registry.ingest.base import IngestError, Input
from registry.ingest.parsing import parse_xml as parse_limited
from registry.ingest.tidas import json_to_element

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FOLDERS = {
    "processDataSet": "processes",
    "flowDataSet": "flows",
    "flowPropertyDataSet": "flowproperties",
    "unitGroupDataSet": "unitgroups",
    "sourceDataSet": "sources",
    "contactDataSet": "contacts",
    "lciaMethodDataSet": "lciamethods",
}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


#: A parsed dataset: its root element and the lines of its shallow elements (by ``id``; none for JSON).
Parsed = tuple[Element, dict[int, int]]
DEFAULT_DEPTH = 64


def parse_xml(name: str, data: bytes, max_depth: int = DEFAULT_DEPTH) -> Parsed:
    """ILCD XML without DTD or entities, within the nesting limit."""
    return parse_limited(name, data, max_depth)


def _at_line(lines: dict[int, int], *elements: Element | None) -> str | None:
    """``line N`` of the first of ``elements`` whose line is known."""
    for el in elements:
        if el is not None and id(el) in lines:
            return f"line {lines[id(el)]}"
    return None


def _steps(path: str) -> str:
    return "/".join(
        s if s in {".", ".."} or s.startswith("{") else "{*}" + s.split(":")[-1] for s in path.split("/")
    )


def find(el: Element | None, path: str) -> Element | None:
    return None if el is None else el.find(_steps(path))


def findall(el: Element | None, path: str) -> list[Element]:
    return [] if el is None else el.findall(_steps(path))


def text(el: Element | None, path: str = ".") -> str | None:
    e = find(el, path) if path != "." else el
    if e is None or e.text is None:
        return None
    t = e.text.strip()
    return t or None


def texts(el: Element | None, path: str) -> dict[str, str]:
    """Language → text of the repeated multilingual element at ``path`` (first one per language)."""
    out: dict[str, str] = {}
    for e in findall(el, path):
        t = (e.text or "").strip()
        if t:
            out.setdefault(e.get(XML_LANG, "en").split("-")[0].lower(), t)
    return out


@dataclass
class Doc:
    """One ILCD dataset: its kind (root element), UUID, element tree and where it came from."""

    kind: str
    uuid: str
    root: Element
    name: str
    resolve: Callable[[str], tuple[str, bytes] | None]
    lines: dict[int, int] = field(default_factory=dict)  #: line of shallow elements (XML), by id

    @property
    def version(self) -> str | None:
        return text(self.root, "administrativeInformation/publicationAndOwnership/dataSetVersion")


def to_doc(name: str, parsed: Parsed, resolve: Callable[[str], tuple[str, bytes] | None]) -> Doc:
    root, lines = parsed
    kind = local(root.tag)
    if kind not in FOLDERS:
        raise IngestError(
            f"root element <{kind}> is not an ILCD dataset (expected one of {', '.join(FOLDERS)})",
            file=name,
            where=_at_line(lines, root),
        )
    info = root[0] if len(root) else None
    uuid_el = find(info, "dataSetInformation/UUID")
    uuid = text(uuid_el)
    if not uuid or not _UUID.fullmatch(uuid):
        raise IngestError(
            f"no valid UUID at /{kind}/{local(info.tag) if info is not None else '?'}"
            f"/dataSetInformation/common:UUID (found {uuid!r})",
            file=name,
            where=_at_line(lines, uuid_el, find(info, "dataSetInformation"), info, root),
        )
    return Doc(kind, uuid.lower(), root, name, resolve, lines)


@dataclass
class Pool:
    """Every ILCD dataset of one import, by UUID, plus lookups of referenced files on demand."""

    docs: dict[str, Doc] = field(default_factory=dict)
    max_depth: int = DEFAULT_DEPTH  #: Settings.max_nesting_depth

    def add(self, doc: Doc) -> None:
        self.docs.setdefault(doc.uuid, doc)

    def get(self, ref: Element | None, origin: Doc, folder: str) -> Doc | None:
        """The dataset a ``referenceTo…`` element points at: in this import, else by its ``@uri``
        relative to the referring file, else at ``../{folder}/{uuid}.xml``; ``None`` if absent."""
        if ref is None:
            return None
        uuid = (ref.get("refObjectId") or "").strip().lower()
        if uuid in self.docs:
            return self.docs[uuid]
        if not _UUID.fullmatch(uuid):
            return None
        candidates = [ref.get("uri") or "", f"../{folder}/{uuid}.xml", f"../{folder}/{uuid}.json"]
        for rel in candidates:
            found = origin.resolve(rel) if rel else None
            if found is None:
                continue
            fname, data = found
            parsed = parse_json_or_xml(fname, data, self.max_depth)
            doc = to_doc(fname, parsed, origin.resolve if fname == origin.name else _sibling(origin, rel))
            self.add(doc)
            if doc.uuid == uuid:
                return doc
        return None


def _sibling(origin: Doc, rel: str) -> Callable[[str], tuple[str, bytes] | None]:
    """A resolver for a file found at ``rel`` from ``origin``: paths relative to the new file."""
    base_dir = rel.rsplit("/", 1)[0] if "/" in rel else "."

    def resolve(r: str) -> tuple[str, bytes] | None:
        return origin.resolve(f"{base_dir}/{r}")

    return resolve


def parse_json_or_xml(name: str, data: bytes, max_depth: int = DEFAULT_DEPTH) -> Parsed:
    if name.lower().endswith(".json"):
        return json_to_element(name, data, max_depth), {}
    return parse_xml(name, data, max_depth)


def load_docs(inputs: list[Input], pool: Pool, *, json: bool) -> list[Doc]:
    docs = []
    for inp in inputs:
        if json:
            parsed: Parsed = (json_to_element(inp.name, inp.data, pool.max_depth), {})
        else:
            parsed = parse_xml(inp.name, inp.data, pool.max_depth)
        doc = to_doc(inp.name, parsed, inp.resolve)
        pool.add(doc)
        docs.append(doc)
    return docs


@dataclass
class FlowUnit:
    """What an exchange amount of a flow is measured in."""

    unit_name: str
    property_name: str | None


def flow_unit(pool: Pool, flow: Doc) -> tuple[FlowUnit | None, str | None]:
    """Resolve flow → reference flow property → unit group → reference unit. ``(None, why)`` if broken."""
    info = find(flow.root, "flowInformation")
    ref_id = text(info, "quantitativeReference/referenceToReferenceFlowProperty")
    prop_ref = None
    for fp in findall(flow.root, "flowProperties/flowProperty"):
        if fp.get("dataSetInternalID") == ref_id:
            prop_ref = find(fp, "referenceToFlowPropertyDataSet")
    if prop_ref is None:
        return None, f"flow {flow.uuid}: reference flow property {ref_id!r} not found"
    prop = pool.get(prop_ref, flow, "flowproperties")
    if prop is None:
        return None, f"flow {flow.uuid}: flow property {prop_ref.get('refObjectId')} does not exist"
    pinfo = find(prop.root, "flowPropertiesInformation")
    ug_ref = find(pinfo, "quantitativeReference/referenceToReferenceUnitGroup")
    ug = pool.get(ug_ref, prop, "unitgroups")
    if ug is None:
        return None, (
            f"flow property {prop.uuid}: unit group "
            f"{ug_ref.get('refObjectId') if ug_ref is not None else '?'} does not exist"
        )
    unit_id = text(ug.root, "unitGroupInformation/quantitativeReference/referenceToReferenceUnit")
    for u in findall(ug.root, "units/unit"):
        if u.get("dataSetInternalID") == unit_id:
            name = text(u, "name")
            if name:
                pnames = texts(pinfo, "dataSetInformation/name")
                return FlowUnit(name, pnames.get("en")), None
    return None, f"unit group {ug.uuid}: reference unit {unit_id!r} not found"
