"""The Open Emission Factors DB CSV layout (Climatiq, CC BY-SA 4.0) → factors.

Row by row: ``not-supplied`` and empty cells are absent values; ``scope`` may hold several scopes
("1|2|3"); ``years_valid`` is a year or a range (→ ``dct:temporal``); ``region`` is ISO 3166 or a
UN/LOCODE-like code (→ ``geo/…``); ``kgCO2e-AR5`` / ``kgCO2e-AR4`` become CO2e under the AR5 / AR4
GWP100 sets. Gas components (``kgCO2``, ``kgCH4``, ``kgN2O``) are kept when they account for the given
CO2e (within 0.5 %); where other GHGs make up the difference the factor keeps the CO2e values only and
says why in ``rdfs:comment``. Rows that cannot be mapped are skipped with their line and reason.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from rdflib import Literal, URIRef

from registry.ingest import gases
from registry.ingest.base import Accumulator, Context, Input, short_id, slug
from registry.ingest.csv_common import RowError, cell_number, decode, mapped_rows, unit_and_region
from registry.ingest.factor import FactorSpec, Writer, writer_for
from registry.rdf.namespaces import DCT, EF, RDF, RDFS, SCHEMA, XSD

COLUMNS = [
    "sector",
    "category",
    "activity_id",
    "name",
    "activity_unit",
    "kgCO2e-AR5",
    "kgCO2e-AR4",
    "kgCO2",
    "kgCH4",
    "kgN2O",
    "kgCO2e-OtherGHGs-AR5",
    "kgCO2e-OtherGHGs-AR4",
    "uncertainty",
    "scope",
    "lca_activity",
    "source",
    "year_released",
    "years_valid",
    "years_calculated_from",
    "region",
    "data_quality",
    "contributor",
    "date_accessed",
    "description",
    "source_link",
]
ABSENT = {"", "not-supplied", "not supplied", "n/a", "na"}
LICENSE = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
BOUNDARY = {
    "fuel_combustion": "Combustion",
    "well_to_tank": "WellToTank",
    "cradle_to_gate": "CradleToGate",
    "cradle_to_shelf": "CradleToShelf",
    "well_to_propeller": "WellToWheel",
}
SCOPES = {"1": EF.Scope1, "2": EF.Scope2, "3": EF.Scope3}
TOLERANCE = Decimal("0.005")


def _year(text: str, col: str) -> tuple[int, int] | None:
    t = text.strip()
    if not t or t.lower() in ABSENT:
        return None
    parts = t.split("-")
    if len(parts) in (1, 2) and all(p.isdigit() and len(p) == 4 for p in parts):
        first, last = int(parts[0]), int(parts[-1])
        if first <= last:
            return first, last
    raise RowError(f"bad year in column {col}: {t!r} (expected YYYY or YYYY-YYYY)")


def import_oefdb(inputs: list[Input], ctx: Context, acc: Accumulator) -> None:
    for inp in inputs:
        text, _enc = decode(inp, ctx.encoding)
        stem = slug(inp.name.rsplit("/", 1)[-1].rsplit("!", 1)[-1].rsplit(".", 1)[0]).lower()
        dataset_id = (
            ctx.dataset_id or f"oefdb-{stem}" if not stem.startswith("oefdb") else ctx.dataset_id or stem
        )
        w, new = writer_for(acc, ctx, dataset_id)
        publisher = w.publisher(ctx.publisher or "climatiq", ctx.publisher or "Climatiq")
        if new:
            w.record(
                "Open Emission Factors Database (OEFDB)",
                "开放排放因子数据库（OEFDB）",
                publisher=publisher,
                license=LICENSE,
                dataset_type=EF.FactorTable,
                description="Imported from the Open Emission Factors DB CSV (Climatiq, CC BY-SA 4.0).",
            )
        keys: dict[tuple, int] = {}
        for line, where, row, spec in mapped_rows(
            inp, text, COLUMNS, ctx, acc, lambda row, where, w=w, p=publisher: _spec(row, where, w, p)
        ):
            key = (
                spec.activity,
                spec.geography.code,
                spec.reference_year,
                spec.period,
                str(spec.boundary),
                _basis(spec),
            )
            if key in keys:
                acc.skip(
                    where,
                    f"duplicate key: same activity, region, year, boundary and gas basis as line "
                    f"{keys[key]} (activity_id {row['activity_id']}, source {row['source']})",
                )
                continue
            keys[key] = line
            w.factor(spec)
            acc.imported += 1


def _basis(spec: FactorSpec) -> str:
    if not spec.components:
        return "CO2e"
    return "CO2" if set(spec.components) <= {"CO2"} else "multi"


def _spec(row: dict[str, str], where: str, w: Writer, publisher: URIRef) -> FactorSpec:
    unit, geo = unit_and_region(row, "has no QUDT mapping")
    if not row["activity_id"].strip():
        raise RowError("empty activity_id")
    comps = {
        gas: v
        for gas, col in (("CO2", "kgCO2"), ("CH4", "kgCH4"), ("N2O", "kgN2O"))
        if (v := cell_number(row, col, ABSENT)) is not None
    }
    co2e = {
        s: v
        for s, col in (("AR5-GWP100", "kgCO2e-AR5"), ("AR4-GWP100", "kgCO2e-AR4"))
        if (v := cell_number(row, col, ABSENT)) is not None
    }
    other = {
        s: v
        for s, col in (("AR5-GWP100", "kgCO2e-OtherGHGs-AR5"), ("AR4-GWP100", "kgCO2e-OtherGHGs-AR4"))
        if (v := cell_number(row, col, ABSENT)) is not None
    }
    uncertainty = cell_number(row, "uncertainty", ABSENT)
    if not comps and not co2e:
        raise RowError("no value: none of kgCO2e-AR5, kgCO2e-AR4, kgCO2, kgCH4, kgN2O is given")
    comments: list[tuple[str, str]] = []
    if comps and co2e:
        ok = all(_close(gases.co2e(comps, s), v) for s, v in co2e.items())
        if not ok:
            parts = ", ".join(f"{g} {v} kg" for g, v in comps.items())
            extra = ", ".join(f"other GHGs {v} kg CO2e ({s})" for s, v in other.items() if v)
            comments.append(
                (
                    f"Gas breakdown as published: {parts}"
                    + (f"; {extra}" if extra else "")
                    + ". It does not add up to the CO2e values with the IPCC GWP100 values alone, so "
                    "only the CO2e values are given as structured data.",
                    "en",
                )
            )
            comps = {}
    elif comps and not co2e and any(v for v in other.values()):
        raise RowError("components without CO2e but with other GHGs; the total cannot be stated")
    released = _year(row["year_released"], "year_released")
    valid = _year(row["years_valid"], "years_valid")
    calc = _year(row["years_calculated_from"], "years_calculated_from")
    ref_year = calc[0] if calc else (released[0] if released and not valid else None)
    if ref_year is None and valid is None:
        raise RowError("no year: years_valid, years_calculated_from and year_released are all empty")
    lca = row["lca_activity"].strip() or "unknown"
    if lca in BOUNDARY:
        boundary = EF[BOUNDARY[lca]]
    else:
        boundary = w.concept(
            "lca-activity",
            lca,
            f"OEFDB life-cycle activity: {lca.replace('_', ' ')}",
            f"OEFDB 生命周期活动：{lca}",
        )
        w.g.add((boundary, RDF.type, EF.LifeCycleBoundary))
    scopes = [SCOPES[s.strip()] for s in row["scope"].split("|") if s.strip() in SCOPES]
    if row["data_quality"].strip():
        comments.append((f"OEFDB data_quality: {row['data_quality'].strip()}", "en"))
    if row["description"].strip():
        desc = row["description"].strip()
    else:
        desc = None
    source = _source(w, row, publisher)
    fid = short_id(
        f"oefdb.{row['activity_id']}.{unit.id}.{geo.code}.{row['source']}.{row['year_released']}.{lca}"
    )
    return FactorSpec(
        id=fid,
        source_record=where,
        label_en=f"{row['name'].strip()} ({row['region'].strip()}, "
        f"{row['source'].strip()} {row['year_released'].strip()})",
        activity=short_id(f"oefdb-{row['activity_id']}.per-{unit.id}"),
        activity_label_en=f"{row['name'].strip()} (per {unit.label_en})",
        activity_unit=unit,
        geography=geo,
        reference_year=ref_year,
        period=valid,
        boundary=boundary,
        scopes=scopes,
        components=comps,
        co2e=co2e,
        compute_co2e=False,
        uncertainty_percent=uncertainty,
        source=source,
        license=LICENSE,
        category=w.concept(
            "oefdb", f"{row['sector']}/{row['category']}", f"{row['sector']} / {row['category']}"
        ),
        comments=comments,
        description=desc,
    )


def _close(computed: Decimal | None, given: Decimal) -> bool:
    if computed is None:
        return False
    if given == 0:
        return computed == 0
    return abs(computed - given) <= TOLERANCE * abs(given)


def _source(w: Writer, row: dict[str, str], publisher: URIRef) -> URIRef:
    name = row["source"].strip() or "unknown"
    link = row["source_link"].strip()
    digest = hashlib.sha1(f"{name}|{link}|{row['year_released']}".encode()).hexdigest()[:10]
    s = w.ctx.iri(f"source/oefdb-{slug(name, 40).lower()}-{digest}")
    g = w.g
    if (s, RDF.type, EF.Source) not in g:
        g.add((s, RDF.type, EF.Source))
        title = f"{name} ({row['year_released'].strip()}), via the Open Emission Factors DB"
        g.add((s, DCT.title, Literal(title, lang="en")))
        g.add((s, RDFS.label, Literal(title, lang="en")))
        if link.startswith(("http://", "https://")):
            g.add((s, SCHEMA.url, Literal(link, datatype=XSD.anyURI)))
        g.add((s, DCT.publisher, w.publisher(slug(name, 40).lower(), name)))
        g.add((s, EF.table, Literal(f"{name} {row['year_released'].strip()}")))
    return s
