"""The SPARQL endpoint as a domain object: check, restrict, limit and run queries and updates.

The web view parses the HTTP request into plain values, calls :meth:`Endpoint.prepare_query` /
:meth:`Endpoint.run_query` / :meth:`Endpoint.update`, negotiates and writes the answer.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from registry.config import Settings
from registry.federation.allowlist import Allowlist, FederationRefused
from registry.federation.service import inline_services
from registry.publishing import access, freshness, public_view
from registry.publishing.tokens import Caller
from registry.query import analytic, labels, limits, planner, statistics, worker
from registry.query.answers import AnswerCache
from registry.query.dataset import restrict
from registry.query.inspect import QueryForm, RequestInfo, inspect_query, inspect_update
from registry.query.rewrite import add_using, describe_parts, mentions_service, with_base
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import PublicDataset, QueryDataset, QueryTimeout, Store, StoreError
from registry.store.analytic import AnalyticError, AnalyticTimeout
from registry.store.meta import VIEW_ALL

UPDATE_ROLES = frozenset({"admin"})
#: Renewing kept answers at the end of a release (:meth:`Endpoint.renew`): those given in the last
#: RENEW_WINDOW seconds (evaluated in at most RENEW_SLOWEST), at most RENEW_MOST of them, for at
#: most RENEW_SECONDS, RENEW_THREADS at a time.
RENEW_WINDOW = 120.0
RENEW_MOST = 512
RENEW_SECONDS = 10.0
RENEW_THREADS = 2
#: An answer whose evaluation took longer than this is left to its next reader (not renewed).
RENEW_SLOWEST = 2.0
RULE_LIMITS = "https://www.w3.org/TR/sparql11-protocol/#query-failure"
#: The share of the time limit (at least ANALYTIC_FLOOR seconds) a query's first stage on the
#: analytic replica may take before the query runs on Oxigraph instead.
ANALYTIC_SHARE = 0.25
ANALYTIC_FLOOR = 2.0


class EndpointBusy(StoreError):
    """Every query slot is taken (503)."""


class UpdateRefused(StoreError):
    """An update that would reach the system graph or read graphs it did not name (403)."""


class DatasetConflict(StoreError):
    """using-graph-uri / using-named-graph-uri together with USING or WITH in the update (400)."""


@dataclass
class PreparedQuery:
    text: str  #: with the service-defined BASE
    form: QueryForm
    dataset: QueryDataset
    info: RequestInfo
    #: as asked: (query text, default-graph-uri, named-graph-uri), to prepare it again (renewing)
    asked: tuple[str, tuple[str, ...], tuple[str, ...]] = ("", (), ())


def readable_graphs(store: Store, caller: Caller | None) -> tuple[str, ...]:
    """What ``caller`` may read: :func:`registry.publishing.access.readable_graphs` decides, for every caller."""
    return access.readable_graphs(store, caller)


class Endpoint:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self.allowlist = Allowlist(settings.service_allowlist)
        self._slots = threading.BoundedSemaphore(max(1, settings.max_concurrent_queries))
        self._update_lock = threading.Lock()
        self._answers = AnswerCache(settings.answer_cache_bytes) if settings.answer_cache_bytes > 0 else None
        self._flights = freshness.Flights()  #: one evaluation at a time per kept answer
        #: public answers given lately: key -> (what was asked, media type, when, seconds its last
        #: evaluation took), most recent last
        self._recent: OrderedDict[
            Hashable, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], str, float, float]
        ] = OrderedDict()
        self._recent_lock = threading.Lock()
        if self._answers is not None:
            freshness.after_release(store, self.renew)
        if settings.analytic_replica:
            store.keep_analytic_replica(memory_limit=settings.analytic_memory)

    # --- queries -------------------------------------------------------------------------------
    def prepare_query(
        self,
        text: str,
        caller: Caller | None,
        default_graph_uri: Sequence[str] = (),
        named_graph_uri: Sequence[str] = (),
    ) -> PreparedQuery:
        """Parse, check the allow-list and work out the dataset; nothing is evaluated yet."""
        base = self.settings.base_uri
        limits.check(text, self.settings, "query")
        info = inspect_query(text, base)
        self.allowlist.check(info)
        readable = readable_graphs(self.store, caller)
        public = access.reads_only_public(self.store, caller, readable)
        extra = () if public else access.beyond_public(self.store, readable)
        dataset = restrict(readable, info, default_graph_uri, named_graph_uri, public=public, extra=extra)
        asked = (text, tuple(default_graph_uri), tuple(named_graph_uri))
        if info.form == "describe":  # a resource's parts (gas components …) with it, as CBD gave them
            text = describe_parts(text)
        return PreparedQuery(with_base(text, base), info.form, dataset, info, asked)  # type: ignore[arg-type]

    def run_query(self, prepared: PreparedQuery, media_type: str) -> worker.Answer:
        """The answer kept from an earlier evaluation while what its dataset depends on has not
        changed (:mod:`registry.query.answers`), else evaluated and kept."""
        if self._answers is None or prepared.info.services:
            return self._evaluate(prepared, media_type)
        public = isinstance(prepared.dataset, PublicDataset)
        state = freshness.depends_on(self.store, prepared.dataset.named_graphs, public=public)
        if state is None:
            return self._evaluate(prepared, media_type)
        key = self._key(prepared, media_type, public)
        kept = self._answers.get(key, state)
        if kept is None:
            with self._flights.one((key, state)):  # the same query asked at once: evaluated once
                kept = self._answers.get(key, state)
                if kept is None:
                    started = time.monotonic()
                    answer = self._evaluate(prepared, media_type)
                    self._answers.put(key, state, answer)
                    if public:
                        self._asked(key, prepared, media_type, time.monotonic() - started)
                    return answer
        if public:
            self._asked(key, prepared, media_type, None)
        return dataclasses.replace(kept, cached=True)

    def _asked(self, key: Hashable, prepared: PreparedQuery, media_type: str, seconds: float | None) -> None:
        """Note a public answer given (``seconds``: evaluated in that time), for :meth:`renew`."""
        if not prepared.asked[0]:
            return
        with self._recent_lock:
            last = self._recent.get(key)
            took = seconds if seconds is not None else (last[3] if last is not None else 0.0)
            self._recent[key] = (prepared.asked, media_type, time.monotonic(), took)
            self._recent.move_to_end(key)
            while len(self._recent) > RENEW_MOST:
                self._recent.popitem(last=False)

    def _key(self, prepared: PreparedQuery, media_type: str, public: bool) -> Hashable:
        """What a kept answer is kept under, beside its state. A public caller's dataset is the
        public graphs (part of the state) narrowed by what was asked, so it is named by that: the
        answer kept before a release is found while the release is under way (the graphs it adds
        are not acknowledged yet)."""
        dataset = ("public", *prepared.asked[1:]) if public and prepared.asked[0] else prepared.dataset
        return (prepared.text, prepared.form, media_type, dataset, self.settings.max_rows)

    def renew(self) -> None:
        """At the end of a release, before it is acknowledged (:func:`registry.publishing.freshness.
        after_release`): the public answers given in the last :data:`RENEW_WINDOW` seconds whose
        evaluation took at most :data:`RENEW_SLOWEST`, most recent first, evaluated under the state the release leaves and kept, for at most
        :data:`RENEW_SECONDS` (two at a time), so that the readers after it find them kept instead
        of each evaluating at once; until it ends they are given the answers kept before it."""
        answers = self._answers
        if answers is None:
            return
        started = time.monotonic()
        with self._recent_lock:
            recent = [
                (asked, media)
                for asked, media, at, took in self._recent.values()
                if started - at < RENEW_WINDOW and took <= RENEW_SLOWEST
            ]
        recent.reverse()
        state = freshness.depends_on(self.store, public=True, acknowledged=False)

        def one(item: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], str]) -> None:
            if time.monotonic() - started > RENEW_SECONDS:
                return
            (text, default, named), media_type = item
            try:
                prepared = self.prepare_query(text, None, default, named)
                if not isinstance(prepared.dataset, PublicDataset) or prepared.info.services:
                    return
                key = self._key(prepared, media_type, True)
                with self._flights.one((key, state)):
                    if answers.get(key, state) is None:
                        answers.put(key, state, self._evaluate(prepared, media_type))
            except StoreError:  # refused or too slow now: the next reader evaluates it
                return

        if recent and state is not None:
            with ThreadPoolExecutor(RENEW_THREADS, thread_name_prefix="efreg-renew") as pool:
                list(pool.map(one, recent))

    def _evaluate(self, prepared: PreparedQuery, media_type: str) -> worker.Answer:
        """Evaluate within the limits: a free slot, the time limit (the SERVICE time limit when the
        query federates and that is shorter) and the row cap."""
        timeout = self.settings.query_timeout
        if not self._slots.acquire(timeout=max(0.0, min(self.settings.query_queue_seconds, timeout))):
            raise EndpointBusy(
                f"all {self.settings.max_concurrent_queries} query slots stayed busy for "
                f"{self.settings.query_queue_seconds:g} s (setting query_queue_seconds); retry in a few seconds"
            )
        started = time.monotonic()  # the time limit counts from the evaluation (the wait is bounded apart)

        def left() -> float:
            return timeout - (time.monotonic() - started)

        try:
            text = prepared.text
            if prepared.info.services:
                text = inline_services(
                    text, self.allowlist, self.settings.service_timeout, self.settings.max_rows
                )
            if mentions_service(text):
                raise FederationRefused(
                    "a SERVICE that this registry's query inspection did not resolve; "
                    "write it as SERVICE <endpoint> { … }"
                )
            two_stage = None if prepared.info.services else self._two_stage(prepared, timeout)
            if two_stage is not None:
                return self._run(prepared, two_stage, media_type, left(), False)
            narrowed = None if prepared.info.services else self._labels(prepared, text)
            if narrowed is not None:
                answer = self._run(prepared, narrowed[0], media_type, left(), narrowed[2])
                if narrowed[1] is None or answer.truncated or (answer.rows or 0) >= narrowed[1]:
                    return answer
            return self._run(prepared, text, media_type, left(), True)  # what a first try left
        except QueryTimeout as exc:  # stopped after a first try used part of it: name the whole limit
            if type(exc) is not QueryTimeout:
                raise
            raise worker.query_timeout(timeout) from None
        finally:
            self._slots.release()

    def _run(
        self, prepared: PreparedQuery, text: str, media_type: str, timeout: float, plan: bool
    ) -> worker.Answer:
        """``text`` evaluated by a worker (``plan``: joins ordered by the planner first)."""
        if plan and self.settings.join_planner and "LATERAL" in self.store.query_extensions:
            text = planner.plan(text, statistics.for_planning(self.store))
        return worker.run(
            self.store,
            text,
            prepared.form,
            media_type,
            prepared.dataset,
            max(0.1, timeout),
            self.settings.max_rows,
            self.settings.max_query_memory_bytes,
        )

    def _labels(self, prepared: PreparedQuery, text: str) -> tuple[str, int | None, bool] | None:
        """``text`` narrowed by the label index (:mod:`registry.query.labels`) for a public caller
        who reads the union default graph of the public read model, the row count its answer must
        reach to stand, and whether the planner should order it (not when the labels come first in
        a group of triples: Oxigraph then starts from them); ``None`` to run it as written."""
        dataset = prepared.dataset
        if not isinstance(dataset, PublicDataset) or not dataset.union or "CONTAINS" not in text.upper():
            return None
        found = labels.narrowing(text)
        index = None if found is None else labels.current(self.store)
        if found is None or index is None:
            return None
        narrowed = labels.narrow(text, found, index, first=prepared.form == "select")
        return None if narrowed is None else (*narrowed, not found.simple)

    def _two_stage(self, prepared: PreparedQuery, timeout: float) -> str | None:
        """The query rewritten over the rows the analytic replica found for its WHERE pattern
        (:mod:`registry.query.analytic`), for a public caller's SELECT over the union default
        graph while the replica equals the public read model; else ``None``."""
        # switched off here, the store's replica (kept for another endpoint, a test's) is not used
        replica = getattr(self.store, "analytic", None) if self.settings.analytic_replica else None
        dataset = prepared.dataset
        if replica is None or prepared.form != "select" or not isinstance(dataset, PublicDataset):
            return None
        if not dataset.union:
            return None
        if not replica.current(getattr(self.store, "generation", None)):
            replica.want()  # catching up in the background; this query runs on Oxigraph
            return None
        prefix = f"BASE <{self.settings.base_uri}> "
        if not prepared.text.startswith(prefix):
            return None
        plan = analytic.plan_for(prepared.text[len(prefix) :])
        if plan is None or not analytic.pays(plan, statistics.for_planning(self.store)):
            return None
        budget = min(timeout, max(ANALYTIC_FLOOR, timeout * ANALYTIC_SHARE))
        try:
            return analytic.stage_two(plan, replica, budget)
        except AnalyticTimeout:
            if budget >= timeout:
                raise worker.query_timeout(timeout) from None
            # DuckDB's join order knows no predicate's size and can go wrong on one store and not
            # another (a join on a gas before the geography's factors): Oxigraph, with the join
            # planner's order from the statistics, gets the rest of the time limit
            return None
        except AnalyticError:
            return None

    # --- updates -------------------------------------------------------------------------------
    def update(
        self,
        text: str,
        caller: Caller,
        using_graph_uri: Sequence[str] = (),
        using_named_graph_uri: Sequence[str] = (),
    ) -> None:
        """Run an update for ``caller``, which must hold an admin token."""
        if not caller.is_admin:
            raise UpdateRefused(f"a {caller.role} token may not run SPARQL updates; an admin token may")
        base = self.settings.base_uri
        limits.check(text, self.settings, "update")
        info = inspect_update(text, base)
        self.allowlist.check(info)
        if any(iri.startswith("urn:efreg:") for iri in info.iris):
            raise UpdateRefused("updates cannot name the registry's system graph or its nodes")
        if (using_graph_uri or using_named_graph_uri) and info.has_using_or_with:
            raise DatasetConflict(
                "using-graph-uri / using-named-graph-uri cannot be combined with "
                "USING, USING NAMED or WITH in the update (SPARQL 1.1 Protocol 2.2.3)"
            )
        if info.graph_variable_in_where and not (using_named_graph_uri or info.has_using_or_with):
            raise UpdateRefused(
                "an update whose WHERE clause has GRAPH ?variable must name the graphs "
                "it reads (USING NAMED or using-named-graph-uri)"
            )
        final = with_base(add_using(text, list(using_graph_uri), list(using_named_graph_uri)), base)
        with self._update_lock:
            public_view.note_stale(self.store, VIEW_ALL)  # any public graph may change in place
            before = self._system_graph()
            try:
                self.store.update(final)
            finally:
                if self._system_graph() != before:  # CLEAR ALL, DROP ALL, ...: put it back
                    self.store.replace_graph(SYSTEM_GRAPH, b"".join(before), "nquads")
                public_view.sync(self.store)

    def _system_graph(self) -> list[bytes]:
        out = io.BytesIO()
        self.store.dump(out, "nquads", graphs=[SYSTEM_GRAPH])
        return sorted(line + b"\n" for line in out.getvalue().splitlines() if line.strip())
