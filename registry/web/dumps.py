"""Dumps: ``/dumps/`` lists them; ``/dumps/all.nq.gz`` (all public data) and
``/dumps/dataset/{id}/{version}.nq.gz`` (one dataset version) are gzipped N-Quads;
``/dumps/dataset/{id}/{version}.csv`` is a version's factors as CSV (one row per gas value).

A dump is streamed: the store writes N-Quads into a gzip stream on a worker thread, which hands
compressed chunks through a small bounded queue to the response; nothing holds the whole dump. The
ETag names the public data snapshot and the graphs, so it changes exactly when the content can.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import queue
import threading
from collections.abc import Iterator, Sequence

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import NotFound

from registry.publishing import access, freshness
from registry.search import dataset_factors
from registry.store import Store
from registry.void import Urls, dataset_graphs
from registry.web.callers import current_caller
from registry.web.context import get_settings, get_store
from registry.web.documents import readable, valid_path

bp = Blueprint("dumps", __name__)

CHUNK = 64 * 1024
QUEUE_CHUNKS = 16
_DONE = object()


class _Cancelled(Exception):
    """The client went away; the writer thread stops."""


class _QueueWriter(io.RawIOBase):
    """A binary file whose writes become items of a bounded queue (blocking when it is full)."""

    def __init__(self, chunks: queue.Queue[object], cancelled: threading.Event) -> None:
        self.chunks, self.cancelled = chunks, cancelled

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        data = bytes(b)
        while True:
            if self.cancelled.is_set():
                raise _Cancelled()
            try:
                self.chunks.put(data, timeout=0.5)
                return len(data)
            except queue.Full:
                continue


def stream_dump(store: Store, graphs: Sequence[str]) -> Iterator[bytes]:
    """Gzipped N-Quads of ``graphs``, produced while it is read."""
    chunks: queue.Queue[object] = queue.Queue(maxsize=QUEUE_CHUNKS)
    cancelled = threading.Event()

    def run() -> None:
        sink = io.BufferedWriter(_QueueWriter(chunks, cancelled), buffer_size=CHUNK)
        try:
            with gzip.GzipFile(fileobj=sink, mode="wb", mtime=0) as zipped:
                store.dump(zipped, "nquads", graphs=list(graphs))
            sink.flush()
            chunks.put(_DONE)
        except _Cancelled:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, re-raised there
            chunks.put(exc)

    worker = threading.Thread(target=run, name="efreg-dump", daemon=True)
    worker.start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        cancelled.set()


def etag(graphs: Sequence[str]) -> str:
    text = repr((freshness.depends_on(get_store()), tuple(graphs)))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def send_dump(graphs: Sequence[str], filename: str) -> Response:
    tag = etag(graphs)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
        response.set_etag(tag)
        return response
    body = stream_dump(get_store(), graphs) if request.method != "HEAD" else iter(())
    # A .gz file, not a compressed transfer: Content-Type application/gzip, no Content-Encoding.
    response = Response(body, mimetype="application/gzip", direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(tag)
    return response


@bp.get("/dumps/")
def index() -> Response:
    store = get_store()
    base = get_settings().base_uri
    graphs = access.public_graphs(store)
    counts = store.graphs()
    datasets = [
        (g[len(base) :], Urls(base).dataset_dump(g)[len(base) - 1 :], counts.get(g, 0))
        for g in dataset_graphs(graphs, base)
    ]
    total = sum(counts.get(g, 0) for g in graphs)
    return Response(render_template("dumps.html", datasets=datasets, total=total), mimetype="text/html")


@bp.get("/dumps/all.nq.gz")
def all_data() -> Response:
    return send_dump(access.public_graphs(get_store()), "efreg-all.nq.gz")


@bp.get("/dumps/dataset/<path:rest>.nq.gz")
def dataset(rest: str) -> Response:
    """One published dataset version; a commercial one with its values graph for a caller granted
    them (its token in ``Authorization``), without for everyone else."""
    base, store = get_settings().base_uri, get_store()
    graph = base + "dataset/" + rest
    if not valid_path(rest) or graph not in access.public_graphs(store):
        raise NotFound(f"There is no public dataset {rest[:100]!r} to dump.")
    graphs = [graph] + [graph + "/values"] * (graph + "/values" in readable(store))
    response = send_dump(graphs, "efreg-" + rest.replace("/", "-") + ".nq.gz")
    response.vary.add("Authorization")
    if current_caller() is not None:
        response.cache_control.private = True
    return response


CSV_COLUMNS = (
    "factor",
    "label_en",
    "label_zh",
    "kind",
    "gas_or_gwp_set",
    "value",
    "unit",
    "year",
    "geography",
)


@bp.get("/dumps/dataset/<path:rest>.csv")
def dataset_csv(rest: str) -> Response:
    """The factors of one public dataset version as CSV: one row per gas value (or CO2e value when the
    factor gives no gas), values in their published lexical form."""
    store, base = get_store(), get_settings().base_uri
    graph = base + "dataset/" + rest
    if not valid_path(rest) or graph not in access.public_graphs(store):
        raise NotFound(f"There is no public dataset {rest[:100]!r} to export.")
    public = readable(store)  # a granted caller's CSV carries the commercial values
    tag = etag([graph, "csv", *(g for g in public if g == graph + "/values")])
    if request.if_none_match.contains(tag):
        response = Response(status=304)
        response.set_etag(tag)
        return response
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    page, size = 1, 1000
    while True:
        found = dataset_factors(store, public, graph, page, size)
        for row in found.rows:
            for a in row.amounts or [None]:
                writer.writerow(
                    (
                        str(row.iri),
                        row.labels.get("en", ""),
                        row.labels.get("zh", ""),
                        a.kind if a else "",
                        str(a.what) if a else "",
                        a.value if a else "",
                        str(a.unit or "") if a else "",
                        row.year or "",
                        str(row.geo or ""),
                    )
                )
        if page >= found.pages:
            break
        page += 1
    response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv")
    response.vary.add("Authorization")
    if current_caller() is not None:
        response.cache_control.private = True
    response.headers["Content-Disposition"] = f'attachment; filename="efreg-{rest.replace("/", "-")}.csv"'
    response.set_etag(tag)
    return response
