"""Plausibility bounds of values (guideline rule V-PLAUSIBLE) as settings.

The shapes (``shapes/values.ttl``, ``shapes/quality.ttl``) stay the reference: their ``sh:pattern``
holds the defaults, 15 digits before the decimal point and 20 after it. The settings
``max_value_integer_digits`` and ``max_value_fraction_digits`` (:class:`registry.config.Settings`)
override them for this process: :func:`apply` rewrites the two shapes' pattern and messages in the
shapes graph both validators read (:func:`registry.validation.reference.load_shapes`), so a
violation says the bound that refused it and names the setting.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef

from registry.config import check_value_digits
from registry.rdf.namespaces import SH

EFSH = "https://w3id.org/efreg/shapes#"
#: The shapes whose sh:pattern is the bound (values; uncertainty bounds and standard deviation).
SHAPES = (URIRef(EFSH + "Value-value-plausible"), URIRef(EFSH + "Uncertainty-plausible"))
DEFAULT_INTEGER_DIGITS, DEFAULT_FRACTION_DIGITS = 15, 20

_bounds = (DEFAULT_INTEGER_DIGITS, DEFAULT_FRACTION_DIGITS)
_EN = re.compile(r"at most \d+ digits before the decimal point and \d+ after it")
_ZH = re.compile(r"整数部分最多 \d+ 位，小数部分最多 \d+ 位")


def pattern(integer: int, fraction: int) -> str:
    """The ``sh:pattern`` of a decimal with at most ``integer`` digits before the point and
    ``fraction`` after it (leading zeros and a sign allowed)."""
    return f"^[+-]?0*[0-9]{{0,{integer}}}([.][0-9]{{0,{fraction}}})?$"


def configure(integer: int, fraction: int) -> None:
    """The bounds of this process (from its settings: ``efreg serve``, every CLI command)."""
    global _bounds
    check_value_digits(integer, fraction)
    _bounds = (integer, fraction)


def bounds() -> tuple[int, int]:
    return _bounds


def apply(graph: Graph, integer: int, fraction: int) -> None:
    """Rewrite the pattern and messages of :data:`SHAPES` in ``graph`` to these bounds."""
    en = f"at most {integer} digits before the decimal point and {fraction} after it"
    zh = f"整数部分最多 {integer} 位，小数部分最多 {fraction} 位"
    for shape in SHAPES:
        graph.set((shape, SH.pattern, Literal(pattern(integer, fraction))))
        for message in list(graph.objects(shape, SH.message)):
            assert isinstance(message, Literal)
            text = _ZH.sub(zh, _EN.sub(en, str(message)))
            graph.remove((shape, SH.message, message))
            graph.add((shape, SH.message, Literal(text, lang=message.language)))
