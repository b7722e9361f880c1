"""Who is calling: the one reading of ``Authorization: Bearer efreg_…`` (werkzeug parses the header;
:func:`registry.publishing.tokens.authenticate` knows the tokens). Every view that needs the caller
asks :func:`current_caller` or :func:`required_caller`."""

from __future__ import annotations

from flask import current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Unauthorized

from registry.publishing.tokens import LOCAL_TOKEN_ID, Caller, InvalidPublisherId, authenticate, publisher_id
from registry.web.context import get_store

REALM = "efreg"


def challenge(error: str | None = None) -> WWWAuthenticate:
    """The ``WWW-Authenticate`` of a 401 (RFC 6750 §3): bearer, our realm, the error if any."""
    found = WWWAuthenticate("bearer", {"realm": REALM})
    if error:
        found["error"] = error
    return found


def current_caller() -> Caller | None:
    """The caller of the request's bearer token; no ``Authorization`` header: anonymous (``None``);
    any other scheme, or a malformed, unknown or revoked token: 401. Read once per request."""
    if "efreg_caller" not in g:
        g.efreg_caller = _authenticate()
    return g.efreg_caller


def required_caller(needs: str = "this needs Authorization: Bearer <token> (efreg token create)") -> Caller:
    """The caller; an anonymous request gets 401 with ``needs`` as the message."""
    found = current_caller()
    if found is None:
        raise Unauthorized(needs, www_authenticate=challenge())
    return found


#: The header with which the ``efreg`` command, using the server's local credential, names the
#: organisation its administrator acts for (``--as``; default ``efreg``).
ACT_AS = "Efreg-Act-As"


def _authenticate() -> Caller | None:
    if not request.headers.get("Authorization"):
        return None
    auth = request.authorization  # werkzeug: None when the header does not parse
    token = auth.token if auth is not None and auth.type == "bearer" else None
    local = current_app.extensions.get("efreg.local_credential")
    if token and local is not None and local.matches(token.strip()):
        acting = request.headers.get(ACT_AS) or "efreg"
        try:
            publisher_id(acting)
        except InvalidPublisherId as exc:
            raise BadRequest(f"{ACT_AS}: {exc}") from None
        return Caller(publisher=acting, role="admin", token_id=LOCAL_TOKEN_ID)
    found = authenticate(get_store(), token.strip()) if token else None
    if found is None:
        raise Unauthorized(
            "the bearer token is not valid (unknown, revoked or malformed)",
            www_authenticate=challenge("invalid_token"),
        )
    return found
