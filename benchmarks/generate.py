"""Deterministic registry data at any size, as N-Quads, in the efreg model.

``python -m benchmarks.generate --factors 10000 --seed 1 --out bench.nq`` writes the seeds'
reference data (geographies, gases, units, GWP sets — taken from ``seeds/``) plus generated
publishers, category scheme, datasets with versions, factors (per-gas components, CO2e under each
GWP set, a data quality rating on one factor in five, labels in English and Chinese) and ISIC
mappings (``skos:closeMatch`` on the top categories). About 26 triples per factor. The output conforms to the shapes (``tests/test_benchmarks.py`` checks a small size).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from registry.paths import seed_files

EF = "https://w3id.org/efreg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"
UNIT = "http://qudt.org/vocab/unit/"

#: gas -> GWP100 under AR4, AR5, AR6 (seeds/gwp100.trig; gwp100.csv)
GWP = {"CO2": ("1", "1", "1"), "CH4-fossil": ("25", "28", "29.8"), "N2O": ("298", "265", "273")}
GWP_SETS = ("AR4-GWP100", "AR5-GWP100", "AR6-GWP100")
PROVINCES = (
    "AH",
    "BJ",
    "CQ",
    "FJ",
    "GD",
    "GS",
    "GX",
    "GZ",
    "HA",
    "HB",
    "HE",
    "HI",
    "HL",
    "HN",
    "JL",
    "JS",
    "JX",
    "LN",
    "NM",
    "NX",
    "QH",
    "SC",
    "SD",
    "SH",
    "SN",
    "SX",
    "TJ",
    "XJ",
    "XZ",
    "YN",
    "ZJ",
)
ACTIVITIES = (
    ("coal", "煤"),
    ("natural gas", "天然气"),
    ("diesel", "柴油"),
    ("gasoline", "汽油"),
    ("electricity", "电力"),
    ("steel", "钢"),
    ("cement", "水泥"),
    ("aluminium", "铝"),
    ("fertiliser", "化肥"),
    ("freight transport", "货运"),
    ("paper", "纸"),
    ("glass", "玻璃"),
)
PROCESSES = (("production", "生产"), ("combustion", "燃烧"), ("use", "使用"), ("supply", "供应"))
BOUNDARIES = ("Combustion", "CradleToGate", "WellToTank", "CradleToGrave")
FIRST_YEAR, YEARS = 1995, 31  # 33 geographies x 31 years >= 1,000 factors of a dataset


@dataclass(frozen=True)
class Sizes:
    factors: int
    per_dataset: int = 1000
    publishers: int = 20
    categories: int = 200


def lit(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(datatype or XSD + "string"))


class Writer:
    """Accumulates quads of one graph at a time and writes them as N-Quads."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.count = out, 0

    def graph(self, name: str, quads: Iterator[tuple]) -> None:
        graph = ox.NamedNode(name)
        batch = [ox.Quad(s, p, o, graph) for s, p, o in quads]
        self.count += len(batch)
        ox.serialize(batch, self.out, ox.RdfFormat.N_QUADS)


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def reference_quads(base: str) -> Iterator[ox.Quad]:
    """The seeds' reference and GWP datasets (so geographies, gases, units and GWP sets are real)."""
    names: dict[ox.BlankNode, ox.BlankNode] = {}

    def same(term: object) -> object:  # the parser's blank node ids are random: renumber them
        return (
            names.setdefault(term, ox.BlankNode(f"ref{len(names)}"))
            if isinstance(term, ox.BlankNode)
            else term
        )

    for path in seed_files():
        if path.name in ("reference.trig", "gwp100.trig"):
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TRIG, base_iri=base):
                yield ox.Quad(same(q.subject), q.predicate, same(q.object), q.graph_name)


