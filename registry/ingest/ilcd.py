"""ILCD process datasets → emission factors.

A process becomes (1) a record of the ILCD dataset (``source/ilcd-{uuid}-{version}``, an ``ef:Source``
and ``prov:Entity`` with its UUID, version, names in English and Chinese, classification, reference
year, review and dataset type) and (2) one emission factor per unit of its reference flow whose
components are the greenhouse gases it emits (gases found by CAS number and name, never by flow UUID),
with CO2e under each GWP100 set. Without ``--dataset`` each process gets its own dataset graph
``dataset/tiangong-{uuid}/{n}``.

What a factor derived from each dataset type means is said in the data (``ef:boundary`` and
``rdfs:comment``): a unit process gives the process's *direct* (gate-to-gate) emissions; an LCI result
gives the cradle-to-gate inventory.

Privacy: contacts are imported only as organisation names or as the role ("data generator") unless
``publish_contacts`` is set; e-mail addresses are removed from every imported text.
"""

from __future__ import annotations

import re
from decimal import Decimal

from rdflib import Literal, URIRef

from registry.ingest import gases, geography, units
from registry.ingest.base import (
    Accumulator,
    Context,
    Input,
    NumberError,
    divide,
    slug,
    to_decimal,
)
from registry.ingest.factor import FactorSpec, Writer, writer_for
from registry.ingest.ilcd_model import Doc, Pool, find, findall, flow_unit, load_docs, text, texts
from registry.rdf.namespaces import DCAT, DCT, EF, FOAF, PROV, RDF, RDFS, SCHEMA, SKOS, XSD

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_TYPES = {
    "Unit process, single operation": ("UnitProcess", "GateToGate"),
    "Unit process, black box": ("UnitProcess", "GateToGate"),
    "LCI result": ("LCIResult", "CradleToGate"),
    "Partly terminated system": ("LCIResult", "CradleToGate"),
}
MEANING = {
    "UnitProcess": (
        "Derived from an ILCD unit process: the direct (gate-to-gate) emissions of this process "
        "per unit of its reference flow; upstream supply chains are not included.",
        "源自 ILCD 单元过程：该过程本身（门到门）每单位参考流的直接排放，不含上游供应链。",
    ),
    "LCIResult": (
        "Derived from an ILCD LCI result: the cradle-to-gate inventory per unit of its reference "
        "flow, upstream supply chains included.",
        "源自 ILCD 生命周期清单结果：每单位参考流从摇篮到大门的清单，包含上游供应链。",
    ),
}
MASS_TO_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "t": Decimal(1000), "mg": Decimal("0.000001")}
#: kg of a gas per unit of currency above which a factor is taken for a sector total, not a factor.
MAX_KG_PER_CURRENCY = Decimal(1000)


def scrub(value: str) -> str:
    """Remove e-mail addresses and spreadsheet error values from a text."""
    out = EMAIL.sub("", value).replace("#REF!", "")
    return re.sub(r"\s*[,;，]\s*$", "", re.sub(r"^\s*[,;，]\s*", "", out)).strip()


def import_ilcd(inputs: list[Input], ctx: Context, acc: Accumulator, *, json: bool = False) -> None:
    pool = Pool(max_depth=ctx.settings.max_nesting_depth)
    docs = load_docs(inputs, pool, json=json)
    processes = [d for d in docs if d.kind == "processDataSet"]
    for i, doc in enumerate(processes):
        acc.read += 1
        if doc.uuid in acc.seen:
            acc.skip(
                f"{doc.name} (ILCD process {doc.uuid})",
                f"duplicate: the same process (UUID) was already read from {acc.seen[doc.uuid]}",
            )
            continue
        acc.seen[doc.uuid] = doc.name
        _process(doc, pool, ctx, acc)
        ctx.tick(i + 1, len(processes))


def import_tidas(inputs: list[Input], ctx: Context, acc: Accumulator) -> None:
    """TIDAS JSON: the ILCD mapping over :func:`registry.ingest.tidas.json_to_element`'s trees."""
    import_ilcd(inputs, ctx, acc, json=True)


