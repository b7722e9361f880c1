"""TIDAS JSON (TianGong's JSON form of ILCD: ``@attr``, ``#text``, ``common:`` prefixes kept, repeated
elements as arrays) → the ILCD element tree, then the ILCD mapping. One mapping, two syntaxes: the same
process as TIDAS JSON and as ILCD XML gives the same triples.

Referenced flows, flow properties and unit groups are looked up like ILCD's (in the same import, then at
the relative ``@uri``), as XML or JSON.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from registry.ingest.base import IngestError
from registry.ingest.parsing import load_json

COMMON = "http://lca.jrc.it/ILCD/Common"
XML_NS = "http://www.w3.org/XML/1998/namespace"
DEFAULT_NS = {
    "processDataSet": "http://lca.jrc.it/ILCD/Process",
    "flowDataSet": "http://lca.jrc.it/ILCD/Flow",
    "flowPropertyDataSet": "http://lca.jrc.it/ILCD/FlowProperty",
    "unitGroupDataSet": "http://lca.jrc.it/ILCD/UnitGroup",
    "sourceDataSet": "http://lca.jrc.it/ILCD/Source",
    "contactDataSet": "http://lca.jrc.it/ILCD/Contact",
}
MAX_DEPTH = 64


def json_to_element(name: str, data: bytes, max_depth: int = MAX_DEPTH) -> Element:
    """The ILCD element tree of a TIDAS document nested at most ``max_depth`` deep."""
    doc = load_json(name, data, max_depth)
    if not isinstance(doc, dict) or len(doc) != 1:
        raise IngestError(
            'a TIDAS document is one JSON object with one key (the ILCD root element, e.g. "processDataSet")',
            file=name,
        )
    ((root_name, body),) = doc.items()
    if not isinstance(body, dict):
        raise IngestError(f"$.{root_name} is not an object", file=name)
    ns = {"": body.get("@xmlns") or DEFAULT_NS.get(root_name, ""), "common": COMMON, "xml": XML_NS}
    for k, v in body.items():
        if k.startswith("@xmlns:") and isinstance(v, str):
            ns[k[7:]] = v
    return _element(root_name, body, ns, name, f"$.{root_name}", 0)


def _qname(key: str, ns: dict[str, str], name: str, path: str) -> str:
    prefix, _, local = key.rpartition(":")
    uri = ns.get(prefix)
    if uri is None:
        raise IngestError(f"undeclared namespace prefix {prefix!r}", file=name, where=path)
    return f"{{{uri}}}{local}" if uri else local


def _element(key: str, value: object, ns: dict[str, str], name: str, path: str, depth: int) -> Element:
    if depth > MAX_DEPTH * 4:  # load_json refused deeper documents; kept as a guard on recursion
        raise IngestError("nesting too deep (setting max_nesting_depth)", file=name, where=path)
    el = Element(_qname(key, ns, name, path))
    if isinstance(value, (str, int, float, bool)) or value is None:
        el.text = None if value is None else str(value)
        return el
    if not isinstance(value, dict):
        raise IngestError(
            f"expected an object or a string, found {type(value).__name__}", file=name, where=path
        )
    for k, v in value.items():
        if k.startswith("@xmlns"):
            continue
        if k == "#text":
            el.text = str(v)
        elif k.startswith("@"):
            el.set(_qname(k[1:], ns, name, path) if ":" in k else k[1:], str(v))
        else:
            items = v if isinstance(v, list) else [v]
            for i, item in enumerate(items):
                el.append(
                    _element(
                        k,
                        item,
                        ns,
                        name,
                        f"{path}.{k}" + (f"[{i}]" if isinstance(v, list) else ""),
                        depth + 1,
                    )
                )
    return el
