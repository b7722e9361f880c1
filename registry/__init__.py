"""efreg: an open linked-data registry of greenhouse-gas emission factors."""

__version__ = "0.1.0"
