"""Crosswalks: which of our factors correspond to a partner's concept X?

From X the walk follows the mappings of the *current* version of every mapping set (both directions),
transitively only where the kind allows it:

- ``skos:exactMatch`` (and ``owl:equivalentClass``/``owl:sameAs``) chain freely;
- at most one ``skos:closeMatch`` or ``skos:relatedMatch`` step (neither is transitive in SKOS);
- ``skos:broadMatch`` steps may follow one another (each makes the result broader), as may
  ``skos:narrowMatch`` steps, but the two directions never mix;
- negated mappings (``predicate_modifier "Not"``) are never followed; ``relatedMatch`` only on request.

Each concept of ours reached names factors through ``ef:activityCategory`` or ``ef:activity`` — of the
concept itself, or of a broader concept (``skos:broader+``: a default for "energy industries" applies to
"main activity electricity and heat production"). Conversion factors along the path are multiplied (a
quantity in the subject's unit × factor = the quantity in the object's unit) and applied to the factor's
values: a factor per unit of our activity × (our units per partner unit) = per unit of the partner's.
Only open (``ef:Open``), current factor versions are returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import URIRef

from registry.mapping.sets import SSSOM
from registry.rdf.namespaces import DCAT, DCT, EF, OWL, RDFS, SKOS
from registry.store import Store

EXACT = {SKOS.exactMatch, OWL.equivalentClass, OWL.sameAs, OWL.equivalentProperty}
ONE_STEP = {SKOS.closeMatch: "close", SKOS.relatedMatch: "related"}
INVERSE = {SKOS.broadMatch: SKOS.narrowMatch, SKOS.narrowMatch: SKOS.broadMatch}


@dataclass(frozen=True)
class Step:
    mapping: str  #: the mapping node IRI (``mapping/{set}/{n}``)
    mapping_set: str
    subject: str
    predicate: str
    object: str
    forward: bool  #: followed from subject to object (False: the inverse)
    conversion_factor: Decimal | None
    source_unit: str | None
    target_unit: str | None
    confidence: Decimal | None


@dataclass
class Path:
    concept: str
    relation: str  #: exact | close | related | broader | narrower — how the concept relates to X
    steps: tuple[Step, ...] = ()
    factor: Decimal = Decimal(1)  #: our-unit quantity per partner-unit quantity
    partner_unit: str | None = None
    our_unit: str | None = None


@dataclass
class Match:
    factor: str
    label: str | None
    concept: str  #: the concept of ours the path reached
    via_category: str  #: the category/activity the factor names (``concept`` or a broader one)
    hierarchy: str  #: "same" or "broader": how via_category relates to concept
    path: Path
    values: list[dict[str, object]] = field(default_factory=list)


def _relation(current: str, predicate: URIRef) -> str | None:
    """The relation after following ``predicate`` from a concept related by ``current``; None: not allowed."""
    if predicate in EXACT:
        return current
    if predicate in ONE_STEP:
        return ONE_STEP[predicate] if current == "exact" else None
    kind = (
        "broader" if predicate == SKOS.broadMatch else "narrower" if predicate == SKOS.narrowMatch else None
    )
    if kind is None:
        return None
    return kind if current in ("exact", kind) else None


class Crosswalk:
    def __init__(
        self, store: Store, base_uri: str, *, max_steps: int = 4, include_related: bool = False
    ) -> None:
        self.store, self.base, self.max_steps, self.include_related = (
            store,
            base_uri,
            max_steps,
            include_related,
        )

    def _edges(self, nodes: list[str]) -> list[Step]:
        values = " ".join(f"<{n}>" for n in nodes)
        rows = self.store.select(f"""
