"""Profiles: our factors described in a partner's vocabulary, and back.

One profile so far, ``ecfo`` — the Emission Conversion Factors Ontology 1.0.0 (https://w3id.org/ecfo).
ECFO gives one value per conversion factor, so an efreg factor becomes one ``ecfo:EmissionConversionFactor``
per gas component and per CO2e value, under the component's (the value's) own IRI ``{factor IRI}#{gas id}``
/ ``#CO2e-{GWP set id}`` (registry/rdf/parts.py): the same node, described in ECFO's terms::

    <factor/x/1#CO2> a ecfo:EmissionConversionFactor ;
        rdf:value "56100"^^xsd:decimal ;                 # ECFO's own data uses xsd:float; we keep decimals
        ecfo:hasEmissionSource <category/activity/natural-gas-combustion> ;
        ecfo:hasEmissionTarget <gas/CO2> ;               # typed ecfo:ChemicalCompound, skos:exactMatch wd:…
        ecfo:hasSourceUnit unit:TeraJ ; ecfo:hasTargetUnit unit:KiloGM ;
        ecfo:hasApplicableLocation wd:Q16502 ;           # the Wikidata entity a mapping names, else our geo IRI
        ecfo:hasApplicablePeriod [ a time:Interval ; time:hasBeginning [ time:inXSDDate "2006-01-01" ] ; … ] ;
        ecfo:hasScope ecfo:Scope1 ; ecfo:hasAdditionalContext "Net calorific value" ;
        prov:wasDerivedFrom <factor/x/1> ; ef:boundary ef:Combustion .   # (ef:gwpSet on CO2e values)

CO2e values name ``ecfo:co2e`` (the ECFO 2.0 draft's individual) as their target. The reverse direction
is :mod:`registry.ecfo.records` (ECFO records as harvested) and :mod:`registry.ecfo.conversion`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef

from registry.rdf.namespaces import DCAT, DCT, ECFO, EF, PROV, RDF, RDFS, SCHEMA, SKOS, TIME, WD, XSD
from registry.store import Store

DC11 = Namespace("http://purl.org/dc/elements/1.1/")
DCAT_CURRENT = "http://www.w3.org/ns/dcat#hasCurrentVersion"


@dataclass(frozen=True)
class Profile:
    token: str  #: the short name (``?_profile=ecfo``)
    uris: tuple[str, ...]  #: profile URIs a client may send in Accept-Profile (first = canonical)
    title: str
    spec: str


PROFILES: dict[str, Profile] = {
    "ecfo": Profile(
        "ecfo",
        ("https://w3id.org/ecfo/1.0.0", "https://w3id.org/ecfo", str(ECFO)),
        "ECFO 1.0.0 (Emission Conversion Factors Ontology)",
        "https://w3id.org/ecfo",
    ),
}
#: Our own description (the default): the efreg ontology.
DEFAULT_PROFILE = Profile(
    "efreg", ("https://w3id.org/efreg/ontology",), "efreg ontology", "https://w3id.org/efreg/ontology"
)


#: W3C Content Negotiation by Profile: the rule an unknown profile breaks.
CONNEG_RULE = "https://www.w3.org/TR/dx-prof-conneg/"


class UnknownProfile(LookupError):
    """A ``_profile`` token or URI names no profile offered here."""


class NoOpenFactor(LookupError):
    """No open, published factor has the IRI a profile request names."""


def profile_named(token: str) -> Profile:
    """The profile a ``_profile`` query parameter names, by token or URI (ours included)."""
    for profile in (*PROFILES.values(), DEFAULT_PROFILE):
        if token == profile.token or token in profile.uris:
            return profile
    raise UnknownProfile(f"unknown profile {token!r}; offered: {', '.join(PROFILES)} (and efreg)")


def parse_accept_profile(header: str | None) -> Profile | None:
    """The best profile of an ``Accept-Profile`` header (W3C Content Negotiation by Profile, §7.1:
    a list of ``<URI>`` with optional ``;q=``); ``None`` when it names none we offer."""
    if not header:
        return None
    best: tuple[float, Profile] | None = None
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        uri = bits[0].strip("<> ")
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        for profile in (*PROFILES.values(), DEFAULT_PROFILE):
            if uri in profile.uris and q > 0 and (best is None or q > best[0]):
                best = (q, profile)
    return best[1] if best else None


# --- efreg → ECFO --------------------------------------------------------------------------------------


def _factor_graph(store: Store, factors: Iterable[str]) -> Graph:
    values = " ".join(f"<{f}>" for f in factors)
    return store.construct(f"""
