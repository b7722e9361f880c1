"""The seed data (seeds/*.trig): real, cited reference data and factors loaded on first start,
through the gate like any other data; and the sample data a first run serves besides them (the
TianGong ILCD sample, MIT; the Open Emission Factors DB, CC BY-SA 4.0), imported through the gate by
``seeds/build_samples.py`` and shipped prebuilt (``registry/data/samples``) because importing them at
start takes longer than a first run should.

Whether to load a seed file depends on its datasets, not on whether the store is empty: a file is
loaded when none of the datasets it names (``dataset/{id}/N``) has a version in the store and none
was seeded before (the system graph notes every dataset seeded, so a seed dataset an administrator
deleted is not brought back). Tokens, publishers or mapping sets written before the first start
therefore keep the seeds, and a seed file added by an upgrade is loaded on the next start."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

from rdflib import Literal, URIRef

from registry.config import Settings
from registry.ingest.base import IngestError
from registry.ingest.gate import NextVersion, admit
from registry.ingest.quads import ImportData
from registry.ingest.read import read_paths
from registry.paths import SAMPLES_DIR, SEEDS_DIR, seed_files
from registry.publishing.catalog import catalog_iri, refresh_versions
from registry.rdf.namespaces import DCAT, DCT, EF, RDF, SYSTEM_GRAPH
from registry.store import QueryDataset, Store, open_store
from registry.store.meta import ensure_base_uri
from registry.store.oxigraph import parse_quads

#: ``SEEDS_NODE SEEDED "id"`` in the system graph: dataset ``id`` was loaded from the seeds.
SEEDS_NODE = "urn:efreg:seeds"
SEEDED = "urn:efreg:seeds#dataset"
_SYSTEM = QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,))
_PLACEHOLDER_BASE = "http://seed.invalid/"


def _dataset_id(graph: str, base_uri: str) -> str | None:
    match = re.fullmatch(re.escape(base_uri) + r"dataset/(.+)/\d+", graph)
    return match.group(1) if match else None


@cache
def seed_datasets(path: Path) -> frozenset[str]:
    """The dataset identifiers whose version graphs seed file ``path`` holds."""
    return frozenset(
        found
        for quad in parse_quads(path, "trig", base_iri=_PLACEHOLDER_BASE)
        if hasattr(quad.graph_name, "value")
        and (found := _dataset_id(quad.graph_name.value, _PLACEHOLDER_BASE)) is not None
    )


def present_datasets(store: Store, base_uri: str) -> set[str]:
    """The datasets that have a version in the store, or were seeded once (even if deleted since)."""
    present = {d for g in store.graph_names() if (d := _dataset_id(g, base_uri)) is not None}
    rows = store.select(
        f"SELECT ?id WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{SEEDS_NODE}> <{SEEDED}> ?id }} }}", _SYSTEM
    )
    return present | {str(r["id"]) for r in rows}


def missing_seed_files(store: Store, base_uri: str, directory: Path = SEEDS_DIR) -> list[Path]:
    """The seed files none of whose datasets is present (:func:`present_datasets`)."""
    present = present_datasets(store, base_uri)
    return [path for path in seed_files(directory) if not (seed_datasets(path) & present)]


def load_seeds(
    store: Store,
    base_uri: str,
    directory: Path = SEEDS_DIR,
    *,
    validator: str = "fast",
    files: list[Path] | None = None,
) -> int:
    """Admit the seed files (``files``, default every one of ``directory``; relative IRIs resolved
    against ``base_uri``) through the gate, in one write, and note their datasets as seeded; returns
    the triples read. Raises :class:`~registry.ingest.base.IngestError` when a seed graph is already
    in the store or the seeds violate a shape (they never should)."""
    files = seed_files(directory) if files is None else files
    if not files:
        return 0
    read: list[int] = []

    def build(_next_version: NextVersion) -> ImportData:  # seed graphs name their versions
        result = read_paths(
            files,
            format="trig",
            base_uri=base_uri,
            dataset_id=None,
            publisher=None,
            settings=Settings(base_uri=base_uri),
        )
        read.append(result.read)
        return result.data

    def note(data: ImportData) -> None:  # written with the seeds, in the same transaction
        seeded = data.graph(SYSTEM_GRAPH)
        for dataset_id in sorted({d for path in files for d in seed_datasets(path)}):
            seeded.add((URIRef(SEEDS_NODE), URIRef(SEEDED), Literal(dataset_id)))

    verdict = admit(store, build, base_uri=base_uri, validator=validator, before_write=note)
    if not verdict.stored:
        raise IngestError(f"the seeds do not conform to the shapes:\n{verdict.report.to_text('en')}")
    return read[0]


def load_missing_seeds(store: Store, base_uri: str, directory: Path = SEEDS_DIR) -> int:
    """Load the seed files whose datasets are not in the store (:func:`missing_seed_files`), whatever
    else it holds; returns the triples read (0: nothing was missing)."""
    files = missing_seed_files(store, base_uri, directory)
    return load_seeds(store, base_uri, directory, files=files) if files else 0


# --- the sample data of a first run -------------------------------------------------------------

#: The base URI the prebuilt sample files are written with; replaced by the registry's on loading.
PREBUILT_BASE = "http://localhost:8080/"


@dataclass(frozen=True)
class Sample:
    """Real data a first run serves besides the seeds, as its own publishers and datasets."""

    name: str  #: the prebuilt file is ``registry/data/samples/{name}.nq.gz``
    title: str
    license: str  #: the licence of the collection (each dataset also names its own)
    attribution: str  #: ``dct:rights`` of each of its dataset versions
    citation: str  #: ``dct:bibliographicCitation`` of each of its dataset versions
    #: what to import (relative to the shared data folder) and how, for ``seeds/build_samples.py``
    paths: tuple[str, ...] = ()
    format: str | None = None

    @property
    def file(self) -> Path:
        return SAMPLES_DIR / f"{self.name}.nq.gz"

    def graphs(self, base_uri: str) -> set[str]:
        """The graphs of the prebuilt file (listed beside it, ``{name}.graphs.txt``, relative IRIs)."""
        listing = self.file.with_name(f"{self.name}.graphs.txt")
        if not listing.is_file():
            return set()
        return {
            base_uri + line.strip()
            for line in listing.read_text(encoding="utf-8").splitlines()
            if line.strip()
        }


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "tiangong",
        "TianGong LCA Data: 45 ILCD process datasets (sample)",
        "https://opensource.org/license/mit",
        "TianGong LCA Data, Copyright (c) 2023 linancn, MIT License; the process datasets say "
        '"Free of charge for all users and uses".',
        "linancn, TianGong-LCA-Data, https://github.com/linancn/TianGong-LCA-Data, commit a55b302 (2024-04-26).",
        tuple(
            f"tiangong/{d}"
            for d in ("processes", "flows", "flowproperties", "unitgroups", "sources", "contacts")
        ),
        "ilcd",
    ),
    Sample(
        "oefdb",
        "Open Emission Factors DB (Climatiq)",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "Open Emission Factors Database by Climatiq and its contributors, CC BY-SA 4.0; each factor cites "
        "its original publisher (BEIS, EPA, EXIOBASE, ADEME, UBA, MfE, ...).",
        "Climatiq, Open Emission Factors DB, https://github.com/climatiq/Open-Emission-Factors-DB, "
        "OpenEmissionFactorsDB.csv at 677c3be (2022-05-12).",
        ("oefdb/OpenEmissionFactorsDB.csv",),
        "oefdb-csv",
    ),
)

Progress = Callable[[int, int], None]


def attribute(data: ImportData, sample: Sample) -> None:
    """Give every dataset version record of ``data`` the sample's attribution and citation."""
    for graph in data.graphs():
        g = data.graph(str(graph.identifier))
        record = URIRef(str(graph.identifier))
        if (record, RDF.type, DCAT.Dataset) in g:
            g.add((record, DCT.rights, Literal(sample.attribution, lang="en")))
            g.add((record, DCT.bibliographicCitation, Literal(sample.citation)))


