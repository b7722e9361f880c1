"""The SPARQL 1.1 endpoint (filled by the SPARQL issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sparql", __name__)
