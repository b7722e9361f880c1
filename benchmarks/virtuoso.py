"""A throwaway Virtuoso 7 (the Debian package's ``virtuoso-t``) for tests and benchmarks.

    with VirtuosoServer() as v:
        store = open_store(v.store_url)      # sparql+http://127.0.0.1:PORT/sparql?update=…&gsp=…
        v.sparql_url                          # http://127.0.0.1:PORT/sparql (read-only, anonymous)
        v.bulk_load(Path("data.nq"))          # ld_dir + rdf_loader_run() through isql

The server runs in a fresh temporary directory with a generated ``virtuoso.ini``: both ports on free
127.0.0.1 ports, ``DirsAllowed`` limited to that directory and small buffers (about 85 MB), so it fits
beside other work on a small machine. Exiting the context kills it and removes the directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import requests

from registry.store.base import StoreError

_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
ServerThreads = 64
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 100000000
MaxQueryMem = 256M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 48
MaxClientConnections = 48
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
MaxKeepAlives = 48
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
MaintenancePageRoot = {dir}
EnableRequestTrap = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[Replication]
ServerName = efreg
ServerEnable = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DeferInferenceRulesInit = 0
"""


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM this server when its parent dies, so a test run
    or benchmark killed outright (SIGKILL) leaves no Virtuoso behind. Elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class VirtuosoServer:
    """Start ``virtuoso-t +foreground`` on loopback in a temporary directory; stop and remove it on exit."""

    def __init__(
        self,
        *,
        binary: str = "virtuoso-t",
        isql: str = "isql-vt",
        buffers: int = 10000,
        dirty_buffers: int = 6000,
        startup_timeout: float = 90.0,
        password: str = "dba",
    ) -> None:
        self.binary, self.isql_binary = binary, isql
        self.buffers, self.dirty_buffers = buffers, dirty_buffers
        self.startup_timeout = startup_timeout
        self.password = password  # the fresh database's dba password (Virtuoso's default)
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.sql_port = 0
        self.http_port = 0

    @staticmethod
    def available(binary: str = "virtuoso-t", isql: str = "isql-vt") -> bool:
        """Whether ``virtuoso-t`` and ``isql-vt`` are installed."""
        return shutil.which(binary) is not None and shutil.which(isql) is not None

    # --- addresses -----------------------------------------------------------------------------
    @property
    def sparql_url(self) -> str:
        """The anonymous SPARQL endpoint (queries; updates too after the grant in ``start``)."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def store_url(self) -> str:
        """A ``sparql+http`` store URL using the digest-authenticated update and GSP endpoints as dba."""
        return (
            f"sparql+http://127.0.0.1:{self.http_port}/sparql?update=/sparql-auth"
            f"&gsp=/sparql-graph-crud-auth&user=dba&password={self.password}&auth=digest"
        )

    @property
    def log_path(self) -> Path:
        assert self.directory is not None
        return self.directory / "virtuoso.log"

    def log_tail(self, lines: int = 20) -> str:
        texts = []
        for name in ("virtuoso.log", "stdout.log"):
            path = self.directory / name if self.directory else None
            if path is not None and path.exists():
                texts.append("\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(texts)

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> VirtuosoServer:
        binary = shutil.which(self.binary)
        if binary is None:
            raise StoreError(
                f"{self.binary} is not installed (Debian: apt-get install virtuoso-opensource-7-bin)"
            )
        self.directory = Path(tempfile.mkdtemp(prefix="efreg-virtuoso-"))
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        ini = self.directory / "virtuoso.ini"
        ini.write_text(
            _INI.format(
                dir=self.directory,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=self.buffers,
                dirty_buffers=self.dirty_buffers,
            )
        )
        with open(self.directory / "stdout.log", "wb") as log:
            self.process = subprocess.Popen(
                [binary, "+foreground", "+configfile", str(ini)],
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_ready()
            # Let the anonymous endpoint update too (benchmarks); the store URL uses the auth ones.
            self.isql('grant SPARQL_UPDATE to "SPARQL";')
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StoreError(
                    f"virtuoso-t exited with status {self.process.returncode} while starting; "
                    f"log:\n{self.log_tail()}"
                )
            try:
                r = requests.get(self.sparql_url, params={"query": "ASK {}"}, timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise StoreError(
            f"virtuoso-t did not answer on {self.sparql_url} within "
            f"{self.startup_timeout:g} s; log:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- SQL -----------------------------------------------------------------------------------
    def isql(self, sql: str, timeout: float = 600.0) -> str:
        """Run SQL through ``isql-vt`` as dba; the output, or StoreError naming the failing statement."""
        isql = shutil.which(self.isql_binary)
        if isql is None:
            raise StoreError(f"{self.isql_binary} is not installed")
        try:
            done = subprocess.run(
                [isql, f"127.0.0.1:{self.sql_port}", "dba", self.password, f"exec={sql}"],
                capture_output=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise StoreError(f"isql did not finish within {timeout:g} s: {sql}") from None
        out = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        if done.returncode != 0 or "*** Error" in out:
            raise StoreError(f"isql failed ({done.returncode}) on {sql!r}:\n{out.strip()}")
        return out

    def open_to_anyone(self, graph: str) -> None:
        """Let the anonymous endpoint read ``graph`` (a partner's data in tests): efreg on this server
        sets every graph unreadable to ``nobody`` by default (:mod:`registry.store.virtuoso_access`)."""
        self.isql(
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0, 0); DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0, 1); "
            f"DB.DBA.RDF_GRAPH_USER_PERMS_SET('{graph}', 'nobody', 1);"
        )

    def bulk_load(self, nquads_path: Path | str, default_graph: str = "urn:efreg:bulk") -> None:
        """Bulk-load an N-Quads file (``.nq`` or ``.nq.gz``) with ``ld_dir`` + ``rdf_loader_run()``."""
        assert self.directory is not None, "start the server first"
        source = Path(nquads_path).resolve()
        if not source.is_file():
            raise StoreError(f"{source}: no such file")
        if not (source.name.endswith(".nq") or source.name.endswith(".nq.gz")):
            raise StoreError(f"{source}: bulk_load takes N-Quads files named *.nq or *.nq.gz")
        load_dir = Path(tempfile.mkdtemp(prefix="load-", dir=self.directory))
        target = load_dir / source.name
        try:
            os.link(source, target)  # DirsAllowed covers only the server's directory
        except OSError:
            shutil.copyfile(source, target)
        self.isql(f"ld_dir('{load_dir}', '{source.name}', '{default_graph}');")
        self.isql("rdf_loader_run();")
        self.isql("checkpoint;")
        out = self.isql(
            f"select ll_file, ll_error from DB.DBA.LOAD_LIST where ll_file like '{load_dir}/%' "
            "and ll_error is not null;"
        )
        if "0 Rows." not in out:
            raise StoreError(f"bulk load of {source} failed:\n{out.strip()}")
        target.unlink()