def generate(out: IO[bytes], sizes: Sizes, seed: int = 1, base: str = "http://localhost:8080/") -> int:
    rng = random.Random(seed)
    writer = Writer(out)
    ref = list(reference_quads(base))
    ox.serialize(ref, out, ox.RdfFormat.N_QUADS)
    writer.count += len(ref)
    typ = n(RDF_TYPE)
    label = n(RDFS + "label")

    # categories: a three-level SKOS scheme, with ISIC mappings on the first level
    scheme = base + "category/bench"
    cats: list[str] = []
    cat_quads: list[tuple] = [
        (n(scheme), typ, n(SKOS + "ConceptScheme")),
        (n(scheme), label, lit("Benchmark activity categories", lang="en")),
        (n(scheme), label, lit("基准活动类别", lang="zh")),
    ]
    for i in range(sizes.categories):
        iri = f"{scheme}/C{i:04d}"
        cats.append(iri)
        en, zh = ACTIVITIES[i % len(ACTIVITIES)]
        pen, pzh = PROCESSES[(i // len(ACTIVITIES)) % len(PROCESSES)]
        cat_quads += [
            (n(iri), typ, n(SKOS + "Concept")),
            (n(iri), n(SKOS + "inScheme"), n(scheme)),
            (n(iri), n(SKOS + "notation"), lit(f"C{i:04d}")),
            (n(iri), label, lit(f"{en} {pen} {i}", lang="en")),
            (n(iri), label, lit(f"{zh}{pzh}{i}", lang="zh")),
        ]
        if i >= 10:
            cat_quads.append((n(iri), n(SKOS + "broader"), n(cats[i % 10])))
        else:
            cat_quads.append((n(iri), n(SKOS + "closeMatch"), n(f"https://isic.example/rev4/{3510 + i}")))
    pub_quads: list[tuple] = []
    publishers = [f"{base}publisher/bench-{p:02d}" for p in range(sizes.publishers)]
    for p, iri in enumerate(publishers):
        pub_quads += [
            (n(iri), typ, n(FOAF + "Organization")),
            (n(iri), typ, n(PROV + "Agent")),
            (n(iri), label, lit(f"Benchmark publisher {p}", lang="en")),
            (n(iri), label, lit(f"基准发布机构{p}", lang="zh")),
            (n(iri), n(FOAF + "name"), lit(f"Benchmark publisher {p}", lang="en")),
        ]
    source = base + "source/bench"
    license_ = "https://creativecommons.org/licenses/by/4.0/"
    pub_quads += [
        (n(source), typ, n(EF + "Source")),
        (n(source), n(DCT + "title"), lit("Synthetic", lang="en")),
        (n(source), n(EF + "table"), lit("Table 1")),
        (n(license_), typ, n(DCT + "LicenseDocument")),
        (n(license_), label, lit("CC BY 4.0", lang="en")),
    ]
    ref_graph = base + "dataset/bench-reference/1"
    g = n(ref_graph)
    ref_record = [
        (g, typ, n(DCAT + "Dataset")),
        (g, n(DCT + "title"), lit("Benchmark reference data", lang="en")),
        (g, n(DCT + "title"), lit("基准参考数据", lang="zh")),
        (g, n(DCAT + "version"), lit("1")),
        (g, n(DCT + "isVersionOf"), n(base + "dataset/bench-reference")),
        (g, n(DCT + "publisher"), n(publishers[0])),
        (g, n(DCT + "license"), n(license_)),
        (g, n(EF + "accessLevel"), n(EF + "Open")),
        (g, n(EF + "reviewStatus"), n(EF + "Published")),
    ]
    writer.graph(ref_graph, iter(ref_record + cat_quads + pub_quads))

    geos = [f"{base}geo/CN-{code}" for code in PROVINCES] + [f"{base}geo/CN", f"{base}geo/GLO"]
    for dataset_no, (count, versions) in enumerate(layout(sizes)):
        for version in range(1, versions + 1):
            ds_id = f"bench-{dataset_no:05d}"
            take = count if version == 1 else count // 10  # a revision replaces a tenth of the factors
            graph = f"{base}dataset/{ds_id}/{version}"
            publisher = publishers[dataset_no % len(publishers)]
            writer.graph(
                graph,
                _dataset(rng, graph, ds_id, version, publisher, source, license_, take, cats, geos, base),
            )
    return writer.count


def layout(sizes: Sizes) -> list[tuple[int, int]]:
    """(factors in version 1, versions) of each dataset: every fifth dataset has a second version
    replacing a tenth of its factors; the revised factors count towards ``sizes.factors``."""
    out: list[tuple[int, int]] = []
    made = 0
    while made < sizes.factors:
        count = min(sizes.per_dataset, sizes.factors - made)
        versions = 2 if len(out) % 5 == 4 and count > 1 else 1
        out.append((count, versions))
        made += count + (count // 10 if versions == 2 else 0)
    return out


def _dataset(
    rng: random.Random,
    graph: str,
    ds_id: str,
    version: int,
    publisher: str,
    source: str,
    license_: str,
    count: int,
    cats: list[str],
    geos: list[str],
    base: str,
) -> Iterator[tuple]:
    typ, label = n(RDF_TYPE), n(RDFS + "label")
    g = n(graph)
    yield g, typ, n(DCAT + "Dataset")
    yield g, n(DCT + "title"), lit(f"Benchmark dataset {ds_id} v{version}", lang="en")
    yield g, n(DCT + "title"), lit(f"基准数据集 {ds_id} 第{version}版", lang="zh")
    yield g, n(DCAT + "version"), lit(str(version))
    yield g, n(DCT + "isVersionOf"), n(f"{base}dataset/{ds_id}")
    yield g, n(DCT + "publisher"), n(publisher)
    yield g, n(DCT + "license"), n(license_)
    yield g, n(EF + "accessLevel"), n(EF + "Open")
    yield g, n(EF + "reviewStatus"), n(EF + "Published")
    if version > 1:
        yield g, n(PROV + "wasRevisionOf"), n(f"{base}dataset/{ds_id}/{version - 1}")
    unit = n(base + "unit/KiloGM-PER-TeraJ")
    for i in range(count):
        fid = f"{ds_id}-f{i:05d}"
        f = n(f"{base}factor/{fid}/{version}")
        cat = cats[rng.randrange(len(cats))]
        geo = geos[i % len(geos)]
        year = FIRST_YEAR + (i // len(geos)) % YEARS  # (geography, year) unique in a dataset: keys unique
        en, zh = ACTIVITIES[int(cat[-4:]) % len(ACTIVITIES)]
        yield f, typ, n(EF + "EmissionFactor")
        yield f, label, lit(f"{en} {fid}", lang="en")
        yield f, label, lit(f"{zh} {fid}", lang="zh")
        yield f, n(DCT + "isPartOf"), g
        yield f, n(DCT + "isVersionOf"), n(f"{base}factor/{fid}")
        yield f, n(DCAT + "version"), lit(str(version))
        if version > 1:
            yield f, n(PROV + "wasRevisionOf"), n(f"{base}factor/{fid}/{version - 1}")
        yield f, n(EF + "activity"), n(cat)
        yield f, n(EF + "activityUnit"), n(UNIT + "TeraJ")
        yield f, n(EF + "geography"), n(geo)
        yield f, n(EF + "referenceYear"), lit(str(year), XSD + "gYear")
        yield f, n(EF + "boundary"), n(EF + BOUNDARIES[i % len(BOUNDARIES)])
        multi = i % 10 >= 7  # 30 % multi-gas with CO2e under AR6, 70 % CO2 only: ~24 triples per factor
        yield f, n(EF + "gasBasis"), n(EF + ("MultiGasBasis" if multi else "CO2Basis"))
        yield f, n(DCT + "source"), n(source)
        yield f, n(DCT + "license"), n(license_)
        yield f, n(DCT + "publisher"), n(publisher)
        values = {"CO2": Decimal(rng.randrange(1000, 100000))}
        if multi:
            values["CH4-fossil"] = Decimal(rng.randrange(1, 30))
            values["N2O"] = Decimal(rng.randrange(1, 20)) / 10
        for gas, value in values.items():
            c = ox.BlankNode(f"{fid}v{version}{gas}")  # named, so that the output is deterministic
            yield f, n(EF + "component"), c
            yield c, typ, n(EF + "GasComponent")
            yield c, n(EF + "gas"), n(f"{base}gas/{gas}")
            yield c, n(EF + "value"), lit(str(value), XSD + "decimal")
            yield c, n(EF + "unit"), unit
        if i % 5 == 0:  # a data quality rating on one factor in five: ~26 triples per factor
            ratings = [rng.randrange(1, 6) for _ in range(4)]
            q = ox.BlankNode(f"{fid}v{version}q")
            yield f, n(EF + "dataQuality"), q
            yield q, typ, n(EF + "DataQualityRating")
            for prop, rating in zip(("ter", "ger", "tir", "precision"), ratings, strict=True):
                yield q, n(EF + prop), lit(str(rating), XSD + "integer")
            yield q, n(EF + "dqr"), lit(str(Decimal(sum(ratings)) / 4), XSD + "decimal")
        if multi:
            total = sum(v * Decimal(GWP[gas][2]) for gas, v in values.items())
            c = ox.BlankNode(f"{fid}v{version}co2e")
            yield f, n(EF + "co2e"), c
            yield c, typ, n(EF + "CO2eValue")
            yield c, n(EF + "gwpSet"), n(f"{base}gwp/{GWP_SETS[2]}")
            yield c, n(EF + "value"), lit(str(total), XSD + "decimal")
            yield c, n(EF + "unit"), unit


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", default="http://localhost:8080/")
    parser.add_argument("--out", type=Path, help="N-Quads file (default: standard output)")
    args = parser.parse_args(argv)
    sizes = Sizes(factors=args.factors)
    if args.out:
        with args.out.open("wb") as fh:
            total = generate(fh, sizes, args.seed, args.base)
    else:
        total = generate(sys.stdout.buffer, sizes, args.seed, args.base)
    print(f"{total} quads for {args.factors} factors", file=sys.stderr)


if __name__ == "__main__":
    main()


def publishing_factors(dataset: str, version: int, publisher: str, ids: range) -> str:
    """Turtle of one dataset version as a publisher uploads it (the publishing tests' factor table,
    tests/data/publishing/factors.py): for the benchmarks that write through the workflow."""
    spec = importlib.util.spec_from_file_location(
        "publishing_factors", Path(__file__).resolve().parents[1] / "tests/data/publishing/factors.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.factors(dataset, version, publisher, ids)
