"""efreg on Virtuoso against the same Virtuoso queried directly (issue 19).

    python -m benchmarks.on_virtuoso --factors 100000 [--repeat 7] [--deref-seconds 10]

One throwaway Virtuoso holds the generated data (``benchmarks.generate``, bulk-loaded) and the
registry's records (base URI, catalog: ``refresh_versions`` through the remote store). ``efreg serve
--store sparql+http://…`` runs as its own process on it. The query mix (``benchmarks.queries``) goes,
interleaved per round, to efreg's ``/sparql`` (an anonymous caller: efreg runs the query as the
Virtuoso user of the public graphs' level, with no dataset) and to Virtuoso's own endpoint as its admin
(no dataset, no access check): the ratio is efreg's overhead on top of its store, measured side by
side. When efreg has made exactly one access level, the mix also goes to Virtuoso as that level's
user (no dataset, as efreg sends it): ``level / admin`` is Virtuoso's graph-permission check,
``efreg / level`` efreg's own share. Every answer is evaluated (a comment per round), so efreg's
kept answers do not count. Every query goes on a connection of its own, to each system (Virtuoso's
Nagle stall on kept-alive connections: ``registry.store.remote``, "Connections").
Then requests/s of factor documents with one and with two ``efreg serve`` processes on the store.
Results: ``benchmarks/out/on_virtuoso.json`` and a Markdown table on standard output.

Every wait is bounded: each query (300 s) and document request (30 s), each server start (120 s),
the bulk load (isql, 600 s) and the whole run (``--max-minutes``, default 90: then every thread's
stack is printed and the run exits, so a stuck run says where it was stuck).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from requests.auth import HTTPDigestAuth

from benchmarks.generate import Sizes, generate
from benchmarks.queries import MIX
from benchmarks.run import BASE, OUT, dereference, run_mix, summarize
from benchmarks.virtuoso import VirtuosoServer, free_port
from registry.publishing.catalog import refresh_versions
from registry.store import open_store
from registry.store.meta import ensure_base_uri
from registry.store.virtuoso_access import LEVEL_PREFIX, level_password


def serve(store_url: str, threads: int = 8) -> tuple[subprocess.Popen, str]:
    port = free_port()
    efreg = shutil.which("efreg", path=str(Path(sys.executable).parent)) or "efreg"
    env = {**os.environ, "EFREG_BASE_URI": BASE, "EFREG_QUERY_TIMEOUT": "120"}
    proc = subprocess.Popen(
        # the store's HTTP timeout above efreg's query timeout (120 s here): else a query Virtuoso
        # needs more than the default 30 s for is a 503 from efreg and not a measurement
        [
            efreg,
            "serve",
            "--no-seeds",
            "--port",
            str(port),
            "--workers",
            str(threads),
            "--store",
            store_url + "&timeout=130",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=tempfile.TemporaryFile(),
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"efreg serve exited {proc.returncode}")
        try:
            if requests.get(url + "sparql", params={"query": "ASK {}"}, timeout=5).ok:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("efreg serve did not answer within 120 s")


def direct_endpoint(v: VirtuosoServer) -> str:
    """Virtuoso's authenticated endpoint (its admin reads every graph, no access check)."""
    return f"http://127.0.0.1:{v.http_port}/sparql-auth"


#: the level user's endpoint: Virtuoso's authenticated one, marked so that the benchmark's client
#: authenticates as that user there (Virtuoso ignores the parameter)
LEVEL_MARK = "?efreg-level=public"


