"""Parts of a resource: the nodes described inside its document, with IRIs a partner can cite.

A factor's gas components, CO2e values, uncertainty ranges and validity period (a GWP set's values)
are not resources of their own: they are described in their owner's document. They used to be blank
nodes, which mean nothing outside one answer; now each is a hash IRI under its owner, derived from
what it is, so the same data gives the same IRIs on every load::

    <factor/x/1#CO2>                     the CO2 component of version 1 of factor x
    <factor/x/1#CO2e-AR6-GWP100>         its CO2e value under AR6 GWP100
    <factor/x/1#CO2-uncertainty>         the uncertainty range of the CO2 component
    <factor/x/1#period>                  the validity period
    <gwp/AR6-GWP100#CH4-fossil>          the GWP value of fossil methane in AR6 GWP100

Dereferencing ``<factor/x/1#CO2>`` fetches ``<factor/x/1>`` (a client drops the fragment), whose
document holds the part. Code that used to follow blank nodes from a resource follows its parts too
(:func:`is_part`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import BNode, URIRef
from rdflib.term import Node

_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


def key(text: str) -> str:
    """``text`` as a fragment key: letters, digits and ``. _ ~ -`` kept, every other run a ``-``."""
    return _UNSAFE.sub("-", text).strip("-") or "part"


def part(owner: str | URIRef, *keys: str) -> URIRef:
    """The IRI of ``owner``'s part named by ``keys`` (joined by ``-``): ``{owner}#{key}``."""
    return URIRef(f"{str(owner).split('#', 1)[0]}#{'-'.join(key(k) for k in keys)}")


def component(factor: str | URIRef, gas: str) -> URIRef:
    """The gas component of ``factor`` for the gas id ``gas`` (``CO2``, ``CH4-fossil``)."""
    return part(factor, gas)


def co2e(factor: str | URIRef, gwp_set: str) -> URIRef:
    """The CO2e value of ``factor`` under the GWP set id ``gwp_set`` (``AR6-GWP100``)."""
    return part(factor, "CO2e", gwp_set)


def local(iri: str | URIRef) -> str:
    """The last path segment of ``iri`` (``…/gas/CO2`` → ``CO2``), the key a part is named by."""
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def owner(node: Node) -> URIRef | None:
    """The resource whose part ``node`` is (the IRI before ``#``), or ``None``."""
    if isinstance(node, URIRef) and "#" in node:
        doc = str(node).split("#", 1)[0]
        return URIRef(doc) if doc else None
    return None


def is_part(node: Node, of: Node) -> bool:
    """Whether ``node`` belongs to the description of ``of``: a blank node, or a part of the resource
    ``of`` is (or is a part of)."""
    if isinstance(node, BNode):
        return True
    if not (isinstance(node, URIRef) and isinstance(of, URIRef)):
        return False
    return str(node).startswith(str(of).split("#", 1)[0] + "#")


# --- naming the blank nodes of data that arrives with them ----------------------------------------

_EF = "https://w3id.org/efreg/ontology#"
_GAS, _GWP_SET = URIRef(_EF + "gas"), URIRef(_EF + "gwpSet")
_FIRST = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
#: The properties whose blank-node objects become parts, and how each part is named: by its gas
#: (``#CO2``), its GWP set (``#CO2e-AR6-GWP100``), or the property (``#{owner key}-uncertainty``).
PART_PROPERTIES: dict[URIRef, str] = {
    URIRef(_EF + "component"): "gas",
    URIRef(_EF + "co2e"): "co2e",
    URIRef(_EF + "gwpValue"): "gas",
    URIRef(_EF + "uncertainty"): "uncertainty",
    URIRef(_EF + "dataQuality"): "quality",
    URIRef("http://purl.org/dc/terms/temporal"): "period",
}

Triple = tuple[Node, Node, Node]


def name_parts(triples: Iterable[Triple]) -> list[Triple]:
    """``triples`` with every blank node that is the object of a :data:`PART_PROPERTIES` property of
    an IRI (or of such a part, recursively) replaced by the part IRI it is named by. Two blank nodes
    that would get one name are told apart by ``-2``, ``-3`` in the order of their content, so the same
    data gives the same IRIs on every load. Other blank nodes (lists, SHACL reports) stay blank."""
    triples = list(triples)
    if not any(isinstance(o, BNode) for _s, _p, o in triples):
        return triples
    below: dict[Node, list[Triple]] = {}
    parent: dict[BNode, tuple[Node, URIRef]] = {}
    taken = {str(t) for triple in triples for t in triple if isinstance(t, URIRef) and "#" in t}
    for t in triples:
        below.setdefault(t[0], []).append(t)
        s, p, o = t
        if isinstance(o, BNode) and p in PART_PROPERTIES and o not in parent:
            parent[o] = (s, p)  # type: ignore[assignment]
    names: dict[BNode, URIRef | None] = {}

    def content(node: Node) -> str:
        return " ".join(
            sorted(f"{p.n3()} {o.n3()}" for _s, p, o in below.get(node, ()) if not isinstance(o, BNode))
        )

    def wanted(node: BNode) -> str | None:
        owner_node, prop = parent[node]
        owner_iri = owner_node if isinstance(owner_node, URIRef) else name(owner_node)  # type: ignore[arg-type]
        if owner_iri is None or any(p == _FIRST for _s, p, _o in below.get(node, ())):
            return None
        how = PART_PROPERTIES[prop]
        values = {p: o for _s, p, o in below.get(node, ())}
        if how == "gas" and isinstance(values.get(_GAS), URIRef):
            keys = [local(values[_GAS])]
        elif how == "co2e" and isinstance(values.get(_GWP_SET), URIRef):
            keys = ["CO2e", local(values[_GWP_SET])]
        elif "#" in owner_iri and how in ("uncertainty", "quality"):
            keys = [local(owner_iri), how]
        else:
            keys = [how if how not in ("gas", "co2e") else local(prop)]
        return str(part(owner_iri, *keys))

    def name(node: BNode) -> URIRef | None:
        if node in names:
            return names[node]
        names[node] = None  # a cycle names nothing
        if node not in parent:
            return None
        first = wanted(node)
        if first is None:
            return None
        candidate, n = first, 2
        while candidate in taken:
            candidate = f"{first}-{n}"
            n += 1
        taken.add(candidate)
        names[node] = URIRef(candidate)
        return names[node]

    for node in sorted(parent, key=lambda b: (content(b), str(b))):
        name(node)
    if not any(names.values()):
        return triples

    def renamed(term: Node) -> Node:
        return names.get(term) or term if isinstance(term, BNode) else term  # type: ignore[return-value]

    return [(renamed(s), p, renamed(o)) for s, p, o in triples]
