"""Settings: one place for every knob and limit.

Values come, in increasing precedence, from the defaults below, a TOML file named by
``EFREG_CONFIG`` (keys as the field names), environment variables ``EFREG_<FIELD>`` and explicit
keyword arguments (the CLI's options).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_STORE = "oxigraph://" + Path("var/store").resolve().as_posix()


#: The largest plausibility bound a setting may give (an exponent beyond 1000 is refused when read).
MAX_VALUE_DIGITS = 1000


def check_value_digits(integer: int, fraction: int) -> None:
    """A ValueError naming the setting when a plausibility bound is outside 1…1000 (0…1000 after
    the decimal point)."""
    names = ("max_value_integer_digits", "max_value_fraction_digits")
    for name, value, low in zip(names, (integer, fraction), (1, 0), strict=True):
        if not low <= value <= MAX_VALUE_DIGITS:
            raise ValueError(f"setting {name}: {value} is outside {low}…{MAX_VALUE_DIGITS}")


@dataclass(frozen=True)
class Settings:
    store: str = DEFAULT_STORE
    base_uri: str = "http://localhost:8080/"
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 8
    load_seeds: bool = True
    #: ``efreg serve``: on a first run also load the prebuilt sample data (TianGong, OEFDB) (registry/ingest/seeds.py)
    load_samples: bool = True
    # SPARQL endpoint limits
    query_timeout: float = 30.0
    max_rows: int = 100_000
    max_body_bytes: int = 10 * 1024 * 1024  #: a SPARQL request body (413)
    max_query_bytes: int = 1024 * 1024  #: a SPARQL query or update text, UTF-8 (400)
    max_query_depth: int = 16  #: brackets ({, (, [) nested in a SPARQL text (400)
    max_values_rows: int = 10_000  #: rows of every VALUES block of a SPARQL text together (400)
    max_concurrent_queries: int = 4
    #: seconds a SPARQL query waits for a free slot before it is refused (503): a burst queues briefly
    query_queue_seconds: float = 10.0
    #: data memory one SPARQL evaluation (a forked query worker) may allocate (503 beyond; 0: no limit)
    max_query_memory_bytes: int = 4 * 1024 * 1024 * 1024
    service_allowlist: tuple[str, ...] = field(default_factory=tuple)
    service_timeout: float = 10.0
    answer_cache_bytes: int = 64 * 1024 * 1024  #: answers kept until the next write (0: none)
    compact_delay: float = 30.0  #: compact the on-disk store this many quiet seconds after writes (0: never)
    #: order the joins of basic graph patterns by the VoID statistics (registry.query.planner)
    join_planner: bool = True
    #: answer public callers' aggregates from a DuckDB replica of the public read model
    #: (registry.store.analytic, registry.query.analytic); its memory limit
    analytic_replica: bool = True
    analytic_memory: str = "1GB"
    # upload / import limits (docs/reliability.md: each limit and its refusal)
    max_upload_bytes: int = 32 * 1024 * 1024  #: an upload's body: datasets, mapping sets (413)
    max_request_bytes: int = 2 * 1024 * 1024  #: the body of any other request (413)
    max_file_bytes: int = 1024 * 1024 * 1024  #: one file of `efreg load` / `efreg validate` (exit 2)
    zip_max_entries: int = 10_000
    zip_max_uncompressed_bytes: int = 256 * 1024 * 1024  #: all entries of one ZIP, decompressed (413)
    zip_max_entry_bytes: int = 64 * 1024 * 1024  #: one ZIP entry, decompressed (413)
    max_nesting_depth: int = 64  #: objects/arrays of a JSON document, elements of an XML one (400)
    max_literal_chars: int = 100_000  #: characters of one literal of imported data (400 / exit 2)
    max_iri_chars: int = 8_192  #: characters of one IRI of imported data (400 / exit 2)
    #: V-PLAUSIBLE: digits of a value (and an uncertainty bound) before / after the decimal point;
    #: the shapes hold the defaults (registry/validation/plausibility.py)
    max_value_integer_digits: int = 15
    max_value_fraction_digits: int = 20
    # the gate's validator (registry.ingest.gate): "fast" (registry.validation.fast, set-at-a-time) or "pyshacl" (the reference)
    validator: str = "fast"

    def __post_init__(self) -> None:
        if not self.base_uri.endswith("/"):
            object.__setattr__(self, "base_uri", self.base_uri + "/")
        check_value_digits(self.max_value_integer_digits, self.max_value_fraction_digits)

    @classmethod
    def load(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults < TOML file (``EFREG_CONFIG``) < ``EFREG_*`` variables < ``overrides``."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        config_file = environ.get("EFREG_CONFIG")
        if config_file:
            with open(config_file, "rb") as fh:
                values.update(tomllib.load(fh))
        for f in fields(cls):
            raw = environ.get("EFREG_" + f.name.upper())
            if raw is not None:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls()._with(values)

    def _with(self, values: dict[str, Any]) -> Settings:
        converted: dict[str, Any] = {}
        for f in fields(self):
            if f.name not in values:
                continue
            value = values[f.name]
            default = getattr(self, f.name)
            if isinstance(default, bool):
                if isinstance(value, str):
                    value = value.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, tuple):
                if isinstance(value, str):
                    value = tuple(v.strip() for v in value.split(",") if v.strip())
                else:
                    value = tuple(value)
            elif isinstance(default, (int, float)):
                try:
                    value = type(default)(value)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"setting {f.name}: {value!r} is not a {type(default).__name__}"
                    ) from None
            converted[f.name] = value
        return replace(self, **converted)
