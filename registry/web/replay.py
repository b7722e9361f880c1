"""Replayed answers: WSGI middleware that answers a plain GET the resource route answered before,
without running Flask, while the public graphs have not changed. Installed by ``create_app``; a view marks
an answer it may replay with :func:`mark_replayable`."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from flask import request
from werkzeug.http import http_date

from registry.publishing import access, freshness
from registry.store import Store
from registry.web.documents import READS, LRUCache

#: Set in the WSGI environ by the resource route: its answer may be replayed (see AnswerReplay).
REPLAYABLE = "efreg.replayable"
#: The only request headers a replayable request may carry (CGI names). Everything else — Cookie,
#: Authorization, Accept-Language, Accept-Profile, If-*, Range, Cache-Control, X-Forwarded-*, … —
#: sends the request through the whole application.
REPLAY_HEADERS = frozenset(
    {"HTTP_HOST", "HTTP_ACCEPT", "HTTP_USER_AGENT", "HTTP_ACCEPT_ENCODING", "HTTP_CONNECTION"}
)


class AnswerReplay:
    """WSGI middleware: the resource route's answers (documents and 303s) to plain GETs, replayed.

    A GET without a query string, a body or any request header outside :data:`REPLAY_HEADERS` is
    answered by the application as a function of its method, URL, ``Accept`` header and the store's
    contents. The first such answer of the resource route (200 or 303) is kept with the state of the
    public graphs (a draft upload or a submission leaves it), and while that has not moved, the same request gets the same status,
    headers and body without running Flask (routing, hooks, response building) — what a shared HTTP
    cache in front would do, as the answers vary only on ``Accept``. ``Date`` is always fresh; a new
    set of public graphs (``Last-Modified``) also ends the replay. A store without a write
    generation is never replayed. A document kept per resource (:func:`registry.web.documents.
    send_document`) is replayed while what its build read is untouched, through releases."""

    def __init__(self, wsgi_app: Callable, store: Store, size: int = 4096) -> None:
        self.wsgi_app, self.store, self.answers = wsgi_app, store, LRUCache(size)

    @staticmethod
    def key(environ: dict) -> tuple | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or environ.get("CONTENT_LENGTH") not in (None, "", "0")
        ):
            return None
        for name in environ:
            if name.startswith("HTTP_") and name not in REPLAY_HEADERS:
                return None
        return (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("HTTP_ACCEPT"),
        )

    def state(self) -> tuple[Hashable, float] | None:
        """What the answers depend on besides the request: the state of the public graphs
        (:func:`registry.publishing.freshness.depends_on`; the request carries no token) and when
        the access snapshot was first seen (``Last-Modified``)."""
        state = freshness.depends_on(self.store)
        return None if state is None else (state, access.snapshot(self.store).seen_at)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self.key(environ)
        state = self.state() if key is not None else None
        if state is None:
            return self.wsgi_app(environ, start_response)
        kept = self.answers.get(key)
        if kept is not None and kept[0] == (state if kept[4] is None else self.resource_state(kept[4][0])):
            start_response(kept[1], [*kept[2], ("Date", http_date())])
            return [kept[3]]
        answered: list = []

        def remember(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable:
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember)
        if not environ.get(REPLAYABLE) or not answered or answered[0][:3] not in ("200", "303"):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if self.state() == state:
            headers = [(name, value) for name, value in answered[1] if name.lower() != "date"]
            read = environ.get(READS)  # a document kept per resource: replayed while it is kept
            kept_state = state if read is None else self.resource_state(read[0])
            self.answers.put(key, (kept_state, answered[0], headers, data, read))
        return [data]

    def resource_state(self, reads: frozenset | None) -> Hashable:
        """What a document kept per resource depends on (its Last-Modified is its own)."""
        return freshness.depends_on(self.store, reads=reads)


def mark_replayable() -> None:
    """The answer of this request depends only on what :meth:`AnswerReplay.key` reads and on the
    store: :class:`AnswerReplay` may keep it."""
    request.environ[REPLAYABLE] = True