def build_sample(sample: Sample, shared: Path, out: Path | None = None) -> int:
    """Import ``sample`` from the shared data folder ``shared`` through the gate (the importers, SHACL
    validation, the reports kept) into a fresh in-memory store holding the seeds, and write its dataset
    graphs to ``out`` (default: its prebuilt file) as gzipped N-Quads; returns the factors."""
    store = open_store("memory:")
    ensure_base_uri(store, PREBUILT_BASE)
    load_seeds(store, PREBUILT_BASE)
    before = store.graph_names()
    settings = Settings(base_uri=PREBUILT_BASE)

    def build(next_version: NextVersion) -> ImportData:
        result = read_paths(
            [shared / p for p in sample.paths],
            format=sample.format,
            base_uri=PREBUILT_BASE,
            dataset_id=None,
            publisher=None,
            settings=settings,
            next_version=next_version,
        )
        attribute(result.data, sample)
        return result.data

    verdict = admit(store, build, base_uri=PREBUILT_BASE)
    if not verdict.stored:
        raise IngestError(f"the sample {sample.name} does not conform:\n{verdict.report.to_summary('en')}")
    graphs = sorted(store.graph_names() - before - {catalog_iri(PREBUILT_BASE)})
    target = out or sample.file
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    store.dump(buffer, "nquads", graphs=graphs)
    lines = sorted(buffer.getvalue().splitlines(keepends=True))
    with gzip.GzipFile(target, "wb", mtime=0) as fh:
        fh.writelines(lines)
    listing = target.with_name(f"{sample.name}.graphs.txt")
    listing.write_text("".join(g.removeprefix(PREBUILT_BASE) + "\n" for g in graphs), encoding="utf-8")
    return _factors(store, graphs)


