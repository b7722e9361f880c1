"""Writing factors, dataset records and the reference data they need, per the model contract."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from registry.ingest import gases, geography, units
from registry.ingest.base import Accumulator, Context, dec, short_id, slug
from registry.ingest.quads import ImportData, TripleGraph
from registry.paths import REFERENCE_FILES
from registry.rdf import parts
from registry.rdf.namespaces import DCAT, DCT, EF, FOAF, PROV, RDF, RDFS, SKOS, XSD


@dataclass
class FactorSpec:
    id: str
    source_record: str
    label_en: str
    label_zh: str | None = None
    activity: str | None = None  # slug → category/activity/{slug}
    activity_label_en: str | None = None
    activity_label_zh: str | None = None
    activity_unit: units.UnitInfo | None = None
    geography: geography.Geo | None = None
    reference_year: int | None = None
    period: tuple[int, int] | None = None  # first and last year of validity
    boundary: URIRef | None = None
    scopes: list[URIRef] = field(default_factory=list)
    components: dict[str, Decimal] = field(default_factory=dict)  # gas id → kg per activity unit
    co2e: dict[str, Decimal] = field(default_factory=dict)  # GWP set id → kg CO2e per unit
    compute_co2e: bool = True
    uncertainty_percent: Decimal | None = None
    source: URIRef | None = None
    license: URIRef | None = None
    derived_from: list[URIRef] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)  # (text, lang)
    category: URIRef | None = None
    description: str | None = None


class Writer:
    """Writes one dataset version graph and remembers which reference terms it used."""

    def __init__(self, ctx: Context, ds: ImportData, dataset_id: str, version: int) -> None:
        self.ctx = ctx
        self.dataset_id = dataset_id
        self.version = version
        self.iri = ctx.iri(f"dataset/{dataset_id}/{version}")
        self.g: TripleGraph = ds.graph(self.iri)
        self.geos: dict[str, geography.Geo] = {}
        self.unit_infos: dict[str, units.UnitInfo] = {}
        self.ratios: dict[str, units.UnitInfo] = {}
        self.gas_ids: set[str] = set()
        self.factor_ids: set[str] = set()
        self.concepts: dict[URIRef, tuple[str, str | None, URIRef]] = {}
        self.count = 0

    # --- the dataset record ------------------------------------------------------------------
    def record(
        self,
        title_en: str,
        title_zh: str | None,
        *,
        publisher: URIRef,
        license: URIRef | None,
        description: str | None = None,
        dataset_type: URIRef | None = None,
        identifier: str | None = None,
    ) -> None:
        ctx, g, s = self.ctx, self.g, self.iri
        g.add((s, RDF.type, DCAT.Dataset))
        _labels(g, s, title_en, title_zh, DCT.title, RDFS.label)
        g.add((s, DCT.identifier, Literal(identifier or self.dataset_id)))
        g.add((s, DCAT.version, Literal(str(self.version))))
        g.add((s, DCT.isVersionOf, ctx.iri(f"dataset/{self.dataset_id}")))
        if self.version > 1:
            g.add((s, PROV.wasRevisionOf, ctx.iri(f"dataset/{self.dataset_id}/{self.version - 1}")))
        g.add((s, DCT.publisher, publisher))
        if license is not None:
            g.add((s, DCT.license, license))
        g.add((s, EF.accessLevel, EF[ctx.access_level]))
        g.add((s, EF.reviewStatus, EF[ctx.review_status]))
        g.add((s, DCT.issued, Literal(dt.date.today().isoformat(), datatype=XSD.date)))
        if description:
            g.add((s, DCT.description, Literal(description, lang="en")))
        if dataset_type is not None:
            g.add((s, EF.datasetType, dataset_type))

    # --- reference terms ---------------------------------------------------------------------
    def geo(self, geo: geography.Geo) -> URIRef:
        for x in geography.chain(geo):
            self.geos.setdefault(x.code, x)
        return self.ctx.iri(f"geo/{geo.code}")

    def ratio_unit(self, numerator: str, denominator: units.UnitInfo) -> URIRef:
        num = units.UNITS[numerator]
        self.unit_infos[num.id] = num
        self.unit_infos[denominator.id] = denominator
        self.ratios[f"{num.id}-PER-{denominator.id}"] = denominator
        return units.ratio_iri(self.ctx.base_uri, num.id, denominator)

    def concept(self, scheme: str, code: str, label_en: str, label_zh: str | None = None) -> URIRef:
        s = self.ctx.iri(f"category/{scheme}/{short_id(code)}")
        self.concepts.setdefault(s, (label_en, label_zh, self.ctx.iri(f"category/{scheme}")))
        return s

    def publisher(self, pid: str, name_en: str, name_zh: str | None = None) -> URIRef:
        s = self.ctx.iri(f"publisher/{slug(pid)}")
        g = self.g
        if (s, RDF.type, FOAF.Organization) not in g:
            g.add((s, RDF.type, FOAF.Organization))
            g.add((s, RDF.type, PROV.Agent))
            for text, lang in ((name_en, "en"), (name_zh, "zh")):
                if text:
                    g.add((s, FOAF.name, Literal(text, lang=lang)))
                    g.add((s, RDFS.label, Literal(text, lang=lang)))
        return s

    # --- factors -----------------------------------------------------------------------------
    def factor(self, spec: FactorSpec) -> URIRef:
        ctx, g = self.ctx, self.g
        fid = spec.id
        n = 2
        while fid in self.factor_ids:  # keys may repeat in a file: keep both, distinct ids
            fid = f"{spec.id}.{n}"
            n += 1
        self.factor_ids.add(fid)
        s = ctx.iri(f"factor/{fid}/{self.version}")
        g.add((s, RDF.type, EF.EmissionFactor))
        _labels(g, s, spec.label_en, spec.label_zh)
        g.add((s, DCT.identifier, Literal(fid)))
        g.add((s, DCAT.version, Literal(str(self.version))))
        g.add((s, DCT.isVersionOf, ctx.iri(f"factor/{fid}")))
        g.add((s, DCT.isPartOf, self.iri))
        g.add((s, EF.sourceRecord, Literal(spec.source_record)))
        if spec.description:
            g.add((s, DCT.description, Literal(spec.description, lang="en")))
        if spec.activity:
            act = self.concept(
                "activity", spec.activity, spec.activity_label_en or spec.label_en, spec.activity_label_zh
            )
            g.add((s, EF.activity, act))
        if spec.category is not None:
            g.add((s, EF.activityCategory, spec.category))
        assert spec.activity_unit is not None and spec.geography is not None
        self.unit_infos[spec.activity_unit.id] = spec.activity_unit
        g.add((s, EF.activityUnit, spec.activity_unit.iri(ctx.base_uri)))
        g.add((s, EF.geography, self.geo(spec.geography)))
        if spec.reference_year is not None:
            g.add((s, EF.referenceYear, Literal(f"{spec.reference_year:04d}", datatype=XSD.gYear)))
        if spec.period is not None:
            p = parts.part(s, "period")
            g.add((s, DCT.temporal, p))
            g.add((p, RDF.type, DCT.PeriodOfTime))
            g.add((p, DCAT.startDate, Literal(f"{spec.period[0]:04d}-01-01", datatype=XSD.date)))
            g.add((p, DCAT.endDate, Literal(f"{spec.period[1]:04d}-12-31", datatype=XSD.date)))
        if spec.boundary is not None:
            g.add((s, EF.boundary, spec.boundary))
        for scope in spec.scopes:
            g.add((s, EF.ghgScope, scope))
        ratio = self.ratio_unit("KiloGM", spec.activity_unit)
        for gas, value in spec.components.items():
            c = parts.component(s, gas)
            self.gas_ids.add(gas)
            g.add((s, EF.component, c))
            g.add((c, RDF.type, EF.GasComponent))
            g.add((c, EF.gas, ctx.iri(f"gas/{gas}")))
            g.add((c, EF.value, dec(value)))
            g.add((c, EF.unit, ratio))
            if spec.uncertainty_percent is not None and len(spec.components) == 1:
                self._uncertainty(c, value, spec.uncertainty_percent)
        co2e = dict(spec.co2e)
        if spec.compute_co2e and spec.components:
            for gwp in gases.GWP_SETS:
                if gwp not in co2e:
                    total = gases.co2e(spec.components, gwp)
                    if total is not None and any(k not in gases.NOT_IN_CO2E for k in spec.components):
                        co2e[gwp] = total
        for gwp, value in co2e.items():
            c = parts.co2e(s, gwp)
            g.add((s, EF.co2e, c))
            g.add((c, RDF.type, EF.CO2eValue))
            g.add((c, EF.gwpSet, ctx.iri(f"gwp/{gwp}")))
            g.add((c, EF.value, dec(value)))
            g.add((c, EF.unit, ratio))
            if spec.uncertainty_percent is not None and not spec.components:
                self._uncertainty(c, value, spec.uncertainty_percent)
        if spec.components:
            basis = EF.CO2Basis if set(spec.components) <= {"CO2", "CO2-biogenic"} else EF.MultiGasBasis
        else:
            basis = EF.CO2eBasis
        g.add((s, EF.gasBasis, basis))
        if "CO2-biogenic" in spec.components:
            spec.comments.append(
                (
                    "Biogenic CO2 is given as its own component; the GWP sets give it no value, "
                    "so no CO2e is stated.",
                    "en",
                )
            )
        for text, lang in spec.comments:
            g.add((s, RDFS.comment, Literal(text, lang=lang)))
        if spec.source is not None:
            g.add((s, DCT.source, spec.source))
        if spec.license is not None:
            g.add((s, DCT.license, spec.license))
        for pub in g.objects(self.iri, DCT.publisher):
            g.add((s, DCT.publisher, pub))
        g.add((s, EF.accessLevel, EF[ctx.access_level]))
        for d in spec.derived_from:
            g.add((s, PROV.wasDerivedFrom, d))
        self.count += 1
        return s

    def _uncertainty(self, node: URIRef, value: Decimal, percent: Decimal) -> None:
        u = parts.part(node, parts.local(node), "uncertainty")
        g = self.g
        g.add((node, EF.uncertainty, u))
        g.add((u, RDF.type, EF.Uncertainty))
        delta = value * percent / Decimal(100)
        g.add((u, EF.lowerBound, dec(max(value - delta, Decimal(0)))))
        g.add((u, EF.upperBound, dec(value + delta)))
        g.add((u, EF.confidenceLevel, dec(Decimal(95))))

    # --- closing -----------------------------------------------------------------------------
    def finish(self) -> None:
        """Add the reference terms this graph uses that the seeds do not define."""
        ctx, g = self.ctx, self.g
        known = known_reference(ctx.base_uri)
        for geo in self.geos.values():
            s = ctx.iri(f"geo/{geo.code}")
            if s in known:
                continue
            g.add((s, RDF.type, EF.Geography))
            if geo.registry_region:
                g.add((s, RDF.type, EF.RegistryRegion))
            g.add((s, SKOS.notation, Literal(geo.code)))
            _labels(g, s, geo.label_en, geo.label_zh)
            scheme = "registry-regions" if geo.registry_region else "iso3166"
            g.add((s, SKOS.inScheme, ctx.iri(f"geo/{scheme}")))
            if geo.broader:
                g.add((s, SKOS.broader, ctx.iri(f"geo/{geo.broader}")))
        for info in self.unit_infos.values():
            if info.iri(ctx.base_uri) not in known:
                for t in units.unit_triples(ctx.base_uri, info):
                    g.add(t)
        for rid, den in self.ratios.items():
            num = units.UNITS[rid.split("-PER-")[0]]
            if units.ratio_iri(ctx.base_uri, num.id, den) not in known:
                for t in units.ratio_triples(ctx.base_uri, num, den):
                    g.add(t)
        for gas in self.gas_ids:
            s = ctx.iri(f"gas/{gas}")
            if s in known:
                continue
            info = gases.GASES[gas]
            g.add((s, RDF.type, EF.Gas))
            _labels(g, s, info.label_en, info.label_zh)
            g.add((s, SKOS.notation, Literal(info.formula)))
            g.add((s, EF.formula, Literal(info.formula)))
            if info.cas:
                g.add((s, EF.casNumber, Literal(info.cas)))
        for s, (en, zh, scheme) in self.concepts.items():
            if s in known:
                continue
            g.add((s, RDF.type, SKOS.Concept))
            _labels(g, s, en, zh, SKOS.prefLabel, RDFS.label)
            g.add((s, SKOS.inScheme, scheme))
            if scheme not in known and (scheme, RDF.type, SKOS.ConceptScheme) not in g:
                g.add((scheme, RDF.type, SKOS.ConceptScheme))
                g.add((scheme, RDFS.label, Literal(scheme.rsplit("/", 1)[-1], lang="en")))


def writer_for(acc: Accumulator, ctx: Context, dataset_id: str) -> tuple[Writer, bool]:
    """The :class:`Writer` of ``dataset_id`` in the import ``acc`` (made on first use: ``True``)."""
    if dataset_id in acc.writers:
        return acc.writers[dataset_id], False
    w = Writer(ctx, acc.dataset, dataset_id, ctx.next_version(dataset_id))
    acc.writers[dataset_id] = w
    acc.dataset_iris.append(str(w.iri))
    return w, True


@cache
def known_reference(base_uri: str) -> frozenset[URIRef]:
    """Subjects typed in the reference seeds (``seeds/*.trig``): not repeated in imported graphs."""
    out: set[URIRef] = set()
    for path in REFERENCE_FILES:
        if not path.is_file():
            continue
        ds = Dataset()
        ds.parse(path, format="trig", publicID=base_uri)
        out.update(s for s, _p, _o, _g in ds.quads((None, RDF.type, None, None)) if isinstance(s, URIRef))
    return frozenset(out)


def _labels(g: Graph | TripleGraph, s: Node, en: str, zh: str | None, *predicates: URIRef) -> None:
    """English and (when given) Chinese labels of ``s`` under each predicate (default rdfs:label)."""
    for predicate in predicates or (RDFS.label,):
        g.add((s, predicate, Literal(en, lang="en")))
        if zh:
            g.add((s, predicate, Literal(zh, lang="zh")))
