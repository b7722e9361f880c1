"""ECFO records (as harvested) → efreg factors: the inverse of :func:`registry.ecfo.profile.render_ecfo`.

Partner terms are resolved to ours through the registry's own data: an IRI of ours is used as it is;
any other IRI is followed along the exact and close matches of the mapping sets (and the reference
data's own ``skos:exactMatch``). Conversion factors that share source, location, period, scopes, unit,
boundary and calorific basis become one factor with one component per gas (and one CO2e value per GWP set).
A record that cannot be converted is reported with the reason, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from urllib.parse import unquote

from rdflib import Dataset, Graph, Literal, URIRef

from registry.config import Settings
from registry.ecfo.records import EcfoRecord, day
from registry.ingest import geography, units
from registry.ingest.base import Context, slug
from registry.ingest.factor import FactorSpec, Writer, known_reference
from registry.rdf.namespaces import DCT, ECFO, EF, RDF, RDFS, SCHEMA, SKOS
from registry.store import Store

#: target mass units → factor to kilograms
MASS_TO_KG = {"KiloGM": Decimal(1), "GM": Decimal("0.001"), "TONNE": Decimal(1000)}
SCOPES = {str(ECFO[f"Scope{n}"]): EF[f"Scope{n}"] for n in (1, 2, 3)}
#: a scope-1 or scope-2 conversion factor is a combustion factor (direct, or at the power plant)
BOUNDARY_BY_SCOPE = {EF.Scope1: EF.Combustion, EF.Scope2: EF.Combustion}


class Resolver:
    """Partner IRI → our term, through the store's mappings. Results are cached per instance."""

    def __init__(self, store: Store, base_uri: str) -> None:
        self.store, self.base = store, base_uri
        self._cache: dict[tuple[str, str], URIRef | None] = {}
        self._units: dict[str, units.UnitInfo | None | str] = {}

    def ours(self, iri: str | None, cls: URIRef) -> URIRef | None:
        """``iri`` itself when it is a ``cls`` of ours, else the ``cls`` it exactly/closely matches."""
        if not iri:
            return None
        iri = canonical_iri(iri)
        if not iri_safe(iri):
            return None
        key = (iri, str(cls))
        if key not in self._cache:
            rows = self.store.select(f"""
SELECT DISTINCT ?x WHERE {{
  {{ BIND(<{iri}> AS ?x) }} UNION {{ ?x <{SKOS.exactMatch}>|<{SKOS.closeMatch}> <{iri}> }}
  UNION {{ <{iri}> <{SKOS.exactMatch}>|<{SKOS.closeMatch}> ?x }}
  ?x a <{cls}> . FILTER(STRSTARTS(STR(?x), "{self.base}"))
}} ORDER BY ?x""")
            found = [r["x"] for r in rows]
            self._cache[key] = found[0] if len(found) == 1 else None  # type: ignore[assignment]
            if len(found) > 1:
                self._cache[key] = URIRef("urn:efreg:ambiguous")
        return self._cache[key]

    def geo(self, iri: str | None) -> geography.Geo | None | str:
        found = self.ours(iri, EF.Geography)
        if found is None or str(found) == "urn:efreg:ambiguous":
            return "ambiguous" if found is not None else None
        return self._geos.get(str(found))

    @cached_property
    def _geos(self) -> dict[str, geography.Geo]:
        rows = self.store.select(f"""
PREFIX skos: <{SKOS}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g ?code (SAMPLE(?en) AS ?label_en) (SAMPLE(?zh) AS ?label_zh) (SAMPLE(?bc) AS ?broader) WHERE {{
  ?g a <{EF.Geography}> ; skos:notation ?code .
  OPTIONAL {{ ?g rdfs:label ?en FILTER(lang(?en) = "en") }} OPTIONAL {{ ?g rdfs:label ?zh FILTER(lang(?zh) = "zh") }}
  OPTIONAL {{ ?g skos:broader/skos:notation ?bc }}
}} GROUP BY ?g ?code""")
        return {
            str(r["g"]): geography.Geo(
                str(r["code"]),
                str(r.get("label_en", r["code"])),
                str(r["label_zh"]) if "label_zh" in r else None,
                str(r["broader"]) if "broader" in r else None,
            )
            for r in rows
        }

    def unit(self, ref: str | None) -> units.UnitInfo | None | str:
        """The unit of ours a partner's unit names (``"ambiguous"`` when it matches several): one of
        our unit IRIs (QUDT or minted); a UCUM code (an IRI under ``https://units-of-measurement.org/``
        or a literal code such as ``kW.h``); or any IRI the unit mappings match exactly or closely to
        one of ours — Wikidata entities (``wd:Q11570`` kilogram, ``wd:Q182098`` kilowatt hour), in
        whichever form the partner writes them (``…/entity/Q…`` or ``…/wiki/Q…``)."""
        if not ref:
            return None
        ref = canonical_iri(ref.strip())
        found = _unit(ref, self.base)
        if found is not None:
            return found
        if ref.startswith(UCUM):
            return units.by_ucum(unquote(ref[len(UCUM) :]))
        if ":" not in ref:  # a literal: a UCUM code or a unit symbol
            return units.by_ucum(ref) or units.lookup(ref)
        if not iri_safe(ref):
            return None
        if ref not in self._units:
            rows = self.store.select(f"""
SELECT DISTINCT ?x WHERE {{
  {{ ?x <{SKOS.exactMatch}>|<{SKOS.closeMatch}> <{ref}> }} UNION {{ <{ref}> <{SKOS.exactMatch}>|<{SKOS.closeMatch}> ?x }}
}}""")
            matched = {u.id: u for r in rows if (u := _unit(str(r["x"]), self.base)) is not None}
            self._units[ref] = (
                next(iter(matched.values())) if len(matched) == 1 else ("ambiguous" if matched else None)
            )
        return self._units[ref]


