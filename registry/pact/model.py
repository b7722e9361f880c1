"""What a PACT footprint is here: the spec version, the declared units, the RDF terms, a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SPEC_VERSION = "3.0.0"
#: The registry graph that holds the footprints and the refusals (a ``urn:efreg:`` graph: no caller
#: reads it through SPARQL or the dumps; footprints are served at their own URIs and by /pact).
PACT_GRAPH = "urn:efreg:pact"
SPEC = "https://docs.carbon-transparency.org/v3/"

#: QUDT unit of a factor's activity → (PACT declaredUnitOfMeasurement, declaredUnitAmount per
#: activity unit, productMassPerDeclaredUnit in kg or None when the data cannot tell it).
#: PACT: "If the product mass is not relevant (i.e. PCF is for an energy (kWh, MJ), logistics
#: (ton.km) or service related product), this attribute SHALL be populated with 0".
DECLARED_UNITS: dict[str, tuple[str, str, str | None]] = {
    "KiloGM": ("kilogram", "1", "1"),
    "GM": ("kilogram", "0.001", "0.001"),
    "TONNE": ("kilogram", "1000", "1000"),
    "KiloW-HR": ("kilowatt hour", "1", "0"),
    "MegaW-HR": ("kilowatt hour", "1000", "0"),
    "MegaJ": ("megajoule", "1", "0"),
    "GigaJ": ("megajoule", "1000", "0"),
    "TeraJ": ("megajoule", "1000000", "0"),
    "TONNE-KiloM": ("ton kilometer", "1", "0"),
    "HR": ("hour", "1", "0"),
    "L": ("liter", "1", None),
    "M3": ("cubic meter", "1", None),
    "M2": ("square meter", "1", None),
    "NUM": ("piece", "1", None),
}
#: Declared units whose product holds no carbon of its own: energy delivered as electricity and
#: services (transport, hours). Fuels declared in MJ are matter and are not in this set.
CARBON_FREE_UNITS = frozenset({"KiloW-HR", "MegaW-HR", "TONNE-KiloM", "HR"})
#: GWP sets PACT accepts, most preferred first (PACT: "the latest available ... i.e. AR6").
GWP_PREFERENCE = (("AR6-GWP100", "AR6"), ("AR5-GWP100", "AR5"))
#: Gas components counted as biogenic non-CO2 (PACT ``biogenicNonCO2Emissions``).
BIOGENIC_NON_CO2 = frozenset({"CH4-non-fossil"})


#: PACT's fields kept as RDF (``ontology/efreg.ttl``, "PACT product footprints"): JSON name →
#: (the ef: property's local name, XSD datatype local name, required by PACT v3). Lists are repeated
#: values. ``id``, ``status``, ``created``, ``comment``, ``precedingPfIds`` and the sources are
#: mapped by :mod:`registry.pact.records` (ef:pfId, ef:pfStatus, dct:created, rdfs:comment,
#: ef:precedingFootprint, ef:secondaryEmissionFactorSource).
FOOTPRINT_FIELDS: dict[str, tuple[str, str, bool]] = {
    "specVersion": ("specVersion", "string", True),
    "companyName": ("companyName", "string", True),
    "companyIds": ("companyId", "anyURI", True),
    "productDescription": ("productDescription", "string", True),
    "productIds": ("productId", "anyURI", True),
    "productNameCompany": ("productNameCompany", "string", True),
}
CARBON_FIELDS: dict[str, tuple[str, str, bool]] = {
    "declaredUnitOfMeasurement": ("declaredUnitOfMeasurement", "string", True),
    "declaredUnitAmount": ("declaredUnitAmount", "decimal", True),
    "productMassPerDeclaredUnit": ("productMassPerDeclaredUnit", "decimal", True),
    "referencePeriodStart": ("referencePeriodStart", "dateTime", True),
    "referencePeriodEnd": ("referencePeriodEnd", "dateTime", True),
    "geographyCountry": ("geographyCountry", "string", False),
    "geographyCountrySubdivision": ("geographyCountrySubdivision", "string", False),
    "boundaryProcessesDescription": ("boundaryProcessesDescription", "string", False),
    "pcfExcludingBiogenicUptake": ("pcfExcludingBiogenicUptake", "decimal", True),
    "pcfIncludingBiogenicUptake": ("pcfIncludingBiogenicUptake", "decimal", True),
    "fossilGhgEmissions": ("fossilGhgEmissions", "decimal", True),
    "biogenicNonCO2Emissions": ("biogenicNonCO2Emissions", "decimal", False),
    "fossilCarbonContent": ("fossilCarbonContent", "decimal", True),
    "ipccCharacterizationFactors": ("ipccCharacterizationFactor", "string", True),
    "crossSectoralStandards": ("crossSectoralStandard", "string", True),
    "exemptedEmissionsPercent": ("exemptedEmissionsPercent", "decimal", True),
    "exemptedEmissionsDescription": ("exemptedEmissionsDescription", "string", False),
}


@dataclass(frozen=True)
class Refusal:
    """A required PACT field that cannot be derived honestly from a factor version, and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def decimal_text(value: Decimal) -> str:
    """A decimal as PACT writes it (``^[+-]?\\d+(\\.\\d+)?$``: no exponent, no trailing point)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