PREFIX owl: <{OWL}> PREFIX ef: <{EF}> PREFIX sssom: <{SSSOM}> PREFIX dct: <{DCT}> PREFIX dcat: <{DCAT}>
SELECT DISTINCT ?m ?g ?s ?p ?o ?cf ?su ?tu ?conf WHERE {{
  VALUES ?n {{ {values} }}
  {{ GRAPH ?g {{ ?m owl:annotatedSource ?n }} }} UNION {{ GRAPH ?g {{ ?m owl:annotatedTarget ?n }} }}
  GRAPH ?g {{
    ?m a ef:Mapping ; owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o .
    FILTER NOT EXISTS {{ ?m sssom:predicate_modifier "Not" }}
    OPTIONAL {{ ?m ef:conversionFactor ?cf }} OPTIONAL {{ ?m ef:sourceUnit ?su }}
    OPTIONAL {{ ?m ef:targetUnit ?tu }} OPTIONAL {{ ?m sssom:confidence ?conf }}
  }}
  ?set dcat:hasCurrentVersion ?g .
}} ORDER BY ?m""")
        out = []
        wanted = set(nodes)
        for r in rows:
            s, o = str(r["s"]), str(r["o"])
            for forward in ((True,) if s in wanted else ()) + ((False,) if o in wanted else ()):
                out.append(
                    Step(
                        str(r["m"]),
                        str(r["g"]),
                        s,
                        str(r["p"]),
                        o,
                        forward,
                        Decimal(str(r["cf"])) if "cf" in r else None,
                        str(r["su"]) if "su" in r else None,
                        str(r["tu"]) if "tu" in r else None,
                        Decimal(str(r["conf"])) if "conf" in r else None,
                    )
                )
        return out

    def paths(self, concept: str) -> list[Path]:
        """Every concept reachable from ``concept`` under the rules above (shortest path first)."""
        best: dict[str, Path] = {concept: Path(concept, "exact")}
        frontier = [best[concept]]
        for _ in range(self.max_steps):
            if not frontier:
                break
            by_node = {p.concept: p for p in frontier}
            frontier = []
            for step in self._edges(sorted(by_node)):
                here = step.subject if step.forward else step.object
                there = step.object if step.forward else step.subject
                path = by_node[here]
                predicate = URIRef(step.predicate)
                if not step.forward:
                    predicate = INVERSE.get(predicate, predicate)
                relation = _relation(path.relation, predicate)
                if relation is None or (relation == "related" and not self.include_related) or there in best:
                    continue
                factor = path.factor
                partner_unit, our_unit = path.partner_unit, path.our_unit
                if step.conversion_factor is not None:
                    factor = (
                        factor * step.conversion_factor if step.forward else factor / step.conversion_factor
                    )
                    first, last = (
                        (step.source_unit, step.target_unit)
                        if step.forward
                        else (step.target_unit, step.source_unit)
                    )
                    partner_unit, our_unit = partner_unit or first, last
                new = Path(there, relation, (*path.steps, step), factor, partner_unit, our_unit)
                best[there] = new
                frontier.append(new)
        return [p for c, p in best.items() if c != concept or p.steps] or []

    def factors(self, concept: str) -> list[Match]:
        paths = [p for p in self.paths(concept) if p.concept.startswith(self.base)]
        if concept.startswith(self.base):
            paths.insert(0, Path(concept, "exact"))
        out: list[Match] = []
        seen: set[tuple[str, str]] = set()
        for path in paths:
            for row in self._factors_of(path.concept):
                key = (str(row["f"]), path.concept)
                if key in seen:
                    continue
                seen.add(key)
                via = str(row["c"])
                out.append(
                    Match(
                        str(row["f"]),
                        str(row["label"]) if "label" in row else None,
                        path.concept,
                        via,
                        "same" if via == path.concept else "broader",
                        path,
                        self._values(str(row["f"]), path),
                    )
                )
        return out

    def _factors_of(self, concept: str) -> list[dict]:
        return self.store.select(f"""
