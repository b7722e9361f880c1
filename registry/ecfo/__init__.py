"""ECFO: rendering factors in ECFO terms and converting ECFO records."""
