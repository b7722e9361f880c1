"""Deriving a PACT v3 ProductFootprint from a published factor version made from an ILCD/TIDAS
process data set (registry/ingest/ilcd.py), from what the registry stores about it, never more.

Each PACT field and where its value comes from is listed in docs/pact.md. A required field that the
stored data cannot give honestly is a :class:`~registry.pact.model.Refusal` (the field and why):
then no footprint is emitted for that version, and the refusal is kept and reported instead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from registry.ingest import gases
from registry.pact.model import (
    BIOGENIC_NON_CO2,
    CARBON_FREE_UNITS,
    DECLARED_UNITS,
    GWP_PREFERENCE,
    SPEC_VERSION,
    Refusal,
    decimal_text,
)
from registry.store import QueryDataset, Store

PREFIXES = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
#: Factor versions made from an ILCD process data set (its record: ``skos:exactMatch urn:uuid:…``).
FACTORS_QUERY = (
    PREFIXES
    + """SELECT ?g ?f ?thing ?fv ?unit ?geo ?year ?boundary ?rec ?uuid ?ilcdv ?type ?pub WHERE { GRAPH ?g {
  ?f a ef:EmissionFactor ; dct:isVersionOf ?thing ; dcat:version ?fv ; ef:activityUnit ?unit ;
     prov:wasDerivedFrom ?rec .
  ?rec skos:exactMatch ?urn ; dct:identifier ?uuid ; dcat:version ?ilcdv .
  FILTER(STRSTARTS(STR(?urn), "urn:uuid:"))
  OPTIONAL { ?f ef:geography ?geo } OPTIONAL { ?f ef:referenceYear ?year }
  OPTIONAL { ?f ef:boundary ?boundary } OPTIONAL { ?rec dct:type ?type } OPTIONAL { ?f dct:publisher ?pub } } }"""
)
TEXTS_QUERY = (
    PREFIXES
    + """SELECT ?f ?key ?o WHERE { GRAPH ?g {
  ?f a ef:EmissionFactor ; prov:wasDerivedFrom ?rec . ?rec skos:exactMatch ?urn .
  FILTER(STRSTARTS(STR(?urn), "urn:uuid:"))
  { ?rec dct:title ?o BIND("title" AS ?key) } UNION { ?rec dct:description ?o BIND("description" AS ?key) }
  UNION { ?rec rdfs:comment ?o BIND("comment" AS ?key) }
  UNION { ?f dct:publisher/foaf:name ?o BIND("company" AS ?key) }
  UNION { ?f dct:publisher/skos:exactMatch ?o BIND("companyId" AS ?key) } } }"""
)
VALUES_QUERY = (
    PREFIXES
    + """SELECT ?f ?kind ?key ?value WHERE { GRAPH ?g {
  ?f a ef:EmissionFactor ; prov:wasDerivedFrom ?rec . ?rec skos:exactMatch ?urn .
  FILTER(STRSTARTS(STR(?urn), "urn:uuid:"))
  { ?f ef:component [ ef:gas ?key ; ef:value ?value ] BIND("gas" AS ?kind) }
  UNION { ?f ef:co2e [ ef:gwpSet ?key ; ef:value ?value ] BIND("co2e" AS ?kind) } } }"""
)
#: PACT's name for the standard ILCD process data sets are documented under.
ISO_14040_44 = ("14040", "14044")
_ID_NAMESPACE = uuid.UUID("6f1f0b8e-5b5e-4a56-9f55-8a7f2b0f5a11")  # efreg's footprint ids (uuid5)


@dataclass
class Facts:
    """What the registry stores about one factor version made from an ILCD process data set."""

    factor: str  #: the factor version IRI
    thing: str  #: the factor (all versions)
    graph: str  #: the dataset version graph
    number: int  #: the factor's version number
    unit: str  #: QUDT unit local name of the activity
    ilcd_uuid: str
    ilcd_version: str
    source_record: str
    geography: str | None = None
    year: str | None = None
    boundary: str | None = None
    dataset_type: str | None = None
    publisher: str | None = None
    texts: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    comments: list[str] = field(default_factory=list)
    company_ids: list[str] = field(default_factory=list)
    gases: dict[str, Decimal] = field(default_factory=dict)
    co2e: dict[str, Decimal] = field(default_factory=dict)


def footprint_id(factor_version: str) -> str:
    """The footprint's PACT id: a name-based UUID of the factor version (stable across syncs)."""
    return str(uuid.uuid5(_ID_NAMESPACE, factor_version))