PREFIX ef: <{EF}> PREFIX skos: <{SKOS}> PREFIX dct: <{DCT}> PREFIX dcat: <{DCAT}> PREFIX rdfs: <{RDFS}>
SELECT ?f ?c (SAMPLE(?l) AS ?label) WHERE {{
  <{concept}> skos:broader* ?c .
  ?f a ef:EmissionFactor ; ef:activityCategory|ef:activity ?c ; ef:accessLevel ef:Open .
  OPTIONAL {{ ?f rdfs:label ?l FILTER(lang(?l) = "en") }}
  OPTIONAL {{ ?f dct:isVersionOf ?vi . ?vi dcat:hasCurrentVersion ?cur }}
  FILTER(!BOUND(?cur) || ?cur = ?f)
}} GROUP BY ?f ?c ORDER BY ?f""")

    def _values(self, factor: str, path: Path) -> list[dict[str, object]]:
        rows = self.store.select(f"""
PREFIX ef: <{EF}>
SELECT ?kind ?what ?value ?unit WHERE {{
  {{ <{factor}> ef:component ?n . ?n ef:gas ?what ; ef:value ?value ; ef:unit ?unit . BIND("component" AS ?kind) }}
  UNION {{ <{factor}> ef:co2e ?n . ?n ef:gwpSet ?what ; ef:value ?value ; ef:unit ?unit . BIND("co2e" AS ?kind) }}
}} ORDER BY ?kind ?what""")
        out = []
        for r in rows:
            value = Decimal(str(r["value"]))
            item: dict[str, object] = {
                "kind": str(r["kind"]),
                "of": str(r["what"]),
                "value": str(value),
                "unit": str(r["unit"]),
            }
            if path.factor != 1:
                item["converted_value"] = _plain(value * path.factor)
                item["converted_per"] = path.partner_unit
            out.append(item)
        return out


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def crosswalk(store: Store, base_uri: str, concept: str, *, include_related: bool = False) -> list[Match]:
    return Crosswalk(store, base_uri, include_related=include_related).factors(concept)


class UnknownConcept(LookupError):
    """No concept of the scheme has the notation asked for."""


def resolve_concept(store: Store, base: str, scheme: str, code: str) -> str:
    """The concept with notation ``code`` in ``scheme``: an IRI, or a scheme id of ours (``isic4``
    means ``{base}category/isic4``)."""
    if not scheme.startswith(("http://", "https://")):
        scheme = f"{base}category/{scheme}"
    found = concept_by_notation(store, scheme, code)
    if found is None:
        raise UnknownConcept(f"no concept with notation {code!r} in scheme <{scheme}>")
    return found


def concept_by_notation(store: Store, scheme: str, code: str) -> str | None:
    """A concept IRI from its scheme (IRI) and notation (``skos:notation``), e.g. ISIC ``3510``."""
    rows = store.select(f"""SELECT ?c WHERE {{ ?c <{SKOS.inScheme}> <{scheme}> ; <{SKOS.notation}> ?n .
FILTER(STR(?n) = "{code.replace(chr(34), "")}") }} LIMIT 2""")
    return str(rows[0]["c"]) if len(rows) == 1 else None


def to_json(matches: list[Match]) -> list[dict[str, object]]:
    out = []
    for m in matches:
        out.append(
            {
                "factor": m.factor,
                "label": m.label,
                "concept": m.concept,
                "category": m.via_category,
                "hierarchy": m.hierarchy,
                "relation": m.path.relation,
                "conversion_factor": str(m.path.factor) if m.path.factor != 1 else None,
                "per": m.path.partner_unit,
                "path": [
                    {
                        "mapping": s.mapping,
                        "mapping_set": s.mapping_set,
                        "subject": s.subject,
                        "predicate": s.predicate,
                        "object": s.object,
                        "followed": "forward" if s.forward else "inverse",
                        "confidence": str(s.confidence) if s.confidence is not None else None,
                        "conversion_factor": str(s.conversion_factor)
                        if s.conversion_factor is not None
                        else None,
                    }
                    for s in m.path.steps
                ],
                "values": m.values,
            }
        )
    return out
