"""Choosing one factor for an activity, a place and a year, and saying why (the fallback trail).

The reader is the caller's view of the store (:class:`registry.publishing.access.ReadView`), so only
what the caller may read is ever considered: a commercial factor whose values graph the caller may
not read is listed, but excluded, and the answer says when it would have won.

Candidates are the *current* versions of the factors whose ``ef:activity`` or
``ef:activityCategory`` is the activity (or, for a partner's concept, a concept of ours its mappings
reach; or a broader category of either), whose geography is the place asked for or one it falls back
to, and that pass the filters (boundary, scope, gas basis). The winner is the first by, in order:

1. the most specific geography: the place itself, then the regions that cover it
   (``ef:coversRegion``: province -> grid region) and the broader places (``skos:broader``:
   province -> country -> world), ranked by the longest chain from the place (a grid region inside a
   country comes before the country);
2. the closest activity: the concept itself (or an exact mapping), then close, broader and related
   mappings, then broader categories;
3. the nearest year: the year asked for, then the nearest earlier year, then the nearest later year
   (no year asked: the most recent);
4. the best data-quality rating (``ef:dqr``, 1 best; none counts as worst);
5. the most recent release (the dataset version's ``dct:issued``);
6. the publisher asked for (``publisher=``), if any;
7. the factor IRI (so that the choice is deterministic).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from registry.calculation import NoCandidate, UnknownTerm
from registry.mapping.crosswalk import Crosswalk

PREFIXES = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
#: How a reached concept relates to the activity asked for, best first.
RELATIONS = ("exact", "close", "narrower", "broader", "related")
NO_RATING = 99.0


class Reader(Protocol):
    def select(self, query: str, dataset: Any = None) -> list[dict[str, Any]]: ...

    def ask(self, query: str, dataset: Any = None) -> bool: ...


@dataclass(frozen=True)
class Request:
    activity: str  #: an IRI (ours or a partner's)
    geography: str  #: an IRI
    year: int | None = None
    boundary: str | None = None  #: local names of ef: terms (``Combustion``, ``Scope2``, ``CO2Basis``)
    scope: str | None = None
    gas_basis: str | None = None
    publisher: str | None = None  #: a publisher IRI preferred when all else ties


@dataclass(frozen=True)
class Place:
    iri: str
    rank: int  #: 0 the place asked for; higher: less specific
    how: str  #: "requested", "covered by", "broader"


@dataclass(frozen=True)
class Concept:
    iri: str
    rank: int
    how: str  #: "requested", a mapping relation, or "broader category"
    mapping: dict[str, Any] | None = None  #: the mapping path for a partner's concept


@dataclass
class Candidate:
    factor: str
    concept: Concept
    place: Place
    year: int | None
    unit: str | None
    publisher: str | None
    dqr: float | None
    issued: str | None
    dataset: str | None
    access: str | None
    has_values: bool
    terms: dict[str, str | None] = field(default_factory=dict)  #: boundary, scope, gas_basis
    excluded: str | None = None
    reason: str | None = None  #: why it lost to the chosen one (or "chosen")

    def year_match(self, year: int | None) -> str:
        if year is None or self.year is None:
            return "latest" if year is None else "no year"
        return "exact" if self.year == year else "earlier" if self.year < year else "later"

    def key(self, request: Request) -> tuple:
        y = request.year
        if y is None:
            year_key = (0, -(self.year or 0))
        elif self.year is None:
            year_key = (3, 0)
        else:
            year_key = (0 if self.year == y else 1 if self.year < y else 2, abs(self.year - y))
        digits = (self.issued or "").replace("-", "")[:8]  # an xsd:date: 2026-11-24 -> 20261124
        issued = int(digits) if digits.isdigit() else 0
        preferred = 0 if request.publisher and self.publisher == request.publisher else 1
        return (
            self.place.rank,
            self.concept.rank,
            year_key,
            self.dqr if self.dqr is not None else NO_RATING,
            -issued,
            preferred,
            self.factor,
        )

    def as_json(self, request: Request) -> dict[str, Any]:
        out: dict[str, Any] = {
            "factor": self.factor,
            "geography": self.place.iri,
            "geographyStep": self.place.rank,
            "geographyHow": self.place.how,
            "activity": self.concept.iri,
            "activityHow": self.concept.how,
            "year": self.year,
            "yearMatch": self.year_match(request.year),
            "dataQualityRating": self.dqr,
            "issued": self.issued,
            "publisher": self.publisher,
            "dataset": self.dataset,
            "accessLevel": self.access,
        }
        if self.excluded:
            out["excluded"] = self.excluded
        else:
            out["outcome"] = self.reason
        return out


CRITERIA = (
    "a less specific geography",
    "a less close activity",
    "a year further from the one asked for",
    "a worse data-quality rating",
    "an older release",
    "not the publisher asked for",
    "the IRI tie-break",
)


def why_lost(loser: tuple, winner: tuple) -> str:
    for name, a, b in zip(CRITERIA, loser, winner, strict=True):
        if a != b:
            return name
    return "a duplicate"


@dataclass
class Selection:
    request: Request
    concepts: list[Concept]
    places: list[Place]
    candidates: list[Candidate]  #: ranked; the excluded ones last
    chosen: Candidate
    notes: list[str] = field(default_factory=list)

    def trail(self) -> dict[str, Any]:
        return trail(self.request, self.concepts, self.places, self.candidates, self.notes)


def trail(
    request: Request,
    concepts: Sequence[Concept],
    places: Sequence[Place],
    candidates: Sequence[Candidate],
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "activities": [
            {"iri": c.iri, "how": c.how, **({"mapping": c.mapping} if c.mapping else {})} for c in concepts
        ],
        "geographies": [{"iri": p.iri, "step": p.rank, "how": p.how} for p in places],
        "year": {"asked": request.year, "rule": "exact, then nearest earlier, then nearest later"},
        "filters": {
            k: v
            for k, v in (
                ("boundary", request.boundary),
                ("scope", request.scope),
                ("gasBasis", request.gas_basis),
                ("publisher", request.publisher),
            )
            if v
        },
        "candidates": [c.as_json(request) for c in candidates],
        "notes": list(notes),
    }


# --- the place and the activity ------------------------------------------------------------------


def places(reader: Reader, geography: str) -> list[Place]:
    """The place and every place it falls back to, most specific first."""
    if not reader.ask(PREFIXES + f"ASK {{ <{geography}> a ef:Geography }}"):
        raise UnknownTerm(f"unknown geography <{geography}> (not an ef:Geography)", geography=geography)
    rows = reader.select(
        PREFIXES
        + f"""SELECT DISTINCT ?a ?b ?how WHERE {{
  <{geography}> (skos:broader|^ef:coversRegion)* ?a .
  {{ ?a skos:broader ?b BIND("broader" AS ?how) }} UNION {{ ?b ef:coversRegion ?a BIND("covered by" AS ?how) }}
}}"""
    )
    edges = [(str(r["a"]), str(r["b"]), str(r["how"])) for r in rows]
    rank: dict[str, int] = {geography: 0}
    how: dict[str, str] = {geography: "requested"}
    for _ in range(len(edges) + 1):  # longest chain from the place (bounded: a cycle stops here)
        changed = False
        for a, b, kind in edges:
            if a in rank and b != geography and rank.get(b, -1) < rank[a] + 1 <= len(edges):
                rank[b], how[b], changed = rank[a] + 1, kind, True
        if not changed:
            break
    return sorted((Place(iri, r, how[iri]) for iri, r in rank.items()), key=lambda p: (p.rank, p.iri))


def _broader(reader: Reader, concepts: list[Concept]) -> list[Concept]:
    """``concepts`` and their broader categories (each at the rank after the concepts')."""
    out = {c.iri: c for c in concepts}
    values = " ".join(f"<{c.iri}>" for c in concepts)
    rows = reader.select(
        PREFIXES + f"SELECT DISTINCT ?c ?b WHERE {{ VALUES ?c {{ {values} }} ?c skos:broader+ ?b }}"
    )
    base_rank = max(c.rank for c in concepts) + 1
    for r in rows:
        b = str(r["b"])
        if b not in out:
            out[b] = Concept(b, base_rank, "broader category", out[str(r["c"])].mapping)
    return sorted(out.values(), key=lambda c: (c.rank, c.iri))


def concepts(reader: Reader, activity: str, base: str) -> list[Concept]:
    """Our concepts for ``activity``: itself when it is ours, else those its mappings reach (with
    the mapping's predicate, confidence and conversion), and their broader categories."""
    found: list[Concept] = []
    known = reader.ask(
        PREFIXES
        + f"ASK {{ {{ <{activity}> ?p ?o }} UNION {{ ?f ef:activity|ef:activityCategory <{activity}> }} }}"
    )
    if activity.startswith(base) and known:
        found.append(Concept(activity, 0, "requested"))
    for path in Crosswalk(reader, base).paths(activity):  # type: ignore[arg-type]
        if not path.concept.startswith(base) or path.concept == activity:
            continue
        mapping = {
            "relation": path.relation,
            "conversionFactor": str(path.factor) if path.factor != 1 else None,
            "partnerUnit": path.partner_unit,
            "ourUnit": path.our_unit,
            "steps": [
                {
                    "mapping": s.mapping,
                    "predicate": s.predicate,
                    "confidence": str(s.confidence) if s.confidence is not None else None,
                }
                for s in path.steps
            ],
        }
        rank = RELATIONS.index(path.relation) if path.relation in RELATIONS else len(RELATIONS)
        found.append(Concept(path.concept, rank, path.relation + " mapping", mapping))
    if not found:
        raise UnknownTerm(
            f"unknown activity <{activity}>: no category of the registry, and no mapping reaches one",
            activity=activity,
        )
    return _broader(reader, found)


# --- candidates ----------------------------------------------------------------------------------

CANDIDATES = (
    PREFIXES
    + """SELECT ?f ?c ?geo ?year ?unit ?boundary ?scope ?basis ?publisher ?dqr ?issued ?ds ?access ?values
WHERE {{
  VALUES ?c {{ {concepts} }} VALUES ?geo {{ {places} }}
  ?f a ef:EmissionFactor ; ef:geography ?geo .
  {{ ?f ef:activity ?c }} UNION {{ ?f ef:activityCategory ?c }}
  OPTIONAL {{ ?f ef:referenceYear ?year }} OPTIONAL {{ ?f ef:activityUnit ?unit }}
  OPTIONAL {{ ?f ef:boundary ?boundary }} OPTIONAL {{ ?f ef:ghgScope ?scope }}
  OPTIONAL {{ ?f ef:gasBasis ?basis }} OPTIONAL {{ ?f dct:publisher ?publisher }}
  OPTIONAL {{ ?f ef:dataQuality/ef:dqr ?dqr }} OPTIONAL {{ ?f ef:accessLevel ?access }}
  OPTIONAL {{ ?f dct:isPartOf ?ds OPTIONAL {{ ?ds dct:issued ?issued }} }}
  OPTIONAL {{ ?f dct:isVersionOf ?thing . ?thing dcat:hasCurrentVersion ?cur }}
  FILTER(!BOUND(?cur) || ?cur = ?f)
  BIND(EXISTS {{ ?f ef:component ?n }} AS ?values)
}}"""
)


def local(term: object | None) -> str | None:
    if term is None:
        return None
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _year(term: object | None) -> int | None:
    text = str(term)[:4] if term is not None else ""
    return int(text) if text.isdigit() else None


def _float(term: object | None) -> float | None:
    try:
        return float(str(term)) if term is not None else None
    except ValueError:
        return None


def _filtered(candidate: Candidate, request: Request) -> str | None:
    for name, wanted in (
        ("boundary", request.boundary),
        ("scope", request.scope),
        ("gasBasis", request.gas_basis),
    ):
        have = candidate.terms.get(name)
        if wanted and (have or "").lower() != wanted.lower():
            return f"{name} is {have or 'not given'}, not {wanted}"
    return None


def candidates(reader: Reader, request: Request, found: list[Concept], tried: list[Place]) -> list[Candidate]:
    by_concept = {c.iri: c for c in found}
    by_place = {p.iri: p for p in tried}
    rows = reader.select(
        CANDIDATES.format(
            concepts=" ".join(f"<{c.iri}>" for c in found), places=" ".join(f"<{p.iri}>" for p in tried)
        )
    )
    best: dict[str, Candidate] = {}
    for r in rows:
        cand = Candidate(
            factor=str(r["f"]),
            concept=by_concept[str(r["c"])],
            place=by_place[str(r["geo"])],
            year=_year(r.get("year")),
            unit=str(r["unit"]) if "unit" in r else None,
            publisher=str(r["publisher"]) if "publisher" in r else None,
            dqr=_float(r.get("dqr")),
            issued=str(r["issued"]) if "issued" in r else None,
            dataset=str(r["ds"]) if "ds" in r else None,
            access=local(r.get("access")),
            has_values=str(r.get("values", "")).lower() in ("true", "1"),
            terms={
                "boundary": local(r.get("boundary")),
                "scope": local(r.get("scope")),
                "gasBasis": local(r.get("basis")),
            },
        )
        kept = best.get(cand.factor)
        if kept is None or cand.key(request) < kept.key(request):
            best[cand.factor] = cand
    return list(best.values())


def select(
    reader: Reader, request: Request, base: str, values_hidden: Callable[[str], bool] | None = None
) -> Selection:
    """Choose a factor for ``request`` (see the module docstring). ``values_hidden(dataset)``: whether
    the caller may not read that dataset version's values (asked of the access decider)."""
    tried = places(reader, request.geography)
    found = concepts(reader, request.activity, base)
    pool = candidates(reader, request, found, tried)
    for cand in pool:
        cand.excluded = _filtered(cand, request)
        if cand.excluded is None and not cand.has_values:
            cand.excluded = (
                "commercial: its values are not readable to this caller"
                if cand.access == "Commercial"
                or (values_hidden and cand.dataset and values_hidden(cand.dataset))
                else "it has no gas values"
            )
    ranked = sorted((c for c in pool if not c.excluded), key=lambda c: c.key(request))
    excluded = sorted((c for c in pool if c.excluded), key=lambda c: c.key(request))
    if not ranked:
        raise NoCandidate(
            f"no factor for activity <{request.activity}> in <{request.geography}> or any place it falls back to",
            trail=trail(request, found, tried, excluded),
        )
    chosen = ranked[0]
    chosen.reason = "chosen"
    winner = chosen.key(request)
    for cand in ranked[1:]:
        cand.reason = "lost: " + why_lost(cand.key(request), winner)
    notes = [
        f"an open factor was chosen because a better commercial one, <{c.factor}>, is not readable to this caller"
        for c in excluded
        if c.excluded and c.excluded.startswith("commercial") and c.key(request) < winner
    ]
    ties = [c for c in ranked[1:] if c.key(request)[:-1] == winner[:-1]]
    if ties:
        notes.append(
            f"{len(ties) + 1} factors tie on every rule but the IRI (e.g. a broad category names several "
            "fuels): give a more specific activity"
        )
    return Selection(request, found, tried, ranked + excluded, chosen, notes)