#: UCUM codes as IRIs (the prefix bioregistry and LinkML use; the code percent-encoded)
UCUM = "https://units-of-measurement.org/"
#: How partners write a Wikidata entity (ECFO's knowledge graph: ``https://www.wikidata.org/wiki/Q…``)
WIKIDATA_FORMS = (
    "http://www.wikidata.org/entity/",
    "https://www.wikidata.org/entity/",
    "https://www.wikidata.org/wiki/",
    "http://www.wikidata.org/wiki/",
)


def iri_safe(iri: str) -> bool:
    """Whether ``iri`` can be written as ``<iri>`` in a query (IRIREF excludes these characters)."""
    return not any(c in iri for c in '<>"{}|^`\\') and not any(c.isspace() for c in iri)


def canonical_iri(iri: str) -> str:
    """A partner's IRI in the form our mappings use: a Wikidata item as ``http://www.wikidata.org/entity/Q…``
    (its concept URI), whichever of the page or entity forms the partner wrote; other IRIs as they are."""
    for form in WIKIDATA_FORMS:
        if iri.startswith(form):
            item = iri[len(form) :]
            if item[:1] in ("Q", "P") and item[1:].isdigit():
                return WIKIDATA_FORMS[0] + item
    return iri


def _unit(iri: str | None, base_uri: str) -> units.UnitInfo | None:
    return next((u for u in units.UNITS.values() if iri and str(u.iri(base_uri)) == iri), None)


@dataclass
class Converted:
    dataset: Dataset
    factors: int = 0
    unconverted: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Value:
    record: EcfoRecord
    kind: str  #: "gas" or "co2e"
    key: str  #: gas id or GWP set id
    kg: Decimal


def _is_co2e(rec: EcfoRecord) -> bool:
    return (
        rec.target == str(ECFO.co2e)
        or any(f.strip().upper() == "CO2E" for f in rec.target_formulas)
        or any("dioxide equivalent" in label.lower() for label in rec.target_labels)
    )


def _calorific(rec: EcfoRecord) -> URIRef | None:
    text = " ".join(rec.contexts).lower()
    if "net cv" in text or "net calorific" in text:
        return EF.NetCalorificValue
    if "gross cv" in text or "gross calorific" in text:
        return EF.GrossCalorificValue
    return None


