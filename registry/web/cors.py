"""Cross-origin requests (CORS, https://fetch.spec.whatwg.org/#http-cors-protocol): the one hook that
lets a browser application on any origin query ``/sparql``, call ``/api/…`` with a bearer token and
read the documents.

Every answer carries ``Access-Control-Allow-Origin: *``. That is safe because nothing here is decided
by what a browser sends by itself: access comes only from ``Authorization: Bearer …``, which a page
must set explicitly (the only cookie is the page language). So credentials are **not** allowed
(no ``Access-Control-Allow-Credentials``; ``fetch(…, {credentials: "include"})`` is refused by the
browser) and none are needed: a bearer token is a request header, named in
``Access-Control-Allow-Headers`` (``*`` there would not cover ``Authorization``).

A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is answered for every
route with the methods the route allows (Flask's automatic ``OPTIONS`` answer computes them), the
request headers a client may send and how long the browser may keep the answer.
"""

from __future__ import annotations

from flask import Response, request

#: request headers a page may send (beyond the CORS-safelisted ones)
ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "Accept-Profile",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
)
#: response headers a page may read (beyond the CORS-safelisted ones)
EXPOSE_HEADERS = (
    "ETag",
    "Last-Modified",
    "Link",
    "Location",
    "Content-Location",
    "Vary",
    "Allow",
    "WWW-Authenticate",
    "Efreg-Result-Rows",
    "Efreg-Max-Rows",
    "Efreg-Truncated",
    "Efreg-Answer",
)
#: seconds a browser may keep a preflight answer (Firefox caps at 86400, Chromium at 7200)
MAX_AGE = 86400


def is_preflight() -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


def cors(response: Response) -> Response:
    """The after-request hook (registered in ``create_app``)."""
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    if is_preflight():
        if 200 <= response.status_code < 300:
            allowed = headers.get("Allow") or "GET, HEAD, OPTIONS"
            headers["Access-Control-Allow-Methods"] = allowed
            headers["Access-Control-Allow-Headers"] = ", ".join(ALLOW_HEADERS)
            headers["Access-Control-Max-Age"] = str(MAX_AGE)
    else:
        headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSE_HEADERS)
    return response