def public_level(v: VirtuosoServer) -> tuple[str, str] | None:
    """The Virtuoso user efreg runs an anonymous caller's queries as, and its password (derived as
    efreg derives it): the one ``efreg_g_`` user once efreg has answered an anonymous query."""
    out = v.isql(f"select U_NAME from DB.DBA.SYS_USERS where U_NAME like '{LEVEL_PREFIX}%';")
    users = sorted({word for word in out.split() if word.startswith(LEVEL_PREFIX)})
    if len(users) != 1:
        return None
    return users[0], level_password(f"dba:{v.password}", users[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deref-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--virtuoso-buffers", type=int, default=170000)
    parser.add_argument("--max-minutes", type=float, default=90.0)
    args = parser.parse_args(argv)
    faulthandler.dump_traceback_later(args.max_minutes * 60, exit=True)
    sizes = Sizes(factors=args.factors)
    result: dict = {
        "factors": args.factors,
        "load_average_at_start": os.getloadavg(),
        "command": " ".join(["python -m benchmarks.on_virtuoso", *(argv or sys.argv[1:])]),
    }
    with tempfile.TemporaryDirectory(prefix="efreg-onv-") as tmp:
        data = Path(tmp) / "data.nq"
        with data.open("wb") as fh:
            result["quads"] = generate(fh, sizes, args.seed, BASE)
        with VirtuosoServer(buffers=args.virtuoso_buffers, dirty_buffers=args.virtuoso_buffers * 3 // 4) as v:
            started = time.perf_counter()
            v.bulk_load(data)
            result["bulk_load_s"] = time.perf_counter() - started
            store = open_store(v.store_url)
            started = time.perf_counter()
            ensure_base_uri(store, BASE)
            refresh_versions(store, BASE)
            result["catalog_refresh_s"] = time.perf_counter() - started
            store.close()
            print(f"[{args.factors}] loaded {result['quads']} quads", file=sys.stderr)
            proc, url = serve(v.store_url)
            procs = [proc]
            try:
                # run_mix posts with a plain session: let it authenticate to Virtuoso as the admin
                original = requests.Session.__init__

                direct = direct_endpoint(v)
                level = public_level(v)
                admin_auth = HTTPDigestAuth("dba", v.password)
                level_auth = HTTPDigestAuth(*level) if level is not None else None

                def only_virtuoso(r: requests.PreparedRequest) -> requests.PreparedRequest:
                    if level_auth is not None and str(r.url).endswith(LEVEL_MARK):
                        return level_auth(r)
                    return admin_auth(r) if str(r.url).startswith(direct) else r

                def with_auth(self: requests.Session) -> None:
                    original(self)
                    self.auth = only_virtuoso
                    # a connection per query for every system, as run_mix's default: on a kept-alive
                    # one Virtuoso's answers of 35-120 KB wait ~40 ms for the client's delayed ACK
                    self.headers["Connection"] = "close"

                requests.Session.__init__ = with_auth  # type: ignore[method-assign]
                try:
                    endpoints = {"efreg": url + "sparql", "virtuoso": direct}
                    if level is not None:  # the same queries as efreg's level user, with no dataset
                        endpoints["level"] = direct + LEVEL_MARK
                    rows: dict = {}
                    times = run_mix(
                        endpoints,
                        sizes,
                        args.repeat,
                        args.seed,
                        rows,
                        evaluate=True,
                        queries=MIX,
                        keep_alive=True,  # requests' sessions carry the digest authentication above
                        # (sent up front from the second request on); every request still goes on a
                        # connection of its own (``Connection: close`` above)
                    )
                finally:
                    requests.Session.__init__ = original  # type: ignore[method-assign]
                result["queries_evaluated"] = summary = summarize(times)
                for name, row in summary.items():  # Virtuoso's access check, and efreg on top of it
                    if not name.startswith("_") and "level" in row:
                        row["level_ratio"] = row["level"]["median_ms"] / row["virtuoso"]["median_ms"]
                        row["efreg_over_level"] = row["efreg"]["median_ms"] / row["level"]["median_ms"]
                for key in ("level_ratio", "efreg_over_level"):
                    found = [row[key] for row in summary.values() if isinstance(row, dict) and key in row]
                    if found:
                        summary[f"_geomean_{key}"] = math.exp(sum(map(math.log, found)) / len(found))
                result["rows"] = rows
                print(f"[{args.factors}] dereferencing, one process", file=sys.stderr)
                result["deref_one"] = dereference(
                    url, sizes, args.deref_seconds, args.concurrency, args.seed, warm=True
                )
                proc2, url2 = serve(v.store_url)
                procs.append(proc2)
                print(f"[{args.factors}] dereferencing, two processes", file=sys.stderr)
                both: dict[str, dict] = {}

                def load(name: str, target: str) -> None:
                    both[name] = dereference(
                        target,
                        sizes,
                        args.deref_seconds,
                        args.concurrency // 2,
                        args.seed,
                        processes=1,
                        warm=True,
                    )

                threads = [threading.Thread(target=load, args=(n, u)) for n, u in (("a", url), ("b", url2))]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                result["deref_two"] = both
                result["deref_two_req_per_s"] = sum(d["req_per_s"] for d in both.values())
            finally:
                for p in procs:
                    p.terminate()
                    p.wait(timeout=30)
    result["load_average_at_end"] = os.getloadavg()
    faulthandler.cancel_dump_traceback_later()
    OUT.mkdir(exist_ok=True)
    (OUT / f"on_virtuoso_{args.factors}.json").write_text(json.dumps(result, indent=2))
    q = result["queries_evaluated"]
    print(
        "| query | efreg ms | Virtuoso ms | ratio | level user ms | level / admin | efreg / level "
        "| rows efreg / Virtuoso / level |\n|---|---|---|---|---|---|---|---|"
    )
    for name, row in q.items():
        if name.startswith("_"):
            continue
        r = result["rows"].get(name, {})
        lv = row.get("level", {}).get("median_ms", float("nan"))
        print(
            f"| {name} | {row['efreg']['median_ms']:.1f} | {row['virtuoso']['median_ms']:.1f} | {row['ratio']:.2f} "
            f"| {lv:.1f} | {row.get('level_ratio', float('nan')):.2f} | {row.get('efreg_over_level', float('nan')):.2f} "
            f"| {r.get('efreg', '–')} / {r.get('virtuoso', '–')} / {r.get('level', '–')} |"
        )
    print(f"\ngeometric mean of the ratios: {q.get('_geomean_ratio', float('nan')):.2f}")
    print(
        f"geometric means: level user / admin {q.get('_geomean_level_ratio', float('nan')):.2f}, "
        f"efreg / level user {q.get('_geomean_efreg_over_level', float('nan')):.2f}"
    )
    print(f"load average: start {result['load_average_at_start']}, end {result['load_average_at_end']}")
    print(
        f"documents/s: one process {result['deref_one']['req_per_s']:.0f}, "
        f"two processes {result['deref_two_req_per_s']:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