def _process(doc: Doc, pool: Pool, ctx: Context, acc: Accumulator) -> None:
    root = doc.root
    where = f"{doc.name} (ILCD process {doc.uuid})"
    info = find(root, "processInformation")
    names = {k: " ".join(v.split()) for k, v in texts(info, "dataSetInformation/name/baseName").items()}
    name_en = names.get("en") or names.get("zh") or doc.uuid
    # --- reference flow -----------------------------------------------------------------------
    ref_id = text(info, "quantitativeReference/referenceToReferenceFlow")
    exchanges = findall(root, "exchanges/exchange")
    ref_ex = next((e for e in exchanges if e.get("dataSetInternalID") == ref_id), None)
    if ref_ex is None:
        acc.skip(where, f"no reference flow: exchange {ref_id!r} named by quantitativeReference not found")
        return
    ref_flow = pool.get(find(ref_ex, "referenceToFlowDataSet"), doc, "flows")
    if ref_flow is None:
        acc.skip(
            where,
            "dangling reference: reference flow "
            f"{find(ref_ex, 'referenceToFlowDataSet').get('refObjectId')} does not exist. "
            + missing_files(doc, pool, exchanges),
        )
        return
    ref_unit, why = flow_unit(pool, ref_flow)
    if ref_unit is None:
        acc.skip(where, f"unknown unit of the reference flow: {why}. {CARRY_THEM}")
        return
    unit = units.lookup(ref_unit.unit_name)
    if unit is None:
        acc.skip(where, f"unknown unit: reference flow unit {ref_unit.unit_name!r} has no QUDT mapping")
        return
    try:
        ref_amount = to_decimal(_amount(ref_ex))
    except NumberError as e:
        acc.skip(f"{where}, exchange {ref_id}", f"bad amount: {e}")
        return
    if ref_amount <= 0:
        acc.skip(where, f"reference flow amount {ref_amount} is not positive")
        return
    flow_names = texts(find(ref_flow.root, "flowInformation"), "dataSetInformation/name/baseName")
    flow_en = " ".join((flow_names.get("en") or "").split())
    if unit.id in units.TO_KWH and re.search(r"electric|电", flow_en + name_en, re.I):
        ref_amount = ref_amount * units.TO_KWH[unit.id]
        unit = units.UNITS["KiloW-HR"]
    # --- greenhouse-gas exchanges -------------------------------------------------------------
    totals: dict[str, Decimal] = {}
    for ex in exchanges:
        if ex is ref_ex:
            continue
        ref = find(ex, "referenceToFlowDataSet")
        ex_where = f"{where}, exchange {ex.get('dataSetInternalID')}"
        flow = pool.get(ref, doc, "flows")
        if flow is None:
            short = text(ref, "shortDescription") or ""
            if gases.identify_gas(None, short):
                acc.skip(
                    ex_where,
                    f"dangling reference: flow {ref.get('refObjectId') if ref is not None else '?'}"
                    f" ({short}) does not exist",
                    part=True,
                )
            continue
        finfo = find(flow.root, "flowInformation")
        if text(flow.root, "modellingAndValidation/LCIMethod/typeOfDataSet") != "Elementary flow":
            continue
        fname = texts(finfo, "dataSetInformation/name/baseName").get("en", "")
        gas = gases.identify_gas(text(finfo, "dataSetInformation/CASNumber"), fname)
        if gas is None:
            continue
        fu, why = flow_unit(pool, flow)
        factor_kg = MASS_TO_KG.get(fu.unit_name) if fu else None
        if factor_kg is None:
            acc.skip(
                ex_where,
                f"unknown unit: {gas} amount is not in a mass unit ({why or fu.unit_name})",
                part=True,
            )
            continue
        try:
            amount = to_decimal(_amount(ex)) * factor_kg
        except NumberError as e:
            acc.skip(ex_where, f"bad amount: {e}", part=True)
            continue
        sign = -1 if text(ex, "exchangeDirection") == "Input" else 1
        totals[gas] = totals.get(gas, Decimal(0)) + sign * amount
    components: dict[str, Decimal] = {}
    for gas, total in totals.items():
        if total < 0:
            acc.skip(
                where, f"net uptake: {gas} is a net input ({total} kg), not an emission; left out", part=True
            )
        elif total > 0:
            components[gas] = divide(total, ref_amount)
    if not components:
        found = sorted(
            {
                (text(find(e, "referenceToFlowDataSet"), "shortDescription") or "?")
                for e in exchanges
                if text(e, "exchangeDirection") == "Output" and e is not ref_ex
            }
        )
        acc.skip(
            where,
            "no greenhouse-gas emission: the process emits none of CO2, CH4, N2O, F-gases"
            + (f" (outputs: {', '.join(found[:6])})" if found else ""),
        )
        return
    if unit.currency and max(components.values()) > MAX_KG_PER_CURRENCY:
        acc.skip(
            where,
            f"implausible value: {max(components.values())} kg per {unit.id} — the amounts are "
            "sector totals (input-output table), not a factor per unit",
        )
        return
    # --- where and when ------------------------------------------------------------------------
    loc = find(info, "geography/locationOfOperationSupplyOrProduction")
    code = loc.get("location", "") if loc is not None else ""
    geo = geography.from_ilcd(code)
    if geo is None:
        acc.skip(where, f"unknown region: ILCD location {code!r} is not in ILCDLocations.xml")
        return
    year_text = text(info, "time/referenceYear")
    if not year_text or not re.fullmatch(r"\d{4}", year_text):
        acc.skip(
            where,
            "no reference year: processInformation/time/common:referenceYear is missing "
            f"({year_text!r}); a factor needs a reference year or a validity period",
        )
        return
    _write(doc, pool, ctx, acc, names, name_en, flow_en, unit, geo, int(year_text), components)


