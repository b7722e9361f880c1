"""Resource pages: every thing URI dereferences (filled by the dereferencing issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("resources", __name__)
