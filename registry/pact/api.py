"""The PACT v3 host API's logic, without Flask (``registry/web/pact.py`` is the HTTP face).

``list_footprints`` applies v3's filters (OR within a criterion, AND between criteria; an empty
value filters nothing) and pages with ``limit``/``offset`` (a ``Link`` header, RFC 8288, absolute,
on the request's host). ``handle_event`` checks a CloudEvent (structured mode) and, for a
``RequestCreatedEvent``, answers the recipient asynchronously at the events URL its client was
registered with: a ``RequestFulfilledEvent`` with the matching footprints, or a
``RequestRejectedEvent`` when none match. Errors are :class:`PactError` (status, PACT code, message).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import requests

from registry.pact.clients import Client

EVENT_PREFIX = "org.wbcsd.pact.ProductFootprint."
CREATED = EVENT_PREFIX + "RequestCreatedEvent.3"
FULFILLED = EVENT_PREFIX + "RequestFulfilledEvent.3"
REJECTED = EVENT_PREFIX + "RequestRejectedEvent.3"
PUBLISHED = EVENT_PREFIX + "PublishedEvent.3"
LIST_FILTERS = ("productId", "companyId", "geography", "classification", "status")
TIME_FILTERS = ("validOn", "validAfter", "validBefore")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: How long the registry waits for a recipient's events endpoint.
CALLBACK_TIMEOUT = 10


class PactError(Exception):
    """An answer in PACT's error format: HTTP status, PACT error code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def bad_request(message: str) -> PactError:
    return PactError(400, "BadRequest", message)