PREFIX ef: <{EF}> PREFIX skos: <{SKOS}> PREFIX rdfs: <{RDFS}>
CONSTRUCT {{ ?f ?p ?o . ?b ?bp ?bo . ?u ef:numeratorUnit ?num . ?geo skos:exactMatch ?wd . ?gas skos:exactMatch ?gwd .
            ?gas rdfs:label ?gl . ?gas ef:formula ?gf . ?act rdfs:label ?al . ?u2 ef:numeratorUnit ?num2 }}
WHERE {{
  VALUES ?f {{ {values} }}
  ?f a ef:EmissionFactor ; ?p ?o .
  OPTIONAL {{ ?f ?p2 ?b . FILTER(isBlank(?b) || STRSTARTS(STR(?b), CONCAT(STR(?f), "#"))) ?b ?bp ?bo .
             OPTIONAL {{ ?b ef:unit ?u . ?u ef:numeratorUnit ?num }}
             OPTIONAL {{ ?b ef:gas ?gas . OPTIONAL {{ ?gas rdfs:label ?gl }} OPTIONAL {{ ?gas ef:formula ?gf }}
                        OPTIONAL {{ ?gas skos:exactMatch ?gwd }} }} }}
  OPTIONAL {{ ?f ef:geography ?geo . ?geo skos:exactMatch|skos:closeMatch ?wd .
             FILTER(STRSTARTS(STR(?wd), "{WD}")) }}
  OPTIONAL {{ ?f ef:activity ?act . ?act rdfs:label ?al }}
}}""")


def _period(g: Graph, f: URIRef) -> tuple[str, str] | None:
    year = g.value(f, EF.referenceYear)
    if year is not None:
        return f"{year}-01-01", f"{year}-12-31"
    temporal = g.value(f, DCT.temporal)
    if temporal is not None:
        start, end = g.value(temporal, DCAT.startDate), g.value(temporal, DCAT.endDate)
        if start is not None:
            return str(start), str(end or start)
    return None


def factor_version(store: Store, base: str, path: str) -> str:
    """The version IRI of the open factor at ``{base}factor/{path}``: a version (``id/N``) or, for
    ``id`` alone, its current version. ``store`` is what the reader may see."""
    iri = f"{base}factor/{path}"
    if "/" not in path:
        rows = store.select(f"SELECT ?v WHERE {{ <{iri}> <{DCAT_CURRENT}> ?v }}")
        if not rows:
            raise NoOpenFactor(f"no factor <{iri}>")
        iri = str(rows[0]["v"])
    if not store.ask(f"ASK {{ <{iri}> a <{EF.EmissionFactor}> ; <{EF.accessLevel}> <{EF.Open}> }}"):
        raise NoOpenFactor(f"no open factor <{iri}>")
    return iri


def render_ecfo(store: Store, factors: Iterable[str]) -> Graph:
    """The factors (version IRIs) described in ECFO 1.0.0 terms."""
    src = _factor_graph(store, list(factors))
    out = Graph()
    for prefix in ("ecfo", "time", "prov", "skos", "rdfs", "xsd", "dct"):
        out.bind(
            prefix,
            {"ecfo": ECFO, "time": TIME, "prov": PROV, "skos": SKOS, "rdfs": RDFS, "xsd": XSD, "dct": DCT}[
                prefix
            ],
        )
    out.bind("schema", SCHEMA)
    out.bind("ef", EF)
    for f in sorted(set(src.subjects(RDF.type, EF.EmissionFactor))):
        _render_factor(src, out, f)  # type: ignore[arg-type]
    return out


def _render_factor(src: Graph, out: Graph, f: URIRef) -> None:
    labels = list(src.objects(f, RDFS.label))
    geo = src.value(f, EF.geography)
    wd = sorted(src.objects(geo, SKOS.exactMatch)) if geo is not None else []
    location = wd[0] if wd else geo
    period = _period(src, f)
    contexts = [c for c in (src.value(f, EF.calorificBasis), src.value(f, EF.boundary)) if c is not None]
    values = [(node, "component") for node in src.objects(f, EF.component)] + [
        (node, "co2e") for node in src.objects(f, EF.co2e)
    ]
    for node, kind in values:
        if kind == "component":
            gas = src.value(node, EF.gas)
            suffix = str(gas).rsplit("/", 1)[-1]
            target = gas
        else:
            gwp = src.value(node, EF.gwpSet)
            suffix = "CO2e-" + str(gwp).rsplit("/", 1)[-1]
            target = ECFO.co2e
        cf = node if isinstance(node, URIRef) else URIRef(f"{f}#{suffix}")  # the component's own IRI
        out.add((cf, RDF.type, ECFO.EmissionConversionFactor))
        value = src.value(node, EF.value)
        out.add((cf, RDF.value, Literal(str(value), datatype=XSD.decimal)))
        out.add((cf, ECFO.hasEmissionTarget, target))
        if kind == "component":
            out.add((target, RDF.type, ECFO.ChemicalCompound))
            for label in src.objects(target, RDFS.label):
                out.add((target, RDFS.label, label))
            for formula in src.objects(target, EF.formula):
                out.add((target, SCHEMA.molecularFormula, formula))
            for match in src.objects(target, SKOS.exactMatch):
                out.add((target, SKOS.exactMatch, match))
        else:
            out.add((cf, EF.gwpSet, gwp))
            out.add((cf, ECFO.hasAdditionalContext, Literal(f"CO2e under {str(gwp).rsplit('/', 1)[-1]}")))
        for label in labels:
            out.add((cf, RDFS.label, Literal(f"{label} — {suffix}", lang=label.language)))
        act = src.value(f, EF.activity)
        if act is not None:
            out.add((cf, ECFO.hasEmissionSource, act))
            for label in src.objects(act, RDFS.label):
                out.add((act, RDFS.label, label))
        aunit = src.value(f, EF.activityUnit)
        if aunit is not None:
            out.add((cf, ECFO.hasSourceUnit, aunit))
        numerator = src.value(src.value(node, EF.unit), EF.numeratorUnit)
        if numerator is not None:
            out.add((cf, ECFO.hasTargetUnit, numerator))
        if location is not None:
            out.add((cf, ECFO.hasApplicableLocation, location))
        if period is not None:
            interval, begin, end = BNode(), BNode(), BNode()
            out.add((cf, ECFO.hasApplicablePeriod, interval))
            out.add((interval, RDF.type, TIME.Interval))
            for instant, prop, day in ((begin, TIME.hasBeginning, period[0]), (end, TIME.hasEnd, period[1])):
                out.add((interval, prop, instant))
                out.add((instant, RDF.type, TIME.Instant))
                out.add((instant, TIME.inXSDDate, Literal(day, datatype=XSD.date)))
        for scope in src.objects(f, EF.ghgScope):
            out.add((cf, ECFO.hasScope, ECFO[str(scope).rsplit("#", 1)[-1]]))
        for context in contexts:
            out.add((cf, ECFO.hasAdditionalContext, Literal(_context_text(context))))
        boundary = src.value(f, EF.boundary)
        if boundary is not None:
            out.add((cf, EF.boundary, boundary))
        for prop in (DCT.publisher, DCT.license, DCT.source):
            for o in src.objects(f, prop):
                out.add((cf, prop, o))
                if prop == DCT.publisher:
                    out.add((cf, DC11.publisher, o))  # what ECFO's own competency questions query
        out.add((cf, PROV.wasDerivedFrom, f))


_CONTEXT_TEXT = {
    "NetCalorificValue": "Net calorific value (Net CV)",
    "GrossCalorificValue": "Gross calorific value (Gross CV)",
}


def _context_text(term: URIRef) -> str:
    local = str(term).rsplit("#", 1)[-1]
    return _CONTEXT_TEXT.get(local, f"Life-cycle boundary: {local}" if local[0].isupper() else local)
