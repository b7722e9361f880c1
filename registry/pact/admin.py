"""What an administrator does with the footprints: derive them again (``POST /api/admin/pact/derive``;
``efreg pact derive``, through a running server or on the store), recorded with PROV. Apart from
:mod:`registry.pact.records`, which the publishing workflow runs at every release."""

from __future__ import annotations

from registry.pact.model import PACT_GRAPH
from registry.pact.records import SyncReport, sync
from registry.publishing import activities
from registry.publishing.admin import require_admin
from registry.publishing.tokens import Caller
from registry.store import Store


def admin_sync(store: Store, base: str, caller: Caller) -> SyncReport:
    """:func:`~registry.pact.records.sync` for an administrator, recorded with PROV."""
    require_admin(caller)
    report = sync(store, base)
    activities.record(store, base, caller, "PACT derive", [("generated", PACT_GRAPH)])
    return report
