"""RDF already in the efreg model: Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML.

Quads go to the graphs they name; triples in the default graph go to the dataset graph named by
``--dataset`` (``dataset/{id}/{next version}``); without ``--dataset`` that is an error. Relative IRIs
resolve against the registry's base URI. Blank-node gas components, CO2e values, uncertainty ranges,
quality ratings and periods get part IRIs under their factor (``registry/rdf/parts.py``). Nothing is fetched from the network: a JSON-LD ``@context``
given by URL is refused, and RDF/XML with a DTD entity declaration is refused (no XXE, no billion laughs).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib.term import Node

from registry.ingest.base import Accumulator, Context, Importer, IngestError, Input
from registry.ingest.factor import writer_for
from registry.ingest.parsing import load_json, parse_xml
from registry.rdf.parts import name_parts
from registry.rdf.terms import to_rdflib
from registry.store import RDFParseError, StoreError
from registry.store.oxigraph import parse_quads

DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
#: The lexical space of xsd:decimal (https://www.w3.org/TR/xmlschema11-2/#decimal-lexical-representation)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: The RDF formats imported as they are (short names as in ``store.base.RDF_FORMATS``).
FORMATS = ("turtle", "trig", "ntriples", "nquads", "jsonld", "rdfxml")


def importer(name: str) -> Importer:
    def run(inputs: list[Input], ctx: Context, acc: Accumulator) -> None:
        for i, inp in enumerate(inputs):
            _read(inp, name, ctx, acc)
            ctx.tick(i + 1, len(inputs))

    run.__name__ = f"import_{name}"
    return run


def _guard(inp: Input, name: str, max_depth: int) -> None:
    """What pyoxigraph would accept but we refuse: XML entity declarations, remote JSON-LD contexts,
    documents nested deeper than ``max_depth`` (Settings.max_nesting_depth)."""
    if name == "rdfxml":
        parse_xml(inp.name, inp.data, max_depth, forbid_dtd=False)
    if name == "jsonld":
        doc = load_json(inp.name, inp.data, max_depth)
        for ctx in _contexts(doc):
            if isinstance(ctx, str):
                raise IngestError(
                    f"remote @context {ctx!r} is not fetched; inline the context", file=inp.name
                )


def _contexts(doc: object):
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "@context":
                yield from (v if isinstance(v, list) else [v])
            else:
                yield from _contexts(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _contexts(v)


def _read(inp: Input, name: str, ctx: Context, acc: Accumulator) -> None:
    _guard(inp, name, ctx.settings.max_nesting_depth)
    # pyoxigraph parses every format and reports line and column; each distinct term becomes an
    # rdflib term once (the same terms rdflib's parsers give: plain literals for xsd:string).
    by_graph: dict[object, dict[tuple[Node, Node, Node], None]] = {}
    terms: dict[object, Node] = {}
    get = terms.get

    def term(t: object) -> Node:
        if isinstance(t, ox.Literal) and t.datatype == DECIMAL and not _DECIMAL.fullmatch(t.value):
            raise IngestError(
                f'"{t.value[:40]}"^^xsd:decimal is not an xsd:decimal: no exponent, NaN or INF '
                "(pySHACL cannot compare NaN; write the number out as digits)",
                file=inp.name,
            )
        found = terms[t] = to_rdflib(t)
        return found

    try:
        for quad in parse_quads(inp.data, name, None, ctx.base_uri):
            graph = quad.graph_name
            triples = by_graph.get(graph)
            if triples is None:
                triples = by_graph[graph] = {}
            s, p, o = quad.subject, quad.predicate, quad.object
            triples[(get(s) or term(s), get(p) or term(p), get(o) or term(o))] = None
    except RDFParseError as e:
        where = None if e.line is None else f"line {e.line}" + (f", column {e.column}" if e.column else "")
        raise IngestError(f"does not parse as {name}: {e.detail}", file=inp.name, where=where) from None
    except StoreError as e:  # a quoted triple
        raise IngestError(str(e), file=inp.name) from None
    default = by_graph.pop(ox.DefaultGraph(), {})
    if default:
        if ctx.dataset_id is None:
            raise IngestError(
                f"{len(default)} triples are in no named graph; pass --dataset ID to store them in "
                f"dataset/ID/<next version>",
                file=inp.name,
            )
        w, _new = writer_for(acc, ctx, ctx.dataset_id)
        add = w.g.add
        for t in name_parts(default):
            add(t)
    for graph, triples in by_graph.items():
        if not isinstance(graph, ox.NamedNode):
            raise IngestError("a graph named by a blank node; name dataset graphs by IRI", file=inp.name)
        name_iri = graph.value
        add = acc.dataset.graph(name_iri).add
        for t in name_parts(triples):
            add(t)
        if name_iri not in acc.dataset_iris:
            acc.dataset_iris.append(name_iri)
    n = len(default) + sum(len(triples) for triples in by_graph.values())
    acc.read += n
    acc.imported += n