def _value(rec: EcfoRecord, resolver: Resolver, base_uri: str, gwp_default: str | None) -> _Value | str:
    """The record's value in kg per activity unit, and what it is of — or why it cannot be converted."""
    if rec.conflicts:
        return f"more than one value for {', '.join(sorted(rec.conflicts))}"
    try:
        value = rec.decimal_value()
    except ValueError as exc:
        return str(exc)
    target_unit = resolver.unit(rec.target_unit)
    if not isinstance(target_unit, units.UnitInfo) or target_unit.id not in MASS_TO_KG:
        return f"target unit <{rec.target_unit}> is not a mass unit efreg knows (kg, g, t)"
    kg = value * MASS_TO_KG[target_unit.id]
    if _is_co2e(rec):
        gwp = rec.gwp.rsplit("/", 1)[-1] if rec.gwp and rec.gwp.startswith(base_uri + "gwp/") else gwp_default
        if not gwp:
            return "a CO2e value without a GWP set (ECFO 1.0 has no term for it): harvest with --gwp-set"
        return _Value(rec, "co2e", gwp, kg)
    gas = resolver.ours(rec.target, EF.Gas)
    if gas is None or str(gas) == "urn:efreg:ambiguous":
        return (
            f"emission target <{rec.target}> matches {'several gases' if gas else 'no gas'} of the registry"
        )
    return _Value(rec, "gas", str(gas).rsplit("/", 1)[-1], kg)


