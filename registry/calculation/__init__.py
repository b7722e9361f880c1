"""Choosing a factor and calculating with it (Flask-free): selection with a fallback trail, exact unit
conversion, CO2e under a GWP set, and receipts a verifier can replay. See docs/calculation.md.

The errors below are the domain's; :mod:`registry.web.errors` maps them to HTTP (one place). Each
carries ``fields``: extra members of the problem document (the units that fit, the trail tried).
"""

from __future__ import annotations

from typing import Any

RULE = "https://w3id.org/efreg/docs/calculation"


class CalculationError(Exception):
    """Bad input to a calculation (HTTP 400)."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.fields = fields


class UnknownTerm(CalculationError):
    """An activity, geography, unit or GWP set the registry does not know (HTTP 400)."""


class WrongDimension(CalculationError):
    """A unit of another dimension than the factor's activity unit (HTTP 422)."""


class NoCandidate(CalculationError):
    """No factor fits; ``fields["trail"]`` says what was tried (HTTP 404)."""


class ReceiptNotFound(CalculationError):
    """No receipt (or one whose factor the caller may not read) at that IRI (HTTP 404)."""