def _local(iri: object) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def read_facts(store: Store, graphs: tuple[str, ...]) -> list[Facts]:
    """The facts of every ILCD-derived factor version in ``graphs`` (three queries in all)."""
    if not graphs:
        return []
    dataset = QueryDataset(default_graphs=(), named_graphs=graphs)
    out: dict[str, Facts] = {}
    for r in store.select(FACTORS_QUERY, dataset):
        f = str(r["f"])
        if f in out:
            continue
        out[f] = Facts(
            factor=f,
            thing=str(r["thing"]),
            graph=str(r["g"]),
            number=int(str(r["fv"])) if str(r["fv"]).isdigit() else 0,
            unit=_local(r["unit"]),
            ilcd_uuid=str(r["uuid"]),
            ilcd_version=str(r["ilcdv"]),
            source_record=str(r["rec"]),
            geography=_local(r["geo"]) if "geo" in r else None,
            year=str(r["year"]) if "year" in r else None,
            boundary=_local(r["boundary"]) if "boundary" in r else None,
            dataset_type=str(r["type"]) if "type" in r else None,
            publisher=str(r["pub"]) if "pub" in r else None,
        )
    for r in store.select(TEXTS_QUERY, dataset):
        facts = out.get(str(r["f"]))
        if facts is None:
            continue
        key, value = str(r["key"]), r["o"]
        if key == "companyId":
            if str(value).startswith("urn:") and str(value) not in facts.company_ids:
                facts.company_ids.append(str(value))
        elif key == "comment":
            facts.comments.append(str(value))
        else:
            lang = getattr(value, "language", None) or "en"
            facts.texts[key].setdefault(lang, " ".join(str(value).split()))
    for r in store.select(VALUES_QUERY, dataset):
        facts = out.get(str(r["f"]))
        if facts is None:
            continue
        target = facts.gases if str(r["kind"]) == "gas" else facts.co2e
        target[_local(r["key"])] = Decimal(str(r["value"]))
    return sorted(out.values(), key=lambda x: (x.thing, x.number))


def _period(year: str | None) -> tuple[str, str] | Refusal:
    if not year or not year[:4].isdigit():
        return Refusal("referencePeriodStart", "the data set states no reference year")
    y = int(year[:4])
    return f"{y:04d}-01-01T00:00:00Z", f"{y + 1:04d}-01-01T00:00:00Z"


def _geography(code: str | None) -> dict[str, str]:
    """``geo/CN`` → geographyCountry; ``geo/CN-JS`` (and a city below it, coarsened to its
    province) → geographyCountrySubdivision; the world or no code → none (PACT: Global)."""
    if not code or code in ("GLO", "World", "world", "RoW"):
        return {}
    parts = code.split("-")
    if len(parts[0]) != 2 or not parts[0].isalpha():
        return {}
    if len(parts) == 1:
        return {"geographyCountry": parts[0].upper()}
    return {"geographyCountrySubdivision": f"{parts[0].upper()}-{parts[1].upper()}"}


def _emissions(facts: Facts) -> tuple[str, dict[str, Decimal]] | Refusal:
    """The GWP set used and the PACT emission fields (kg CO2e per activity unit)."""
    if "CO2-biogenic" in facts.gases:
        return Refusal(
            "pcfExcludingBiogenicUptake",
            "the data set reports biogenic CO2 emissions but not whether they are land-management "
            "emissions or balanced by an uptake, which PACT's totals need",
        )
    if "CH4" in facts.gases:
        return Refusal(
            "fossilGhgEmissions",
            "the data set reports methane without saying whether it is fossil or biogenic",
        )
    for set_id, ar in GWP_PREFERENCE:
        if set_id not in facts.co2e:
            continue
        biogenic = sum(
            (v * gases.GWP100[g][set_id] for g, v in facts.gases.items() if g in BIOGENIC_NON_CO2),
            Decimal(0),
        )
        total = facts.co2e[set_id]
        fossil = total - biogenic
        if fossil < 0 or biogenic < 0:
            return Refusal("fossilGhgEmissions", "the data set's emissions are negative (a net uptake)")
        values = {"fossil": fossil, "total": total}
        if biogenic:
            values["biogenicNonCO2"] = biogenic
        return ar, values
    return Refusal(
        "ipccCharacterizationFactors",
        "the factor has no CO2e under AR5 or AR6 GWP100 (PACT accepts only those)",
    )


