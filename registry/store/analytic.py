"""The analytic replica of the public read model: the same graphs in DuckDB, column-wise.

Oxigraph reads a join or a group a row at a time (a RocksDB iterator per probe: ~4 µs a row), so
aggregates over the whole registry take seconds at 100k factors. This replica holds exactly the
graphs of the public read model (:mod:`registry.store.public_model`; nothing else, so it is as safe
to query for a public caller as the model) dictionary-encoded for an analytical engine:

* ``terms(id, key, nk, num, dbl)``: every RDF term once, ``key`` its N-Triples form (what a SPARQL
  text can hold again), ``nk`` its kind of number — 0 not a number, 1 an ``xsd:integer`` /
  ``xsd:decimal`` held exactly in ``num`` (DECIMAL(38,18)), 2 an ``xsd:double`` in ``dbl``, 9 a
  number this replica does not compare (other datatypes, forms or ranges: a query that compares one
  falls back to Oxigraph);
* ``numbers(id, m, integer)``: the exact numbers (``nk`` 1) again, narrow, for aggregates computed
  in SQL (:mod:`registry.query.analytic_numbers`): the i128 value Oxigraph holds (``m``, the number
  times 10^18) and whether an ``xsd:integer``;
* ``quads(g, s, p, o)``: term ids; ``t(s, p, o)``: the triples of the union default graph the
  public model answers with, ordered by predicate, each as many times as the engine's union holds
  it (:data:`PER_GRAPH`): Oxigraph 0.5 matches a triple once per graph holding it (COUNT, SUM and a
  SELECT without DISTINCT count it per graph), so ``t`` holds it once per graph too and an answer
  does not depend on which path evaluated it; an engine that answers with the RDF merge (one copy,
  as SPARQL defines it and Oxigraph does after oxigraph#1920) gets distinct triples.

It follows the model: :func:`registry.publishing.public_view.sync` hands it the graphs each sync
changed (:meth:`AnalyticReplica.follow`) and a background thread deletes and inserts their rows and
patches ``t`` (the triples no graph holds any more deleted, the new ones appended; sorted again once
a tenth of it was appended) in one transaction, tagged with the model's marker (:attr:`PublicModel.marker`). It is
used only while it equals the model of the store's current generation (:meth:`current`): behind,
queries run on Oxigraph. At start a replica whose marker differs from the model's is rebuilt (it
is derived data; a crash at any point leaves either the old or the new transaction)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pyoxigraph as ox

from registry.store.term_keys import ENDS, KEYS, TermKeys

FILE = "analytic.duckdb"
XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = ", ".join(
    f"'{XSD}{n}'"
    for n in (
        "integer decimal double float int long short byte nonNegativeInteger positiveInteger "
        "nonPositiveInteger negativeInteger unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
)
#: nk, num and dbl of a new term (see the module doc), from its key and datatype ``dt``.
_NUMBER_COLUMNS = rf"""
  CASE WHEN dt NOT IN ({_NUMERIC}) THEN 0
       WHEN dt = '{XSD}integer' AND regexp_full_match(lex, '[+-]?[0-9]+')
            AND TRY_CAST(lex AS BIGINT) IS NOT NULL THEN 1
       WHEN dt = '{XSD}decimal' AND regexp_full_match(lex, '[+-]?([0-9]+(\.[0-9]{{0,18}})?|\.[0-9]{{1,18}})')
            AND abs(TRY_CAST(lex AS DOUBLE)) < 1e20 THEN 1
       WHEN dt = '{XSD}double'
            AND regexp_full_match(lex, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|-?INF|NaN')
            THEN 2
       ELSE 9 END AS nk,
  CASE WHEN nk = 1 THEN CAST(lex AS DECIMAL(38,18)) END AS num,
  CASE WHEN nk = 2 THEN CAST(lex AS DOUBLE) END AS dbl"""
#: Graphs per batch of a load (each graph is dumped to a file, the batch read by DuckDB at once),
#: and the most N-Triples text a batch gathers (~1.7M quads).
BATCH = 200
BATCH_BYTES = 256 << 20
#: Most keys looked up in one statement (an ``IN`` list of parameters, answered from the index).
LOOKUP = 64
#: Keys read from DuckDB at a time into :attr:`AnalyticReplica.term_keys`.
KEYS_BATCH = 100_000
#: Most term ids and keys kept in memory each way.
CACHED = 200_000
ALL: None = None  #: ``changed`` of :meth:`AnalyticReplica.follow`: every graph


def _per_graph() -> bool:
    """Whether the engine's union default graph yields a triple once per named graph holding it
    (Oxigraph 0.5) rather than once (the RDF merge SPARQL defines the default graph of FROM clauses
    to be; Oxigraph after oxigraph#1920, Jena's union graph)."""
    probe, here = ox.Store(), ox.NamedNode("urn:x-efreg:probe")
    probe.extend(ox.Quad(here, here, here, ox.NamedNode(f"urn:x-efreg:g{n}")) for n in (1, 2))
    found = probe.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return int(next(iter(found))[0].value) == 2  # type: ignore[index, union-attr]


#: Whether ``t`` holds a triple once per graph holding it (see the module doc), probed at import.
PER_GRAPH = _per_graph()
#: The layout of ``t`` a replica file was made with: a file of another (an older release's
#: distinct ``t``, another engine's semantics) is rebuilt at its first catch-up.
LAYOUT = "t-per-graph-1" if PER_GRAPH else "t-merged-1"

_CANON = ox.Store()
_CANON_LOCK = threading.Lock()
_HERE = ox.NamedNode("urn:x-efreg:canonical")


def canonical(term: ox.NamedNode | ox.Literal) -> str:
    """The N-Triples key of ``term`` as a store holds it: Oxigraph keeps valid numbers, booleans and
    some dates in a canonical form (``"01"^^xsd:integer`` is stored, matched and read back as
    ``"1"``), so a query's constant is looked up in that form."""
    if isinstance(term, ox.NamedNode):
        return str(term)
    with _CANON_LOCK:
        _CANON.add(ox.Quad(_HERE, _HERE, term, _HERE))
        stored = next(iter(_CANON.quads_for_pattern(_HERE, _HERE, None, _HERE))).object
        _CANON.clear()
    return str(stored)


class AnalyticError(Exception):
    """The replica cannot answer (out of memory, a value it does not compare)."""


class AnalyticTimeout(AnalyticError):
    """The SQL ran past its time limit and was interrupted."""


SCHEMA = """
CREATE TABLE IF NOT EXISTS terms (id BIGINT, key VARCHAR, nk TINYINT, num DECIMAL(38,18), dbl DOUBLE);
CREATE TABLE IF NOT EXISTS quads (g BIGINT, s BIGINT, p BIGINT, o BIGINT);
CREATE TABLE IF NOT EXISTS t (s BIGINT, p BIGINT, o BIGINT);
CREATE TABLE IF NOT EXISTS meta (marker VARCHAR);
CREATE TABLE IF NOT EXISTS layout (name VARCHAR);
CREATE TABLE IF NOT EXISTS unsorted (n BIGINT);
CREATE TABLE IF NOT EXISTS numbers (id BIGINT, m HUGEINT, integer BOOLEAN);
"""
#: The dictionary's index by key: a query's constants are looked up by key (:meth:`AnalyticReplica.
#: ids`), which without it scans every key (1M factors: 7M terms, 0.5–0.9 s a look-up; with it ~1 ms).
#: Made after the first load (cheaper than kept up during it); terms are never deleted.
INDEX = "CREATE INDEX IF NOT EXISTS terms_key ON terms (key)"
_INDEXED = "table_name = 'terms' AND index_name = 'terms_key'"
#: ``numbers`` rows of the exact numbers among the terms after id ``?``: ``m`` the value times
#: 10^18 (Oxigraph's i128 decimal), ``integer`` whether an xsd:integer.
_NUMBERS = (
    "INSERT INTO numbers SELECT id, CAST(trunc(num) AS HUGEINT) * 1000000000000000000 "
    "+ CAST((num - trunc(num)) * CAST(1000000000000000000 AS DECIMAL(19,0)) AS HUGEINT), "
    "key LIKE '%#integer>' FROM terms WHERE nk = 1 AND id > ?"
)
#: Share of ``t``'s rows appended by catch-ups since it was last sorted above which a catch-up sorts
#: it again (a sort costs the whole table; appended rows cost the scans of every query a little).
RESORT = 0.1


def _sort_union(cur: duckdb.DuckDBPyConnection) -> None:
    """``t`` made anew from ``quads``: the union's triples (:data:`PER_GRAPH`: once per graph),
    ordered by predicate (each pattern's scan reads only the row groups of its predicate)."""
    distinct = "" if PER_GRAPH else "DISTINCT "
    cur.execute(f"CREATE OR REPLACE TABLE t AS SELECT {distinct}s, p, o FROM quads ORDER BY p, s")
    cur.execute("DELETE FROM unsorted; INSERT INTO unsorted VALUES (0)")
    cur.execute("DELETE FROM layout; INSERT INTO layout VALUES (?)", [LAYOUT])


def _changed_graphs(cur: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE gids AS SELECT id FROM terms WHERE key IN (SELECT unnest(?))", [keys]
    )


def _patch_union(cur: duckdb.DuckDBPyConnection) -> None:
    """``t`` brought up to date after the rows of the graphs ``gids`` were replaced (their earlier
    distinct triples in ``old``): for each triple of ``old`` or of those graphs now, the copies
    ``t`` should hold (the graphs of ``quads`` holding it; one under the RDF merge, none once no
    graph does) against those it holds: the missing copies appended, or where it holds too many
    its rows deleted and the right number appended. Work in
    proportion to the changed graphs (hash tables of their triples, one scan of ``quads`` and
    ``t``); once the appended rows pass :data:`RESORT` of the table, ``t`` is sorted again."""
    copies = "count(*)" if PER_GRAPH else "1"
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE touched AS SELECT s, p, o FROM old UNION "
        "SELECT s, p, o FROM quads SEMI JOIN gids ON g = gids.id"
    )
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE want AS "
        f"SELECT s, p, o, {copies} AS n FROM quads SEMI JOIN touched USING (s, p, o) GROUP BY s, p, o"
    )
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE have AS "
        "SELECT s, p, o, count(*) AS n FROM t SEMI JOIN touched USING (s, p, o) GROUP BY s, p, o"
    )
    cur.execute(  # cut: too many copies, all deleted; n: the copies then appended
        "CREATE OR REPLACE TEMP TABLE moved AS SELECT s, p, o, w < h AS cut, "
        "CASE WHEN w < h THEN w ELSE w - h END AS n FROM (SELECT s, p, o, coalesce(want.n, 0) AS w, "
        "coalesce(have.n, 0) AS h FROM want FULL JOIN have USING (s, p, o)) WHERE w <> h"
    )
    cur.execute(
        "DELETE FROM t USING moved WHERE moved.cut AND t.s = moved.s AND t.p = moved.p AND t.o = moved.o"
    )
    cur.execute(
        "INSERT INTO t SELECT s, p, o FROM (SELECT s, p, o, unnest(range(n)) FROM moved) ORDER BY p, s"
    )
    appended = (cur.execute("SELECT coalesce(sum(n), 0) FROM unsorted").fetchone() or (0,))[0]
    appended += (cur.execute("SELECT coalesce(sum(n), 0) FROM moved").fetchone() or (0,))[0]
    total = (cur.execute("SELECT count(*) FROM t").fetchone() or (0,))[0]
    if appended > RESORT * total:
        _sort_union(cur)
    else:
        cur.execute("DELETE FROM unsorted; INSERT INTO unsorted VALUES (?)", [appended])
    cur.execute(
        "DROP TABLE old; DROP TABLE touched; DROP TABLE want; DROP TABLE have; DROP TABLE moved; DROP TABLE gids"
    )


