"""Request body limits per route: an upload may be larger than a comment, a SPARQL request has its
own limit. A body over its route's limit is answered 413 naming the limit and the setting that sets
it, before the view reads a byte (a body sent without Content-Length is cut at the same limit by
werkzeug, whose 413 is then given the same message)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge

from registry.config import Settings
from registry.web.context import get_settings

#: view (endpoint) → the setting that bounds its request body; every other route: max_request_bytes
UPLOAD_ROUTES = {
    "api.upload": "max_upload_bytes",
    "api.validate": "max_upload_bytes",
    "sparql.sparql": "max_body_bytes",
}
DEFAULT_SETTING = "max_request_bytes"


def body_limit(settings: Settings, endpoint: str | None) -> tuple[str, int]:
    """The setting and the byte limit of the request body of ``endpoint``."""
    name = UPLOAD_ROUTES.get(endpoint or "", DEFAULT_SETTING)
    return name, int(getattr(settings, name))


def largest(settings: Settings) -> int:
    """The largest body any route accepts (the HTTP server's own cap is set above it)."""
    return max(int(getattr(settings, name)) for name in {*UPLOAD_ROUTES.values(), DEFAULT_SETTING})


def too_large(setting: str, limit: int, size: int | None = None) -> RequestEntityTooLarge:
    sent = f"the request body is {size:,} bytes; " if size is not None else "the request body is larger: "
    return RequestEntityTooLarge(
        f"{sent}{request.method} {request.path} accepts at most {limit:,} bytes "
        f"(setting {setting}, environment variable EFREG_{setting.upper()})"
    )


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a body nested deeper than Python's json reads (``RecursionError``) made a
    ``ValueError``: ``request.get_json()`` then answers 400 (``silent=True``: ``None``), not 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON body nests deeper than this server reads") from None


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)

    @app.before_request
    def check_body_size() -> None:
        setting, limit = body_limit(get_settings(), request.endpoint)
        request.max_content_length = limit  # a body without Content-Length: werkzeug stops reading here
        if request.content_length is not None and request.content_length > limit:
            raise too_large(setting, limit, request.content_length)


def describe_413(description: str | None) -> str | None:
    """werkzeug's own 413 text replaced by one naming this route's limit and setting."""
    if description and "setting " in description:
        return description
    setting, limit = body_limit(get_settings(), request.endpoint)
    if request.content_length is not None and request.content_length <= limit:  # werkzeug's form limits
        return (
            f"the multipart form has more parts than the {current_app.config.get('MAX_FORM_PARTS') or 1000:,} "
            "accepted, or a part larger than accepted; send the data as the request body or as fewer files"
        )
    return too_large(setting, limit).description