def derive(facts: Facts, *, created: str, release: dict[str, str]) -> dict[str, Any] | list[Refusal]:
    """The PACT ProductFootprint JSON for ``facts`` (status Active, no predecessors: set by the
    caller), or every refusal (required fields that cannot be derived honestly)."""
    refusals: list[Refusal] = []
    unit = DECLARED_UNITS.get(facts.unit)
    if unit is None:
        refusals.append(
            Refusal(
                "declaredUnitOfMeasurement",
                f"the reference flow's unit ({facts.unit}) is none of PACT's declared units",
            )
        )
    elif unit[2] is None:
        refusals.append(
            Refusal(
                "productMassPerDeclaredUnit",
                f"the declared unit is {unit[0]} and the data set states no mass per {unit[0]}",
            )
        )
    if facts.unit not in CARBON_FREE_UNITS:
        refusals.append(
            Refusal(
                "fossilCarbonContent",
                "the ILCD data set states no carbon content of its reference product "
                "(only electricity and services are known to hold none)",
            )
        )
    period = _period(facts.year)
    if isinstance(period, Refusal):
        refusals.append(period)
    emissions = _emissions(facts)
    if isinstance(emissions, Refusal):
        refusals.append(emissions)
    text = " ".join([*facts.comments, *facts.texts.get("description", {}).values()])
    if not all(code in text for code in ISO_14040_44):
        refusals.append(
            Refusal(
                "crossSectoralStandards", "the data set names no standard it was made under (ISO 14040/44)"
            )
        )
    names = facts.texts.get("title", {})
    name = names.get("en") or names.get("zh")
    if not name:
        refusals.append(Refusal("productNameCompany", "the data set has no name"))
    company = facts.texts.get("company", {})
    if not (company.get("en") or company.get("zh")):
        refusals.append(Refusal("companyName", "the data set's publisher has no name"))
    if refusals:
        return refusals
    assert unit is not None and not isinstance(period, Refusal) and not isinstance(emissions, Refusal)
    label, per_activity, mass = unit
    ar, values = emissions
    scale = Decimal(per_activity)  # the footprint is per declared unit, the factor per activity unit

    def per_declared(v: Decimal) -> str:
        return decimal_text(v / scale if scale != 1 else v)

    description = facts.texts.get("description", {})
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": label,
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": decimal_text(Decimal(mass) / scale) if mass else "0",
        "referencePeriodStart": period[0],
        "referencePeriodEnd": period[1],
        **_geography(facts.geography),
        "pcfExcludingBiogenicUptake": per_declared(values["total"]),
        "pcfIncludingBiogenicUptake": per_declared(values["total"]),
        "fossilGhgEmissions": per_declared(values["fossil"]),
        "fossilCarbonContent": "0",
        "ipccCharacterizationFactors": [ar],
        "crossSectoralStandards": ["ISO14040-44"],
        "exemptedEmissionsPercent": "0",
        "exemptedEmissionsDescription": (
            "efreg left out none of the data set's greenhouse-gas exchanges; the data set's own "
            "cut-off rules are those of its ILCD documentation."
        ),
        "secondaryEmissionFactorSources": [
            {"name": f"TianGong ILCD process data set {facts.ilcd_uuid}", "version": facts.ilcd_version},
            {"name": release["name"], "version": release["version"]},
        ],
    }
    if "biogenicNonCO2" in values:
        pcf["biogenicNonCO2Emissions"] = per_declared(values["biogenicNonCO2"])
    if facts.boundary == "GateToGate":
        pcf["boundaryProcessesDescription"] = (
            "Gate-to-gate: the direct emissions of the ILCD unit process only; upstream supply "
            "chains are not included."
        )
    elif facts.boundary == "CradleToGate":
        pcf["boundaryProcessesDescription"] = (
            "Cradle-to-gate: the ILCD LCI result, upstream supply chains included."
        )
    company_ids = facts.company_ids or [f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, facts.publisher or '')}"]
    return {
        "id": footprint_id(facts.factor),
        "specVersion": SPEC_VERSION,
        "created": created,
        "status": "Active",
        "companyName": company.get("en") or company["zh"],
        "companyIds": company_ids,
        "productDescription": description.get("en") or description.get("zh") or name,
        "productIds": [f"urn:uuid:{facts.ilcd_uuid}"],
        "productNameCompany": name,
        "comment": (
            f"Derived by efreg from the published factor {facts.factor} (ILCD process data set "
            f"{facts.ilcd_uuid}, version {facts.ilcd_version}"
            + (f", {facts.dataset_type}" if facts.dataset_type else "")
            + f"); CO2e under IPCC {ar} GWP100. The data set reports no biogenic CO2 uptake."
        ),
        "pcf": pcf,
    }


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