#: How to send a process with what it refers to (said whenever referenced files are missing).
CARRY_THEM = (
    "A process data set refers to its flows, their flow properties and unit groups by file: upload a "
    "ZIP that carries them beside the process, as an ILCD export lays them out (processes/, flows/, "
    "flowproperties/, unitgroups/, sources/, contacts/), or load the whole directory (efreg load)."
)


def missing_files(doc: Doc, pool: Pool, exchanges: list) -> str:
    """Which flow data sets the process's exchanges name that are not in this import, by the path the
    process gives for each (``../flows/{uuid}.xml``) and the name it gives them, and how to send them."""
    missing = []
    for ex in exchanges:
        ref = find(ex, "referenceToFlowDataSet")
        if ref is None or pool.get(ref, doc, "flows") is not None:
            continue
        uuid = ref.get("refObjectId") or "?"
        path = ref.get("uri") or f"../flows/{uuid}.xml"
        short = " ".join((text(ref, "shortDescription") or "").split())
        missing.append(f"{path} ({short})" if short else path)
    listed = "; ".join(dict.fromkeys(missing))
    return (
        f"Missing from this upload: {len(set(missing))} flow data set(s) the process refers to — {listed} — "
        f"and the flow property and unit group data sets those flows refer to. {CARRY_THEM}"
    )


def _amount(ex) -> str:
    return text(ex, "resultingAmount") or text(ex, "meanAmount") or ""