def convert(
    records: Iterable[EcfoRecord],
    resolver: Resolver,
    *,
    version: int,
    endpoint: str,
    dataset_id: str,
    publisher: str,
    settings: Settings,
    publisher_name: str | None = None,
    title: str | None = None,
    license: URIRef | None = None,
    gwp_set: str | None = None,
    boundary: URIRef | None = None,
) -> Converted:
    """Build ``dataset/{dataset_id}/{version}`` from ``records``."""
    base_uri = resolver.base
    ds = Dataset()
    ctx = Context(base_uri=base_uri, settings=settings, dataset_id=dataset_id, publisher=publisher)
    writer = Writer(ctx, ds, dataset_id, version)
    out = Converted(ds)
    groups: dict[tuple, list[_Value]] = {}
    meta: dict[tuple, dict] = {}
    for rec in sorted(records, key=lambda r: r.iri):
        v = _value(rec, resolver, base_uri, gwp_set)
        if isinstance(v, str):
            out.unconverted.append((rec.iri, v))
            continue
        geo = resolver.geo(rec.location)
        if not isinstance(geo, geography.Geo):
            out.unconverted.append(
                (
                    rec.iri,
                    f"location <{rec.location}> matches "
                    f"{'several geographies' if geo else 'no geography'} of the registry",
                )
            )
            continue
        activity_unit = resolver.unit(rec.source_unit)
        if not isinstance(activity_unit, units.UnitInfo):
            why = "matches several units" if activity_unit else "is not a unit efreg knows (nor maps to one)"
            out.unconverted.append((rec.iri, f"source unit <{rec.source_unit}> {why}"))
            continue
        start, end = day(rec.start), day(rec.end)
        if (
            start is None
            or end is None
            or (start.month, start.day, end.month, end.day) != (1, 1, 12, 31)
            or end < start
        ):
            out.unconverted.append(
                (rec.iri, f"applicable period {rec.start}–{rec.end} is not whole calendar years")
            )
            continue
        scopes = sorted(SCOPES[s] for s in rec.scopes if s in SCOPES)
        bound = URIRef(rec.boundary) if rec.boundary and rec.boundary.startswith(str(EF)) else boundary
        bound = bound or next((BOUNDARY_BY_SCOPE[s] for s in scopes if s in BOUNDARY_BY_SCOPE), None)
        if bound is None:
            out.unconverted.append(
                (rec.iri, "no life-cycle boundary (scope 3 or none): harvest with --boundary")
            )
            continue
        lic = URIRef(rec.license) if rec.license else license
        if lic is None:
            out.unconverted.append((rec.iri, "no license on the record: harvest with --license"))
            continue
        key = (
            rec.source,
            geo.code,
            start.year,
            end.year,
            tuple(scopes),
            activity_unit.id,
            bound,
            _calorific(rec),
        )
        groups.setdefault(key, []).append(v)
        meta.setdefault(key, {"geo": geo, "unit": activity_unit, "license": lic, "records": []})
    pub = (
        writer.publisher(publisher, publisher_name or publisher)
        if not _known_publisher(resolver, publisher)
        else URIRef(f"{base_uri}publisher/{publisher}")
    )
    source = URIRef(f"{base_uri}source/harvest-{dataset_id}")
    licenses = sorted({m["license"] for m in meta.values()})
    writer.record(
        title or f"Harvested from {endpoint}",
        f"采集自 {endpoint}",
        publisher=pub,
        license=license or (licenses[0] if licenses else None),
        description=f"Emission conversion factors harvested from the SPARQL endpoint {endpoint} "
        "(ECFO 1.0.0 vocabulary) and converted to the efreg model.",
        dataset_type=EF.FactorTable,
    )
    seen_keys: dict[tuple, str] = {}
    for key, values in groups.items():
        source_iri, _code, y1, y2, scopes, _unit_id, bound, calorific = key
        info = meta[key]
        values.sort(key=lambda v: v.record.iri)
        components: dict[str, Decimal] = {}
        co2e: dict[str, Decimal] = {}
        for v in values:
            bucket = components if v.kind == "gas" else co2e
            if v.key in bucket:
                out.unconverted.append(
                    (
                        v.record.iri,
                        f"another conversion factor of the same activity, place and "
                        f"period already gives {v.key}",
                    )
                )
                continue
            bucket[v.key] = v.kg
        first = values[0].record
        activity_iri = resolver.ours(first.source, SKOS.Concept)
        prefix = f"{base_uri}category/activity/"
        labels = sorted(first.source_labels)
        if activity_iri is not None and str(activity_iri).startswith(prefix):
            activity, activity_label = str(activity_iri)[len(prefix) :], None
        else:
            activity = slug(labels[0] if labels else (source_iri or "unknown").rsplit("/", 1)[-1])
            activity_label = labels[0] if labels else activity
        gas_basis = "co2e" if not components else ("multi" if co2e or set(components) - {"CO2"} else "co2")
        shape_key = (activity, info["geo"].code, y1, y2, bound, gas_basis)
        if shape_key in seen_keys:
            for v in values:
                out.unconverted.append(
                    (
                        v.record.iri,
                        f"same activity, place, period and boundary as "
                        f"<{seen_keys[shape_key]}> (the factor key must be unique)",
                    )
                )
            continue
        seen_keys[shape_key] = first.iri
        comments = [(c, "en") for c in sorted(first.contexts) if not c.startswith("CO2e under")]
        place = info["geo"].label_en
        spec = FactorSpec(
            id=slug(f"{dataset_id}-{first.iri.rstrip('/#').rsplit('/', 1)[-1].split('#')[0]}"),
            source_record=first.iri,
            label_en=f"{activity_label or activity}, {place}, {y1 if y1 == y2 else f'{y1}–{y2}'}",
            activity=activity,
            activity_label_en=activity_label,
            activity_unit=info["unit"],
            geography=info["geo"],
            reference_year=y1 if y1 == y2 else None,
            period=(y1, y2) if y1 != y2 else None,
            boundary=bound,
            scopes=list(scopes),
            components=components,
            co2e=co2e,
            compute_co2e=False,
            source=source,
            license=info["license"],
            derived_from=[URIRef(v.record.iri) for v in values],
            comments=comments,
        )
        node = writer.factor(spec)
        if calorific is not None:
            writer.g.add((node, EF.calorificBasis, calorific))
        out.factors += 1
    source_triples(writer.g, source, endpoint, dataset_id)
    writer.finish()
    return out


def source_triples(g: Graph, source: URIRef, endpoint: str, dataset_id: str) -> None:
    """The ``ef:Source`` every harvested factor cites: the partner's endpoint."""
    g.add((source, RDF.type, EF.Source))
    g.add((source, DCT.title, Literal(f"SPARQL endpoint {endpoint} (harvested as {dataset_id})", lang="en")))
    g.add((source, DCT.title, Literal(f"SPARQL 端点 {endpoint}（采集为 {dataset_id}）", lang="zh")))
    g.add((source, RDFS.label, Literal(f"SPARQL endpoint {endpoint}", lang="en")))
    g.add((source, SCHEMA.url, URIRef(endpoint)))


def _known_publisher(resolver: Resolver, publisher: str) -> bool:
    """Whether the reference data (which the shapes see) has the publisher; otherwise each version that
    names it carries its record (so versions compare equal and validate on their own)."""
    return URIRef(f"{resolver.base}publisher/{publisher}") in known_reference(resolver.base)
