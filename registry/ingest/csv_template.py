"""The efreg CSV template (docs/csv-template.md): one factor per row, gases in columns.

Numbers are plain decimals ("1234.5"); an exponent ("1.2e3") is accepted, thousands separators, decimal
commas and dashes are not. Empty cells are absent values. Rows that cannot be mapped are skipped with
their line and reason; a wrong header, delimiter or encoding rejects the file.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Literal, URIRef

from registry.ingest import gases
from registry.ingest.base import Accumulator, Context, Input, short_id, slug, valid_id
from registry.ingest.csv_common import RowError, cell_number, decode, mapped_rows, unit_and_region
from registry.ingest.csv_oefdb import SCOPES, _year
from registry.ingest.factor import FactorSpec, Writer, writer_for
from registry.rdf.namespaces import DCT, EF, RDF, RDFS, SCHEMA, XSD

GAS_COLUMNS = {
    "co2_kg": "CO2",
    "co2_biogenic_kg": "CO2-biogenic",
    "ch4_fossil_kg": "CH4-fossil",
    "ch4_non_fossil_kg": "CH4-non-fossil",
    "ch4_kg": "CH4",
    "n2o_kg": "N2O",
}
CO2E_COLUMNS = {"co2e_ar6_kg": "AR6-GWP100", "co2e_ar5_kg": "AR5-GWP100", "co2e_ar4_kg": "AR4-GWP100"}
COLUMNS = [
    "id",
    "name_en",
    "name_zh",
    "activity",
    "activity_unit",
    "region",
    "reference_year",
    "years_valid",
    "boundary",
    "scope",
    *GAS_COLUMNS,
    *CO2E_COLUMNS,
    "uncertainty_percent",
    "source_title",
    "source_table",
    "source_url",
    "license",
    "notes",
]
REQUIRED = {"id", "name_en", "activity", "activity_unit", "region", "boundary"}
BOUNDARIES = {
    "combustion": "Combustion",
    "well-to-tank": "WellToTank",
    "well-to-wheel": "WellToWheel",
    "cradle-to-gate": "CradleToGate",
    "cradle-to-grave": "CradleToGrave",
    "cradle-to-shelf": "CradleToShelf",
    "gate-to-gate": "GateToGate",
}
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def import_template(inputs: list[Input], ctx: Context, acc: Accumulator) -> None:
    for inp in inputs:
        text, _enc = decode(inp, ctx.encoding)
        fname = inp.name.rsplit("/", 1)[-1]
        dataset_id = ctx.dataset_id or slug(fname.rsplit("!", 1)[-1].rsplit(".", 1)[0]).lower()
        w, new = writer_for(acc, ctx, dataset_id)
        publisher = w.publisher(ctx.publisher or dataset_id, ctx.publisher or dataset_id)
        if new:
            w.record(
                dataset_id,
                None,
                publisher=publisher,
                license=None,
                dataset_type=EF.FactorTable,
                description=f"Imported from {fname} (efreg CSV template).",
            )
        seen: dict[str, int] = {}
        licenses: list[URIRef] = []
        for line, where, _row, spec in mapped_rows(
            inp,
            text,
            COLUMNS,
            ctx,
            acc,
            lambda row, where, w=w, p=publisher: _spec(row, where, w, p),
            required=REQUIRED,
        ):
            if spec.id in seen:
                acc.skip(where, f"duplicate id {spec.id!r} (first on line {seen[spec.id]})")
                continue
            seen[spec.id] = line
            if spec.license is not None and spec.license not in licenses:
                licenses.append(spec.license)
            w.factor(spec)
            acc.imported += 1
        if new:
            for lic in licenses or [URIRef(DEFAULT_LICENSE)]:
                w.g.add((w.iri, DCT.license, lic))


def _spec(row: dict[str, str], where: str, w: Writer, publisher: URIRef) -> FactorSpec:
    fid = row["id"].strip()
    if not valid_id(fid):
        raise RowError(f"id {fid!r} may only use letters, digits, '.', '_' and '-'")
    if not row["name_en"].strip():
        raise RowError("name_en is empty")
    unit, geo = unit_and_region(row, "(see docs/csv-template.md)")
    b = row["boundary"].strip().lower()
    if b not in BOUNDARIES:
        raise RowError(f"unknown boundary {row['boundary']!r}; one of {', '.join(BOUNDARIES)}")
    comps = {gas: v for col, gas in GAS_COLUMNS.items() if (v := cell_number(row, col)) is not None}
    co2e = {s: v for col, s in CO2E_COLUMNS.items() if (v := cell_number(row, col)) is not None}
    if not comps and not co2e:
        raise RowError("no value: give at least one gas column or one co2e column")
    for s, v in co2e.items():
        computed = gases.co2e(comps, s) if comps else None
        if computed is not None and v and abs(computed - v) > Decimal("0.005") * v:
            raise RowError(f"co2e under {s} is {v} but the gases give {computed} with the IPCC values")
    year = _year(row.get("reference_year", ""), "reference_year")
    valid = _year(row.get("years_valid", ""), "years_valid")
    if year is None and valid is None:
        raise RowError("no year: give reference_year or years_valid")
    unc = cell_number(row, "uncertainty_percent")
    scopes = []
    for s in (row.get("scope") or "").split("|"):
        s = s.strip()
        if s:
            if s not in SCOPES:
                raise RowError(f"unknown scope {s!r}; 1, 2 or 3, several joined by '|'")
            scopes.append(SCOPES[s])
    lic_text = (row.get("license") or "").strip() or DEFAULT_LICENSE
    if not lic_text.startswith(("http://", "https://")):
        raise RowError(f"license {lic_text!r} is not an IRI (e.g. {DEFAULT_LICENSE})")
    source = _source(w, row, fid, publisher)
    notes = (row.get("notes") or "").strip()
    return FactorSpec(
        id=fid,
        source_record=where,
        label_en=row["name_en"].strip(),
        label_zh=(row.get("name_zh") or "").strip() or None,
        activity=slug(row["activity"].strip()),
        activity_label_en=row["activity"].strip(),
        activity_unit=unit,
        geography=geo,
        reference_year=year[0] if year else None,
        period=valid,
        boundary=EF[BOUNDARIES[b]],
        scopes=scopes,
        components=comps,
        co2e=co2e,
        uncertainty_percent=unc,
        source=source,
        license=URIRef(lic_text),
        comments=[(notes, "en")] if notes else [],
    )


def _source(w: Writer, row: dict[str, str], fid: str, publisher: URIRef) -> URIRef:
    title = (row.get("source_title") or "").strip()
    if not title:
        raise RowError("source_title is empty: every factor cites its source")
    s = w.ctx.iri(f"source/{short_id(title + '.' + (row.get('source_table') or ''), 80)}")
    g = w.g
    if (s, RDF.type, EF.Source) not in g:
        g.add((s, RDF.type, EF.Source))
        g.add((s, DCT.title, Literal(title, lang="en")))
        g.add((s, RDFS.label, Literal(title, lang="en")))
        g.add((s, DCT.publisher, publisher))
        if (row.get("source_table") or "").strip():
            g.add((s, EF.table, Literal(row["source_table"].strip())))
        url = (row.get("source_url") or "").strip()
        if url and not url.lower().startswith(("http://", "https://")):
            raise RowError(
                f"source_url {url[:80]!r} is not an http(s) URL (file:, javascript: … are refused)"
            )
        if url:
            g.add((s, SCHEMA.url, Literal(url, datatype=XSD.anyURI)))
    return s