class AnalyticReplica:
    """The DuckDB replica of one store's public read model (see the module doc). ``model`` gives
    the model's current ``pyoxigraph.Store``; ``background=False`` catches up in :meth:`follow`
    itself (tests, tools)."""

    def __init__(
        self,
        path: str | None,
        model: Callable[[], ox.Store | None],
        background: bool = True,
        memory_limit: str = "1GB",
        threads: int = 2,
    ) -> None:
        self.path = None if path is None else str(Path(path) / FILE)
        self._model = model
        self.background = background
        try:
            self.con = duckdb.connect(self.path or ":memory:")
        except duckdb.Error:  # an unreadable file: derived data, made anew
            Path(self.path or "").unlink(missing_ok=True)
            self.con = duckdb.connect(self.path or ":memory:")
        self.con.execute(f"SET memory_limit='{memory_limit}'; SET threads={int(threads)}")
        self.con.execute(SCHEMA)
        if not self.con.execute("SELECT count(*) FROM numbers").fetchone()[0]:  # type: ignore[index]
            self.con.execute(_NUMBERS, [-1])  # a replica made before the table: from its terms
        row = self.con.execute("SELECT marker FROM meta").fetchone()
        layout = self.con.execute("SELECT name FROM layout").fetchone()
        #: the model marker the replica's committed content equals ("" for none; a file of another
        #: layout of ``t`` (:data:`LAYOUT`) equals none: rebuilt)
        self.marker: str = row[0] if row and layout and layout[0] == LAYOUT else ""
        #: the store generation at which it equals the model (``None``: not known in this process)
        self.generation: int | None = None
        self._expect, self._pending, self._target = self.marker, set[str](), (None, "")
        self._rebuild = False
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self.last_seconds = 0.0  #: duration of the last catch-up
        #: catch up in the background after each change (set by the first query that wants it)
        self.wanted = False
        #: whether the dictionary's index exists (a replica made before it had none: made in the background)
        self._indexed = bool(
            self.con.execute(f"SELECT count(*) FROM duckdb_indexes() WHERE {_INDEXED}").fetchone()[0]
        )  # type: ignore[index]
        self._key_ids: dict[str, int] = {}
        self._id_keys: dict[int, str] = {}
        #: the dictionary by id in files (:mod:`registry.store.term_keys`), filled in the background
        self.term_keys = TermKeys(None if self.path is None else str(Path(self.path).parent))
        self.term_keys.check(self._key_of)
        self._keys_filled = False
        self.closed = False

    # --- following the model ----------------------------------------------------------------
    def follow(self, changed: Iterable[str] | None, generation: int, before: str, after: str) -> None:
        """The model went from marker ``before`` to ``after`` (the store is now at ``generation``),
        changing the graphs ``changed`` (:data:`ALL`: any). Catches up in the background."""
        with self._lock:
            if changed is None or before != self._expect or not before:
                self._rebuild = True
            else:
                self._pending.update(changed)
            self._expect, self._target = after, (generation, after)
            if not self._rebuild and not self._pending and self.marker == after:
                self.generation = generation
                return
            self.generation = None
            if not self.background:
                self._catch_up()
            elif self.wanted:
                self._start()

    def want(self) -> None:
        """A query would have used the replica: from now on it catches up after every change (until
        then a store nobody asks aggregates of — most stores in tests, a command-line tool — does
        no work for it)."""
        with self._lock:
            self.wanted = True
            if self._pending or self._rebuild or not self._indexed or not self._keys_filled:
                self._start()

    def _start(self) -> None:
        if self._thread is None and not self.closed:
            self._thread = threading.Thread(target=self._run, name="efreg-analytic", daemon=True)
            self._thread.start()

    def current(self, generation: int | None) -> bool:
        """Whether the replica equals the public model of the store at ``generation``."""
        return not self.closed and generation is not None and self.generation == generation

    def wait(self, timeout: float = 60.0) -> bool:
        """Catch up now and wait until nothing is pending; whether it finished in ``timeout`` s."""
        self.want()
        end = time.monotonic() + timeout
        with self._lock:
            while (
                self._pending
                or self._rebuild
                or self._busy
                or not (self._indexed and self._keys_filled or self.closed)
            ):
                if not self._lock.wait(max(0.0, end - time.monotonic())) and time.monotonic() >= end:
                    return False
        return True

    _busy = False

    def _run(self) -> None:
        """The background thread: catches up until nothing is pending, then ends."""
        with self._lock:
            if not (self._indexed and self._keys_filled) and not self.closed:
                self._index()
            while not self.closed and (self._pending or self._rebuild):
                self._catch_up()
            self._thread = None

    def _index(self) -> None:
        """With the lock held: the dictionary's index (a replica built before it) and its keys by
        id (:attr:`term_keys`) made outside it."""
        self._busy = True
        self._lock.release()
        try:
            cur = self.con.cursor()
            try:
                if not self._indexed:
                    cur.execute(INDEX)
            finally:
                cur.close()
            self._fill_keys()
        except (duckdb.Error, OSError):
            pass  # look-ups scan the dictionary; tried again at the next start
        finally:
            self._lock.acquire()
            self._busy = False
            self._indexed = self._keys_filled = True
            self._lock.notify_all()

    def _fill_keys(self) -> None:
        """:attr:`term_keys` brought up to the dictionary's last id (in batches; stops where ids are
        not dense: those keys are then looked up in DuckDB)."""
        cur = self.con.cursor()
        try:
            first = len(self.term_keys)
            cur.execute("SELECT id, key FROM terms WHERE id >= ? ORDER BY id", [first])
            while rows := cur.fetchmany(KEYS_BATCH):
                if rows[0][0] != first or rows[-1][0] != first + len(rows) - 1:
                    return
                if not self.term_keys.append(first, (str(r[1]) for r in rows)):
                    return
                first += len(rows)
        finally:
            cur.close()

    def _key_of(self, i: int) -> str | None:
        row = self.con.execute("SELECT key FROM terms WHERE id = ?", [i]).fetchone()
        return None if row is None else str(row[0])

    def _catch_up(self) -> None:
        """With the lock held: take what is pending and apply it outside the lock."""
        rebuild, graphs, marker = self._rebuild, self._pending, self._target[1]
        self._rebuild, self._pending, self._busy = False, set(), True
        self._lock.release()
        ok = False
        try:
            started = time.perf_counter()
            model = self._model()
            if model is not None:
                self._apply(model, None if rebuild else graphs, marker)
                ok = True
                with contextlib.suppress(duckdb.Error, OSError):  # else DuckDB answers them
                    self._fill_keys()  # the new terms' keys, after the commit
            self.last_seconds = time.perf_counter() - started
        except (duckdb.Error, OSError):
            ok = False
        finally:
            self._lock.acquire()
            self._busy = False
            if ok:
                self.marker = marker
                if not self._pending and not self._rebuild and self._target[1] == marker:
                    self.generation = self._target[0]  # the model has not changed since
            elif not self.closed:
                self._rebuild = True  # start again from nothing at the next follow
                self._expect = ""
            self._lock.notify_all()

    def _apply(self, model: ox.Store, graphs: set[str] | None, marker: str) -> None:
        """One transaction: the rows of ``graphs`` (``None``: all) replaced by the model's."""
        cur = self.con.cursor()
        work = Path(tempfile.mkdtemp(prefix="efreg-analytic-"))
        try:
            cur.execute("BEGIN TRANSACTION")
            if graphs is None:  # the dictionary stays: a term's id never changes (ids() caches them)
                cur.execute("DELETE FROM quads")
                names = [g.value for g in model.named_graphs() if isinstance(g, ox.NamedNode)]
                self._load(cur, model, names, work)
                _sort_union(cur)
            else:
                keys = [str(ox.NamedNode(g)) for g in graphs]
                _changed_graphs(cur, keys)
                cur.execute(
                    "CREATE OR REPLACE TEMP TABLE old AS SELECT DISTINCT s, p, o FROM quads SEMI JOIN gids ON g = gids.id"
                )
                cur.execute("DELETE FROM quads WHERE g IN (SELECT id FROM gids)")
                present = {g.value for g in model.named_graphs() if isinstance(g, ox.NamedNode)}
                names = sorted(g for g in graphs if g in present)
                self._load(cur, model, names, work)
                _changed_graphs(cur, keys)  # graphs new to the replica have ids now
                _patch_union(cur)
            cur.execute(INDEX)  # after the first load: 7M keys at 1M factors, ~20 s once
            self._indexed = True
            cur.execute("DELETE FROM meta; INSERT INTO meta VALUES (?)", [marker])
            cur.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()
            shutil.rmtree(work, ignore_errors=True)

    @classmethod
    def _load(cls, cur: duckdb.DuckDBPyConnection, model: ox.Store, graphs: list[str], work: Path) -> None:
        """Dictionary-encode ``graphs`` of ``model`` into ``terms`` and ``quads`` (new terms get new
        ids): each graph dumped as N-Triples by Oxigraph, split and encoded by DuckDB in batches of
        at most :data:`BATCH` graphs and about :data:`BATCH_BYTES` of text (memory bounded by the
        batch, not by the registry; the disk by one batch's files)."""
        files: list[tuple[str, str]] = []
        size = 0
        for n, graph in enumerate(graphs):
            path = work / f"g{n}.nt"
            model.dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
            if path.stat().st_size:
                files.append((str(path), str(ox.NamedNode(graph))))
                size += path.stat().st_size
            if files and (len(files) >= BATCH or size >= BATCH_BYTES or n == len(graphs) - 1):
                cls._encode(cur, files)
                for f, _ in files:
                    Path(f).unlink(missing_ok=True)
                files, size = [], 0

    @staticmethod
    def _encode(cur: duckdb.DuckDBPyConnection, files: list[tuple[str, str]]) -> None:
        """The quads of the N-Triples ``files`` (path, graph key) into ``terms`` and ``quads``."""
        cur.execute("CREATE OR REPLACE TEMP TABLE files (f VARCHAR, g VARCHAR)")
        cur.executemany("INSERT INTO files VALUES (?, ?)", files)
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE sq AS SELECT g, s, p, "
            "substr(line, length(s) + length(p) + 3, length(line) - length(s) - length(p) - 4) AS o "
            "FROM (SELECT files.g, line, split_part(line, ' ', 1) AS s, split_part(line, ' ', 2) AS p "
            "FROM read_csv(?, columns={'line': 'VARCHAR'}, delim='\x1f', quote='', escape='', "
            "header=false, auto_detect=false, filename=true) r JOIN files ON files.f = r.filename)",
            [[f for f, _ in files]],
        )
        last = (cur.execute("SELECT coalesce(max(id), -1) FROM terms").fetchone() or (-1,))[0]
        cur.execute(
            "INSERT INTO terms WITH k AS (SELECT DISTINCT key FROM (SELECT g AS key FROM sq UNION ALL "
            "SELECT s FROM sq UNION ALL SELECT p FROM sq UNION ALL SELECT o FROM sq) ANTI JOIN terms USING (key)), "
            "d AS (SELECT key, CASE WHEN key LIKE '\"%>' THEN regexp_extract(key, '\"\\^\\^<([^<>\"]*)>$', 1) "
            "ELSE '' END AS dt FROM k) "
            "SELECT (SELECT coalesce(max(id), -1) FROM terms) + row_number() OVER (), key, nk, num, dbl "
            "FROM (SELECT key, dt, substr(key, 2, length(key) - length(dt) - 6) AS lex, "
            f"{_NUMBER_COLUMNS} FROM d)"
        )
        cur.execute(_NUMBERS, [last])
        cur.execute(
            "INSERT INTO quads SELECT tg.id, ts.id, tp.id, tv.id FROM sq JOIN terms tg ON tg.key = sq.g "
            "JOIN terms ts ON ts.key = sq.s JOIN terms tp ON tp.key = sq.p JOIN terms tv ON tv.key = sq.o"
        )
        cur.execute("DROP TABLE sq; DROP TABLE files")

    # --- reading ---------------------------------------------------------------------------
    def query(self, sql: str, params: list[object], timeout: float) -> list[tuple[object, ...]]:
        """Rows of ``sql``, stopped (:class:`AnalyticError`) after ``timeout`` seconds."""
        cur = self.con.cursor()
        timer = threading.Timer(timeout, cur.interrupt)
        timer.start()
        try:
            return cur.execute(sql, params).fetchall()
        except duckdb.InterruptException:
            raise AnalyticTimeout(f"interrupted after {timeout:g} s") from None
        except duckdb.Error as exc:
            raise AnalyticError(str(exc)) from None
        finally:
            timer.cancel()
            cur.close()

    def ids(self, keys: list[str], timeout: float) -> dict[str, int]:
        """The ids of the terms of ``keys`` that the dictionary holds (ids never change: cached)."""
        missing = list(dict.fromkeys(k for k in keys if k not in self._key_ids))
        found: list[tuple[object, ...]] = []
        for at in range(0, len(missing), LOOKUP):  # constants in the text: the index answers them
            part = missing[at : at + LOOKUP]
            marks = ", ".join("?" * len(part))
            found += self.query(f"SELECT key, id FROM terms WHERE key IN ({marks})", part, timeout)
        if missing:
            if len(self._key_ids) > CACHED:
                self._key_ids.clear()
            self._key_ids.update((str(k), int(i)) for k, i in found)
        return {k: self._key_ids[k] for k in keys if k in self._key_ids}

    def keys(self, ids: list[int], timeout: float) -> dict[int, str]:
        """The N-Triples keys of the terms ``ids``: from :attr:`term_keys`, else DuckDB's dictionary."""
        held = self.term_keys.get(ids)
        if len(held) == len(ids):
            return held
        missing = [i for i in ids if i not in self._id_keys and i not in held]
        if missing:
            found = self.query("SELECT id, key FROM terms WHERE id IN (SELECT unnest(?))", [missing], timeout)
            if len(self._id_keys) > CACHED:
                self._id_keys.clear()
            self._id_keys.update((int(i), str(k)) for i, k in found)
        return {i: held[i] if i in held else self._id_keys[i] for i in ids}

    def disk_bytes(self) -> int:
        """Bytes of the replica's file (and its write-ahead log); 0 in memory."""
        if self.path is None:
            return 0
        folder = Path(self.path).parent
        return sum(
            p.stat().st_size for p in [*folder.glob(FILE + "*"), folder / KEYS, folder / ENDS] if p.exists()
        )

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self.generation = None
            self._lock.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=60)
        self.term_keys.close()
        with contextlib.suppress(duckdb.Error):
            self.con.close()