def _factors(store: Store, graphs: list[str]) -> int:
    rows = store.select(
        f"SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {{ GRAPH ?g {{ ?f a <{EF.EmissionFactor}> }} "
        f"VALUES ?g {{ {' '.join(f'<{g}>' for g in graphs)} }} }}"
    )
    return int(rows[0]["n"]) if rows else 0


def read_sample(sample: Sample, base_uri: str) -> bytes:
    """The prebuilt N-Quads of ``sample`` with IRIs under ``base_uri``."""
    data = gzip.decompress(sample.file.read_bytes())
    if base_uri != PREBUILT_BASE:
        data = data.replace(b"<" + PREBUILT_BASE.encode(), b"<" + base_uri.encode())
    return data


#: Noted in the system graph while a sample is bulk loaded (no transaction): a note found at start
#: means an interrupted load, whose graphs are dropped and loaded again.
LOADING = "urn:efreg:first-run#loading"


def _note(store: Store, sample: str | None) -> None:
    """Note ``sample`` as being loaded (kept until the catalog is refreshed); ``None`` clears the notes."""
    if sample is None:
        store.update(f"DELETE WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{LOADING}> <{LOADING}> ?s }} }}")
    else:
        store.update(f'INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ <{LOADING}> <{LOADING}> "{sample}" }} }}')


def _interrupted(store: Store, base_uri: str) -> None:
    """Drop the graphs of a sample whose bulk load was interrupted (its note is still there)."""
    rows = store.select(f"SELECT ?s WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{LOADING}> <{LOADING}> ?s }} }}")
    for row in rows:
        for sample in SAMPLES:
            if sample.name == str(row["s"]):
                for graph in sample.graphs(base_uri) & store.graph_names():
                    store.drop_graph(graph)
    if rows:
        _note(store, None)


def load_samples(store: Store, base_uri: str, progress: Progress | None = None) -> list[str]:
    """Load the prebuilt samples whose graphs the store lacks (Oxigraph's bulk loader, the load noted
    so that an interrupted one is redone), then refresh the catalog, statistics and public read model
    once; returns the samples loaded. A sample whose file is missing (a package built without them)
    is left out."""
    tick = progress or (lambda _done, _total: None)
    _interrupted(store, base_uri)
    present = store.graph_names()
    todo = [s for s in SAMPLES if s.file.is_file()]
    loaded, graphs = [], []
    for i, sample in enumerate(todo):
        names = sample.graphs(base_uri)
        if not names or names & present:
            tick(i + 1, len(todo) + 1)
            continue  # already loaded (or a dataset of that name exists): never twice
        _note(store, sample.name)
        store.bulk_load(read_sample(sample, base_uri), "nquads")
        loaded.append(sample.name)
        graphs.extend(sorted(names))
        tick(i + 1, len(todo) + 1)
    if graphs:
        refresh_versions(store, base_uri, released=graphs)
        _note(store, None)
    tick(len(todo) + 1, len(todo) + 1)
    return loaded


def seed_graphs(base_uri: str, directory: Path = SEEDS_DIR) -> set[str]:
    """The graphs the seed files name (their ``<dataset/…/N> {`` blocks), resolved against ``base_uri``."""
    out: set[str] = set()
    for path in seed_files(directory):
        for match in re.finditer(r"^<([^>]+)> \{", path.read_text(encoding="utf-8"), flags=re.M):
            out.add(urljoin(base_uri, match.group(1)))
    return out


def first_run_only(store: Store, base_uri: str) -> bool:
    """Whether the store holds nothing but what a first run loads (the seeds, the samples): only
    then are missing samples loaded, so that a registry in use never gets them added unasked."""
    samples = set().union(*(s.graphs(base_uri) for s in SAMPLES))
    data = {g for g in store.graph_names() if g.startswith(base_uri + "dataset/")}
    return data <= seed_graphs(base_uri) | samples | {g + "/values" for g in samples}


def load_first_run(
    store: Store, base_uri: str, *, samples: bool = True, progress: Progress | None = None
) -> tuple[int, list[str]]:
    """The first run: the seed datasets the store lacks (:func:`load_missing_seeds`), then the
    sample data (:func:`load_samples`, unless ``samples`` is false) when the store holds nothing else
    (:func:`first_run_only`: an interrupted first run completes, a registry in use is left alone);
    returns the seed triples read and the samples loaded."""
    seeded = load_missing_seeds(store, base_uri)
    if progress is not None:
        progress(0, 1)
    loaded = load_samples(store, base_uri, progress) if samples and first_run_only(store, base_uri) else []
    return seeded, loaded