def _time(name: str, value: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name} must be an RFC 3339 date-time, not {value!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def validity(fp: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The footprint's validity period; PACT's default without one: 3 years from the reference
    period's end."""
    ref_end = _time("referencePeriodEnd", fp["pcf"]["referencePeriodEnd"])
    start = fp.get("validityPeriodStart")
    end = fp.get("validityPeriodEnd")
    if start and end:
        return _time("validityPeriodStart", start), _time("validityPeriodEnd", end)
    return ref_end, ref_end.replace(year=ref_end.year + 3)


def _values(fp: Mapping[str, Any], criterion: str) -> list[str]:
    pcf = fp.get("pcf", {})
    return {
        "productId": fp.get("productIds", []),
        "companyId": fp.get("companyIds", []),
        "classification": fp.get("productClassifications", []),
        "status": [fp.get("status", "")],
        "geography": [
            pcf[k]
            for k in ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")
            if k in pcf
        ],
    }[criterion]


def matches(fp: Mapping[str, Any], criteria: Mapping[str, Sequence[str]]) -> bool:
    """Whether ``fp`` meets every criterion (each: any one of its values)."""
    for name in LIST_FILTERS:
        wanted = [v for v in criteria.get(name, []) if v]
        if wanted and not set(wanted) & set(_values(fp, name)):
            return False
    times = {name: [v for v in criteria.get(name, []) if v] for name in TIME_FILTERS}
    if any(times.values()):
        start, end = validity(fp)
        if any(not (start <= _time("validOn", t) <= end) for t in times["validOn"]):
            return False
        if any(not (start > _time("validAfter", t)) for t in times["validAfter"]):
            return False
        if any(not (end < _time("validBefore", t)) for t in times["validBefore"]):
            return False
    return True


def criteria_from_query(args: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The filters of a ListFootprints query string (names case-sensitive as in v3; ``x-…`` host
    parameters are ignored; anything else is a bad request)."""
    out: dict[str, list[str]] = {}
    for name, values in args.items():
        if name in ("limit", "offset") or name.lower().startswith("x-"):
            continue
        if name not in LIST_FILTERS + TIME_FILTERS:
            raise bad_request(
                f"unknown filter {name!r}; v3 filters: {', '.join(LIST_FILTERS + TIME_FILTERS)}"
                + (" (the ODataV4 $filter of v2 is not supported in v3)" if name == "$filter" else "")
            )
        out[name] = list(values)
    for name in TIME_FILTERS:
        for value in out.get(name, []):
            if value:
                _time(name, value)
    return out


def _int(name: str, value: str | None, minimum: int) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) < minimum:
        raise bad_request(f"{name} must be an integer of at least {minimum}, not {value!r}")
    return int(value)


def list_footprints(
    footprints: list[dict[str, Any]], args: Mapping[str, Sequence[str]], url: str
) -> tuple[list[dict[str, Any]], str | None]:
    """The page of ``footprints`` the query ``args`` asks for, and its ``Link`` header (``None``
    when everything fitted). ``url``: the absolute URL of the list on the request's host."""
    criteria = criteria_from_query(args)
    limit = _int("limit", (args.get("limit") or [None])[0], 1)
    offset = _int("offset", (args.get("offset") or [None])[0], 0) or 0
    found = [fp for fp in footprints if matches(fp, criteria)]
    if limit is None:
        return found[offset:], None
    page = found[offset : offset + limit]
    keep = [(k, v) for k, vs in args.items() if k not in ("limit", "offset") for v in vs]

    def link(at: int, rel: str) -> str:
        return f'<{url}?{urlencode([*keep, ("limit", limit), ("offset", at)])}>; rel="{rel}"'

    links = []
    if offset + limit < len(found):
        links.append(link(offset + limit, "next"))
    links.append(link(0, "first"))
    if offset > 0:
        links.append(link(max(0, offset - limit), "prev"))
    links.append(link(max(0, (len(found) - 1) // limit * limit), "last"))
    return page, ", ".join(links)


def get_footprint(footprints: list[dict[str, Any]], pf_id: str) -> dict[str, Any]:
    if not _UUID.match(pf_id):
        raise bad_request(f"a footprint id is a UUID, not {pf_id!r}")
    for fp in footprints:
        if fp["id"] == pf_id.lower():
            return fp
    raise PactError(404, "NotFound", f"Footprint with ID '{pf_id}' does not exist")


# --- events ---------------------------------------------------------------------------------------


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{where} must be an array of strings")
    return value


def check_event(event: object) -> dict[str, Any]:
    """The event if it is a valid PACT v3 CloudEvent; else a bad request naming what is wrong."""
    if not isinstance(event, dict):
        raise bad_request("the body must be a CloudEvent: a JSON object")
    for key in ("specversion", "id", "source", "type"):
        if not isinstance(event.get(key), str) or not event[key]:
            raise bad_request(f"the CloudEvent lacks {key!r} (a non-empty string)")
    if event["specversion"] != "1.0":
        raise bad_request(f"specversion must be '1.0', not {event['specversion']!r}")
    if "time" in event:
        _time("time", str(event["time"]))
    data = event.get("data")
    if not isinstance(data, dict):
        raise bad_request("the CloudEvent lacks its data object")
    kind = event["type"]
    if kind == CREATED:
        for name in LIST_FILTERS:
            if name in data:
                _strings(data[name], f"data.{name}")
        for name in TIME_FILTERS:
            if name in data:
                _time(f"data.{name}", str(data[name]))
    elif kind == PUBLISHED:
        ids = _strings(data.get("pfIds"), "data.pfIds")
        bad = [i for i in ids if not _UUID.match(i)]
        if not ids or bad:
            raise bad_request(
                "data.pfIds must be a non-empty array of footprint UUIDs"
                + (f", not {bad[0]!r}" if bad else "")
            )
    elif kind == FULFILLED:
        if (
            not isinstance(data.get("requestEventId"), str)
            or not isinstance(data.get("pfs"), list)
            or not data["pfs"]
        ):
            raise bad_request("a RequestFulfilledEvent needs data.requestEventId and a non-empty data.pfs")
    elif kind == REJECTED:
        error = data.get("error")
        if (
            not isinstance(data.get("requestEventId"), str)
            or not isinstance(error, dict)
            or "code" not in error
        ):
            raise bad_request(
                "a RequestRejectedEvent needs data.requestEventId and data.error {code, message}"
            )
    else:
        raise bad_request(f"unknown event type {kind!r}")
    return event


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def answer(event: dict[str, Any], footprints: list[dict[str, Any]], source: str) -> dict[str, Any]:
    """The answer to a RequestCreatedEvent: fulfilled with the footprints its criteria match, or
    rejected when none does (a request must name at least one criterion)."""
    data = event["data"]
    criteria = {
        k: (v if isinstance(v, list) else [v]) for k, v in data.items() if k in LIST_FILTERS + TIME_FILTERS
    }
    base = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": source, "time": _now()}
    found = [fp for fp in footprints if matches(fp, criteria)] if any(criteria.values()) else []
    if found:
        return {**base, "type": FULFILLED, "data": {"requestEventId": event["id"], "pfs": found}}
    return {
        **base,
        "type": REJECTED,
        "data": {
            "requestEventId": event["id"],
            "error": {"code": "NotFound", "message": "No footprint matches the request's criteria."},
        },
    }


def post_event(url: str, event: dict[str, Any]) -> int:
    """POST ``event`` (structured mode) to a recipient's events URL; the HTTP status."""
    response = requests.post(
        url,
        json=event,
        headers={"Content-Type": "application/cloudevents+json; charset=UTF-8"},
        timeout=CALLBACK_TIMEOUT,
    )
    return response.status_code


def handle_event(
    event: object,
    client: Client,
    footprints: Callable[[], list[dict[str, Any]]],
    source: str,
    send: Callable[[str, dict[str, Any]], object] = post_event,
) -> threading.Thread | None:
    """Check ``event`` and act on it; a RequestCreatedEvent is answered in a thread (returned) at
    the client's events URL. Other events are accepted (the registry is the data owner: it has no
    requests of its own to be answered, and a PublishedEvent asks nothing of it)."""
    event = check_event(event)
    if event["type"] != CREATED or not client.events_url:
        return None
    reply = answer(event, footprints(), source)
    url = client.events_url

    def deliver() -> None:
        try:
            send(url, reply)
        except requests.RequestException:
            pass  # the recipient is unreachable: the request stays unanswered, as for any lost call

    thread = threading.Thread(target=deliver, name="pact-event", daemon=True)
    thread.start()
    return thread
