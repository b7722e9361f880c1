"""PACT v3 product carbon footprints (WBCSD's Technical Specifications for PCF Data Exchange).

``model`` the terms and the refusal; ``derive`` a footprint from a published ILCD-derived factor
version (or the fields it cannot derive honestly, and why); ``records`` keeps footprints in their own
registry graph (derived at release) and reads them; ``api`` the host API's logic (filters, pages,
OAuth clients and tokens, events). Flask-free: ``registry/web/pact.py`` is the thin blueprint.
See docs/pact.md.
"""