def _write(
    doc: Doc,
    pool: Pool,
    ctx: Context,
    acc: Accumulator,
    names: dict[str, str],
    name_en: str,
    flow_en: str,
    unit: units.UnitInfo,
    geo: geography.Geo,
    year: int,
    components: dict[str, Decimal],
) -> None:
    root, uuid = doc.root, doc.uuid
    version = doc.version or "00.00.000"
    info = find(root, "processInformation")
    mv = find(root, "modellingAndValidation")
    admin = find(root, "administrativeInformation")
    dtype_text = text(mv, "LCIMethodAndAllocation/typeOfDataSet")
    dtype, boundary = _TYPES.get(dtype_text or "", (None, None))
    dataset_id = ctx.dataset_id or f"tiangong-{uuid}"
    w, new = writer_for(acc, ctx, dataset_id)
    g = w.g
    publisher = _publisher(w, doc, pool, ctx)
    lic_text = text(admin, "publicationAndOwnership/licenseType")
    license = _license(w, lic_text)
    # the ILCD dataset record
    rec = ctx.iri(f"source/ilcd-{uuid}-{slug(version)}")
    g.add((rec, RDF.type, EF.Source))
    g.add((rec, RDF.type, PROV.Entity))
    for lang, t in names.items():
        g.add((rec, DCT.title, Literal(t, lang=lang)))
        g.add((rec, RDFS.label, Literal(t, lang=lang)))
    g.add((rec, DCT.identifier, Literal(uuid)))
    g.add((rec, DCAT.version, Literal(version)))
    g.add((rec, DCT.publisher, publisher))
    g.add((rec, EF.table, Literal(f"ILCD process data set {uuid} version {version}")))
    uri = text(admin, "publicationAndOwnership/permanentDataSetURI")
    if uri:
        uri = uri.replace("&amp;amp;", "&").replace("&amp;", "&")
        g.add((rec, SCHEMA.url, Literal(uri, datatype=XSD.anyURI)))
    g.add((rec, SKOS.exactMatch, URIRef(f"urn:uuid:{uuid}")))
    classes = sorted(
        findall(info, "dataSetInformation/classificationInformation/classification/class"),
        key=lambda c: int(c.get("level", "0") or 0),
    )
    category = None
    if classes:
        path = " / ".join((c.text or "").strip() for c in classes)
        category = w.concept("ilcd", path, path)
        g.add((rec, DCT.subject, category))
    g.add((rec, EF.referenceYear, Literal(f"{year:04d}", datatype=XSD.gYear)))
    if dtype:
        g.add((rec, EF.datasetType, EF[dtype]))
    if dtype_text:
        g.add((rec, DCT.type, Literal(dtype_text)))
    for lang, t in texts(info, "dataSetInformation/generalComment").items():
        g.add((rec, DCT.description, Literal(scrub(t), lang=lang)))
    for review in findall(mv, "validation/review"):
        rtype = review.get("type") or "review"
        details = texts(review, "reviewDetails")
        g.add(
            (
                rec,
                RDFS.comment,
                Literal(f"Review: {rtype}. {scrub(details.get('en', ''))}".strip(), lang="en"),
            )
        )
        if "zh" in details:
            g.add((rec, RDFS.comment, Literal(f"审核：{rtype}。{scrub(details['zh'])}", lang="zh")))
        for who in findall(review, "referenceToNameOfReviewerAndInstitution"):
            _contact_role(w, rec, who, pool, doc, ctx, "reviewer")
    gen = find(admin, "dataGenerator/referenceToPersonOrEntityGeneratingTheDataSet")
    if gen is not None:
        _contact_role(w, rec, gen, pool, doc, ctx, "data generator")
    sources = [rec]
    for ref in findall(mv, "dataSourcesTreatmentAndRepresentativeness/referenceToDataSource"):
        src = pool.get(ref, doc, "sources")
        if src is None:
            acc.skip(
                f"{doc.name} (ILCD process {uuid}), modellingAndValidation/dataSourcesTreatmentAnd"
                f"Representativeness/referenceToDataSource[@refObjectId='{ref.get('refObjectId')}']",
                "dangling reference: the source data set does not exist; the factor cites the ILCD "
                "data set only",
                part=True,
            )
            continue
        sources.append(_source(w, src, publisher))
    if new:
        title = names if not ctx.dataset_id else {"en": f"{ctx.dataset_id} (TianGong ILCD import)"}
        w.record(
            title.get("en", name_en),
            title.get("zh"),
            publisher=publisher,
            license=license,
            dataset_type=EF[dtype] if dtype and not ctx.dataset_id else None,
            description=f"Emission factors derived from TianGong ILCD process data set {uuid}"
            if not ctx.dataset_id
            else "Emission factors derived from TianGong ILCD process data sets",
        )
        if not ctx.dataset_id:
            g.add((w.iri, PROV.wasDerivedFrom, rec))
    comments: list[tuple[str, str]] = []
    if dtype:
        comments += [(MEANING[dtype][0], "en"), (MEANING[dtype][1], "zh")]
    else:
        comments.append(
            (
                "The ILCD data set does not state its type (unit process or LCI result), so "
                "its boundary is not stated either.",
                "en",
            )
        )
    if boundary is None:
        bnd = w.concept("boundary", "not-stated", "Boundary not stated by the source", "来源未说明系统边界")
        g.add((bnd, RDF.type, EF.LifeCycleBoundary))
    else:
        bnd = EF[boundary]
    fac = w.factor(
        FactorSpec(
            id=f"tiangong-{uuid}",
            source_record=f"{doc.name} (ILCD UUID {uuid})",
            label_en=f"{name_en} — per {unit.label_en} of {flow_en or 'reference flow'}",
            label_zh=(f"{names['zh']} — 每{unit.label_zh}参考流" if "zh" in names else None),
            activity=f"ilcd-{slug(name_en, 60)}",
            activity_label_en=name_en,
            activity_label_zh=names.get("zh"),
            activity_unit=unit,
            geography=geo,
            reference_year=year,
            boundary=bnd,
            components=components,
            source=None,
            license=license,
            derived_from=[rec],
            comments=comments,
            category=category,
        )
    )
    for s in sources:
        g.add((fac, DCT.source, s))
    acc.imported += 1


def _publisher(w: Writer, doc: Doc, pool: Pool, ctx: Context) -> URIRef:
    if ctx.publisher:
        return w.publisher(ctx.publisher, ctx.publisher)
    ref = find(doc.root, "administrativeInformation/publicationAndOwnership/referenceToOwnershipOfDataSet")
    owner = pool.get(ref, doc, "contacts")
    if owner is not None and not _is_person(owner):
        names = texts(find(owner.root, "contactInformation"), "dataSetInformation/shortName")
        en = scrub(names.get("en", "")) or "TianGong LCA Data Working Group"
        agent = w.publisher(slug(en, 60).lower(), en, scrub(names.get("zh", "")) or None)
        w.g.add(
            (agent, SKOS.exactMatch, URIRef(f"urn:uuid:{owner.uuid}"))
        )  # the ILCD contact (PACT companyIds)
        return agent
    return w.publisher(
        "tiangong-lci-data-working-group", "TianGong LCA Data Working Group", "天工LCI数据工作小组"
    )


def _is_person(contact: Doc) -> bool:
    cls = text(
        contact.root, "contactInformation/dataSetInformation/classificationInformation/classification/class"
    )
    if cls:
        return cls.lower().startswith("person")
    return bool(text(contact.root, "contactInformation/dataSetInformation/email"))


def _contact_role(w: Writer, rec: URIRef, ref, pool: Pool, doc: Doc, ctx: Context, role: str) -> None:
    """Organisations by name; people only as their role, unless contacts are to be published."""
    g = w.g
    contact = pool.get(ref, doc, "contacts")
    prop = PROV.wasAttributedTo
    if contact is None:
        g.add(
            (
                rec,
                RDFS.comment,
                Literal(f"{role.capitalize()}: a contact that is not in the data.", lang="en"),
            )
        )
        return
    cinfo = find(contact.root, "contactInformation")
    names = texts(cinfo, "dataSetInformation/name") or texts(cinfo, "dataSetInformation/shortName")
    person = _is_person(contact)
    if person and not ctx.publish_contacts:
        g.add(
            (
                rec,
                RDFS.comment,
                Literal(f"{role.capitalize()}: a person (contact details not published).", lang="en"),
            )
        )
        return
    if not person:
        en = scrub(names.get("en", "")) or contact.uuid
        agent = w.publisher(slug(en, 60).lower(), en, scrub(names.get("zh", "")) or None)
        g.add((rec, prop, agent))
        g.add((rec, RDFS.comment, Literal(f"{role.capitalize()}: {en}", lang="en")))
        return
    agent = ctx.iri(f"publisher/ilcd-contact-{contact.uuid}")
    g.add((rec, prop, agent))
    g.add((agent, RDF.type, PROV.Agent))
    g.add((agent, RDF.type, FOAF.Person if person else FOAF.Organization))
    for lang, t in names.items():
        t = t if ctx.publish_contacts else scrub(t)
        g.add((agent, FOAF.name, Literal(t, lang=lang)))
        g.add((agent, RDFS.label, Literal(t, lang=lang)))
    g.add((agent, RDFS.comment, Literal(f"ILCD contact data set {contact.uuid}, role: {role}", lang="en")))
    if ctx.publish_contacts:
        mail = text(cinfo, "dataSetInformation/email")
        if mail:
            g.add((agent, FOAF.mbox, URIRef(f"mailto:{mail}")))
        www = text(cinfo, "dataSetInformation/WWWAddress")
        if www:
            g.add((agent, FOAF.homepage, Literal(www, datatype=XSD.anyURI)))


def _source(w: Writer, src: Doc, publisher: URIRef) -> URIRef:
    g = w.g
    s = w.ctx.iri(f"source/ilcd-{src.uuid}")
    sinfo = find(src.root, "sourceInformation")
    g.add((s, RDF.type, EF.Source))
    titles = texts(sinfo, "dataSetInformation/shortName")
    for lang, t in titles.items():
        g.add((s, DCT.title, Literal(scrub(t), lang=lang)))
        g.add((s, RDFS.label, Literal(scrub(t), lang=lang)))
    if not titles:
        g.add((s, RDFS.label, Literal(f"ILCD source {src.uuid}", lang="en")))
    cite = text(sinfo, "dataSetInformation/sourceCitation")
    if cite:
        g.add((s, DCT.bibliographicCitation, Literal(scrub(cite))))
    g.add((s, DCT.identifier, Literal(src.uuid)))
    g.add((s, DCT.publisher, publisher))
    return s


def _license(w: Writer, lic_text: str | None) -> URIRef:
    g = w.g
    label = lic_text or "Licence not stated in the ILCD data set"
    s = w.ctx.iri(f"license/ilcd-{slug(label, 60).lower()}")
    g.add((s, RDF.type, DCT.LicenseDocument))
    g.add((s, RDFS.label, Literal(label, lang="en")))
    if lic_text == "Free of charge for all users and uses":
        g.add((s, RDFS.label, Literal("所有用户和用途免费", lang="zh")))
        g.add(
            (
                s,
                RDFS.comment,
                Literal(
                    "ILCD licenceType; the TianGong-LCA-Data repository is under the MIT License.", lang="en"
                ),
            )
        )
    return s
