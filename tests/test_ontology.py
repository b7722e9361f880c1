"""The OWL ontology (ontology/efreg.ttl) against the model contract (ontology/README.md).

Every check is a small function returning what it found wrong, so each is also run on a graph
built to be wrong, to show that it can fail.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, Namespace

from registry.rdf.namespaces import ECFO, EF, EF_ONTOLOGY, OEO, QUDT

ROOT = Path(__file__).parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "efreg.ttl"
README_FILE = ROOT / "ontology" / "README.md"
DATA = ROOT / "tests" / "data" / "ontology"
ECFO_FILES = [DATA / "ecfo-1.0.0.ttl", DATA / "ecfo-2.0.0-draft.ttl"]
EXAMPLE_FILE = DATA / "example-factor.ttl"
BASE = "http://localhost:8080/"
ONTOLOGY_IRI = URIRef(EF_ONTOLOGY)
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")
# Plain namespaces: rdflib's closed ones warn when pytest probes module attributes.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
TIME = Namespace("http://www.w3.org/2006/time#")

#: rdf:type objects that count as declaring a term.
DECLARATION_TYPES = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    RDFS.Datatype,
    SKOS.ConceptScheme,
}

#: The controlled vocabularies of ontology/README.md ("Individuals defined in the ontology").
ENUMERATIONS = {
    EF.LifeCycleBoundary: [
        "Combustion",
        "WellToTank",
        "WellToWheel",
        "CradleToGate",
        "CradleToGrave",
        "CradleToShelf",
        "GateToGate",
    ],
    EF.GHGScope: ["Scope1", "Scope2", "Scope3"],
    EF.GasBasis: ["CO2Basis", "MultiGasBasis", "CO2eBasis"],
    EF.AccessLevel: ["Open", "Commercial"],
    EF.ReviewStatus: ["Draft", "Submitted", "Published", "Rejected", "Withdrawn"],
    EF.CalorificBasis: ["NetCalorificValue", "GrossCalorificValue"],
    EF.Distribution: ["Normal", "Lognormal", "Uniform", "Triangular"],
    EF.DatasetType: ["UnitProcess", "LCIResult", "FactorTable"],
}

CLASSES = [
    "EmissionFactor",
    "GasComponent",
    "CO2eValue",
    "GWPSet",
    "GWPValue",
    "Gas",
    "Geography",
    "RegistryRegion",
    "Source",
    "DataQualityRating",
    "Uncertainty",
    "MappingSet",
    "Mapping",
]
OBJECT_PROPERTIES = [
    "activity",
    "activityCategory",
    "activityUnit",
    "geography",
    "boundary",
    "ghgScope",
    "gasBasis",
    "calorificBasis",
    "component",
    "co2e",
    "gas",
    "unit",
    "gwpSet",
    "gwpValue",
    "uncertainty",
    "distribution",
    "dataQuality",
    "accessLevel",
    "reviewStatus",
    "datasetType",
    "coversRegion",
    "numeratorUnit",
    "denominatorUnit",
    "sourceUnit",
    "targetUnit",
    "validationReport",
]
#: datatype property -> the datatype its values have (directly, or as the base of a restricted datatype)
DATATYPE_PROPERTIES = {
    "referenceYear": XSD.gYear,
    "value": XSD.decimal,
    "timeHorizon": XSD.integer,
    "lowerBound": XSD.decimal,
    "upperBound": XSD.decimal,
    "confidenceLevel": XSD.decimal,
    "standardDeviation": XSD.decimal,
    "ter": XSD.integer,
    "ger": XSD.integer,
    "tir": XSD.integer,
    "precision": XSD.integer,
    "dqr": XSD.decimal,
    "casNumber": XSD.string,
    "formula": XSD.string,
    "table": XSD.string,
    "page": XSD.string,
    "baseURI": XSD.string,
    "sourceRecord": XSD.string,
    "conversionFactor": XSD.decimal,
}


# --------------------------------------------------------------------------- helpers


def load(path: Path, base: str | None = None) -> Graph:
    return Graph().parse(path, format="turtle", publicID=base)


def iris(graph: Graph) -> Iterator[URIRef]:
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                yield term


def ef_iris(terms: Iterable[URIRef]) -> set[URIRef]:
    return {t for t in terms if t.startswith(str(EF)) and t != URIRef(str(EF))}


def declared(ontology: Graph) -> set[URIRef]:
    """ef: terms the ontology gives a declaring rdf:type."""
    return {
        s for s, o in ontology.subject_objects(RDF.type) if o in DECLARATION_TYPES and isinstance(s, URIRef)
    }


def undeclared(used: Iterable[URIRef], ontology: Graph) -> set[URIRef]:
    return ef_iris(used) - declared(ontology)


def missing_annotations(ontology: Graph, terms: Iterable[URIRef]) -> list[str]:
    """Per term, the annotations it lacks: en+zh rdfs:label and skos:definition, rdfs:isDefinedBy."""
    problems = []
    for term in sorted(terms):
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)}
            for lang in ("en", "zh"):
                if lang not in langs:
                    problems.append(f"{term} has no {ontology.qname(prop)}@{lang}")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology:
            problems.append(f"{term} has no rdfs:isDefinedBy <{ONTOLOGY_IRI}>")
    return problems


def readme_terms(text: str) -> set[URIRef]:
    return {EF[name] for name in re.findall(r"(?<![\w/#:])ef:([A-Za-z][A-Za-z0-9_]*)", text)}


def ecfo_terms(graph: Graph) -> set[URIRef]:
    """ECFO IRIs a graph refers to."""
    return {t for t in iris(graph) if t.startswith(str(ECFO))}


def unknown_ecfo(used: Iterable[URIRef], ecfo: Graph) -> set[URIRef]:
    defined = {s for s in ecfo.subjects(RDF.type, None) if isinstance(s, URIRef)}
    return set(used) - defined


def disjoint_pairs(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    pairs = set(graph.subject_objects(OWL.disjointWith))
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(graph, graph.value(node, OWL.members)))
        pairs |= {(a, b) for i, a in enumerate(members) for b in members[i + 1 :]}
    return pairs


def inconsistencies(graph: Graph) -> list[str]:
    """OWL 2 RL closure of a copy of graph; what makes it inconsistent."""
    closed = Graph()
    for triple in graph:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    problems = [str(closed.value(m, ERRNS.error)) for m in closed.subjects(RDF.type, ERRNS.ErrorMessage)]
    problems += [f"{x} is an owl:Nothing" for x in closed.subjects(RDF.type, OWL.Nothing)]
    # owlrl's eq-diff2/3 never compares the last member of an owl:AllDifferent list (owlrl 7.x), so
    # distinctness is checked here too.
    for node in closed.subjects(RDF.type, OWL.AllDifferent):
        members = list(Collection(closed, closed.value(node, OWL.distinctMembers)))
        problems += [
            f"'sameAs' and 'AllDifferent' both hold for {a} and {b}"
            for i, a in enumerate(members)
            for b in members[i + 1 :]
            if (a, OWL.sameAs, b) in closed
        ]
    for a, b in disjoint_pairs(closed):
        common = set(closed.subjects(RDF.type, a)) & set(closed.subjects(RDF.type, b))
        problems += [f"{x} is both {a} and {b}" for x in common]
    return problems


def sparql_ef_names(graph: Graph) -> set[URIRef]:
    """ef: names written inside SHACL-SPARQL query strings."""
    names = set()
    for prop in (SH.select, SH.ask, SH.construct, SH.update):
        for text in graph.objects(None, prop):
            names |= readme_terms(str(text))
    return names


def restricted_base(ontology: Graph, datatype: URIRef) -> URIRef:
    """The xsd base of a datatype: itself, or the owl:onDatatype of its equivalent restriction."""
    for eq in ontology.objects(datatype, OWL.equivalentClass):
        base = ontology.value(eq, OWL.onDatatype)
        if base is not None:
            return base
    return datatype


def facets(ontology: Graph, datatype: URIRef) -> dict[URIRef, Decimal]:
    found = {}
    for eq in ontology.objects(datatype, OWL.equivalentClass):
        restrictions = ontology.value(eq, OWL.withRestrictions)
        for node in Collection(ontology, restrictions) if restrictions else []:
            for facet, value in ontology.predicate_objects(node):
                found[facet] = Decimal(str(value))
    return found


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load(ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def ecfo() -> Graph:
    graph = Graph()
    for path in ECFO_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def example() -> Graph:
    return load(EXAMPLE_FILE, BASE)


# --------------------------------------------------------------------------- header


def test_header(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef("https://w3id.org/efreg/ontology/0.1.0")
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in ontology.objects(ONTOLOGY_IRI, prop)} >= {"en", "zh"}
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.creator) == Literal("efreg contributors")
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.issued) == Literal("2026-11-24", datatype=XSD.date)
    assert ontology.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix) == Literal("ef")
    assert len(list(ontology.subjects(RDF.type, OWL.Ontology))) == 1


# --------------------------------------------------------------------------- declarations


def test_every_ef_term_used_in_the_ontology_is_declared(ontology):
    assert undeclared(iris(ontology), ontology) == set()


def test_undeclared_check_flags_a_term_used_but_not_declared(ontology):
    graph = Graph()
    graph.add((EF.someFactor, RDF.type, EF.EmissionFactor))
    graph.add((EF.someFactor, EF.notInTheOntology, Literal("1")))
    assert undeclared(iris(graph), ontology) == {EF.someFactor, EF.notInTheOntology}


def test_declared_terms_have_bilingual_labels_and_definitions(ontology):
    terms = ef_iris(declared(ontology))
    assert len(terms) > 80
    assert missing_annotations(ontology, terms) == []


def test_annotation_check_flags_a_missing_chinese_label():
    graph = Graph()
    graph.add((EF.Thing, RDF.type, OWL.Class))
    graph.add((EF.Thing, RDFS.label, Literal("thing", lang="en")))
    graph.add((EF.Thing, SKOS.definition, Literal("a thing", lang="en")))
    graph.add((EF.Thing, SKOS.definition, Literal("事物", lang="zh")))
    graph.add((EF.Thing, RDFS.isDefinedBy, ONTOLOGY_IRI))
    assert missing_annotations(graph, [EF.Thing]) == [f"{EF.Thing} has no rdfs:label@zh"]


def test_no_external_term_is_redeclared(ontology):
    typed = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    foreign = {s for s in typed if not s.startswith(str(EF)) and s != ONTOLOGY_IRI}
    assert foreign == set()


# --------------------------------------------------------------------------- the model contract


def test_readme_terms_are_extracted():
    names = readme_terms(README_FILE.read_text(encoding="utf-8"))
    assert {EF.EmissionFactor, EF.referenceYear, EF.Scope1, EF.baseURI} <= names
    assert readme_terms("`ef:` and <https://w3id.org/efreg/ontology#x> and ef:Foo") == {EF.Foo}


def test_every_term_in_the_readme_is_declared(ontology):
    names = readme_terms(README_FILE.read_text(encoding="utf-8"))
    assert len(names) > 60
    assert undeclared(names, ontology) == set()


@pytest.mark.parametrize("name", CLASSES)
def test_class(ontology, name):
    assert (EF[name], RDF.type, OWL.Class) in ontology


@pytest.mark.parametrize("name", OBJECT_PROPERTIES)
def test_object_property(ontology, name):
    prop = EF[name]
    assert (prop, RDF.type, OWL.ObjectProperty) in ontology
    assert ontology.value(prop, RDFS.domain) is not None
    assert ontology.value(prop, RDFS.range) is not None


@pytest.mark.parametrize(("name", "datatype"), DATATYPE_PROPERTIES.items())
def test_datatype_property(ontology, name, datatype):
    prop = EF[name]
    assert (prop, RDF.type, OWL.DatatypeProperty) in ontology
    assert ontology.value(prop, RDFS.domain) is not None
    assert restricted_base(ontology, ontology.value(prop, RDFS.range)) == datatype


@pytest.mark.parametrize("name", ["ter", "ger", "tir", "precision", "dqr"])
def test_quality_scores_range_from_1_to_5(ontology, name):
    datatype = ontology.value(EF[name], RDFS.range)
    assert facets(ontology, datatype) == {XSD.minInclusive: 1, XSD.maxInclusive: 5}


def test_enumeration_classes_are_concepts(ontology):
    for cls in ENUMERATIONS:
        assert (cls, RDF.type, OWL.Class) in ontology
        assert (cls, RDFS.subClassOf, SKOS.Concept) in ontology


@pytest.mark.parametrize("cls", ENUMERATIONS)
def test_enumeration_individuals(ontology, cls):
    schemes = set()
    for name in ENUMERATIONS[cls]:
        individual = EF[name]
        types = set(ontology.objects(individual, RDF.type))
        assert {OWL.NamedIndividual, SKOS.Concept, cls} <= types, individual
        assert {o.language for o in ontology.objects(individual, SKOS.prefLabel)} >= {"en", "zh"}
        schemes |= set(ontology.objects(individual, SKOS.inScheme))
    assert len(schemes) == 1, schemes
    scheme = schemes.pop()
    assert scheme.startswith(str(EF))
    assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology
    assert {o.language for o in ontology.objects(scheme, SKOS.prefLabel)} >= {"en", "zh"}
    members = set(ontology.subjects(SKOS.inScheme, scheme))
    assert members == {EF[n] for n in ENUMERATIONS[cls]}


# --------------------------------------------------------------------------- alignment


@pytest.mark.parametrize(
    "triple",
    [
        (EF.EmissionFactor, RDFS.subClassOf, PROV.Entity),
        (EF.EmissionFactor, SKOS.closeMatch, ECFO.EmissionConversionFactor),
        (EF.Geography, RDFS.subClassOf, SKOS.Concept),
        (EF.Geography, RDFS.subClassOf, DCTERMS.Location),
        (EF.RegistryRegion, RDFS.subClassOf, EF.Geography),
        (EF.Source, RDFS.subClassOf, PROV.Entity),
        (EF.Source, RDFS.subClassOf, DCTERMS.BibliographicResource),
        (EF.geography, RDFS.subPropertyOf, DCTERMS.spatial),
        (EF.geography, SKOS.closeMatch, ECFO.hasApplicableLocation),
        (EF.unit, SKOS.closeMatch, QUDT.hasUnit),
        (EF.activityUnit, SKOS.closeMatch, ECFO.hasSourceUnit),
        (EF.unit, SKOS.closeMatch, ECFO.hasTargetUnit),
        (EF.ghgScope, SKOS.closeMatch, ECFO.hasScope),
        (EF.activityCategory, SKOS.closeMatch, ECFO.hasTag),
        (EF.Gas, SKOS.closeMatch, ECFO.GreenhouseGas),
        (EF.Scope1, SKOS.exactMatch, ECFO.Scope1),
        (EF.Scope2, SKOS.exactMatch, ECFO.Scope2),
        (EF.Scope3, SKOS.exactMatch, ECFO.Scope3),
        (EF.referenceYear, SKOS.closeMatch, TIME.inXSDgYear),
        (EF.activityUnit, RDFS.range, QUDT.Unit),
        (EF.datasetType, RDFS.domain, DCAT.Dataset),
    ],
    ids=lambda t: " ".join(Graph().namespace_manager.normalizeUri(x) for x in t),
)
def test_alignment(ontology, triple):
    assert triple in ontology


def test_ecfo_copies_are_the_released_files(ecfo):
    versions = set(ecfo.objects(URIRef("https://w3id.org/ecfo"), OWL.versionIRI))
    assert versions == {URIRef("https://w3id.org/ecfo/1.0.0"), URIRef("https://w3id.org/ecfo/2.0.0")}
    assert (ECFO.EmissionConversionFactor, RDF.type, OWL.Class) in ecfo


def test_every_ecfo_iri_referenced_exists(ontology, ecfo):
    used = ecfo_terms(ontology)
    assert len(used) >= 10
    assert unknown_ecfo(used, ecfo) == set()


def test_ecfo_check_flags_an_invented_term(ecfo):
    assert unknown_ecfo({ECFO.EmissionConversionFactor, ECFO.hasEmissionFactorValue}, ecfo) == {
        ECFO.hasEmissionFactorValue
    }


def test_no_unconfirmed_open_energy_ontology_iri(ontology):
    # OEO IRIs are opaque (OEO_00000xxx); none is asserted until confirmed from an OEO release file.
    assert {t for t in iris(ontology) if t.startswith(str(OEO))} == set()


# --------------------------------------------------------------------------- OWL 2 RL


def test_ontology_is_consistent_under_owl_rl(ontology):
    assert inconsistencies(ontology) == []


def test_readme_example_is_consistent_with_the_ontology(ontology, example):
    assert undeclared(iris(example), ontology) == set()
    assert inconsistencies(ontology + example) == []


def test_owl_rl_infers_along_the_alignment(ontology, example):
    closed = ontology + example
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    factor = URIRef(BASE + "factor/ipcc2006-t2.2-natural-gas/1")
    assert (factor, RDF.type, PROV.Entity) in closed
    assert (factor, DCTERMS.spatial, URIRef(BASE + "geo/GLO")) in closed
    assert (URIRef(BASE + "geo/CN-GRID-NORTH"), RDF.type, DCTERMS.Location) in closed
    assert (URIRef(BASE + "unit/KiloGM-PER-TeraJ"), RDF.type, QUDT.Unit) in closed


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("<http://x/c> a ef:GasComponent , ef:CO2eValue .", "Disjoint classes"),
        (
            "<http://x/f> ef:component <http://x/c> . <http://x/c> ef:gwpSet <http://x/s> .",
            "Disjoint classes",
        ),
        ("<http://x/f> a ef:EmissionFactor ; ef:boundary ef:Combustion , ef:CradleToGate .", "AllDifferent"),
        ("<http://x/f> ef:accessLevel ef:Open , ef:Commercial .", "AllDifferent"),
        ("<http://x/g> a ef:Gas ; ef:geography <http://x/h> .", "Disjoint classes"),
    ],
    ids=[
        "two-disjoint-types",
        "component-used-as-co2e",
        "two-boundaries",
        "two-access-levels",
        "gas-used-as-factor",
    ],
)
def test_owl_rl_check_flags_an_inconsistent_graph(ontology, data, expected):
    prefix = f"@prefix ef: <{EF}> .\n"
    graph = ontology + Graph().parse(data=prefix + data, format="turtle")
    problems = inconsistencies(graph)
    assert any(expected in p for p in problems), problems


# --------------------------------------------------------------------------- shapes and seeds


def term_files() -> list[Path]:
    return sorted([*ROOT.glob("shapes/*.ttl"), *ROOT.glob("seeds/*.ttl"), *ROOT.glob("seeds/*.trig")])


def parse_any(path: Path) -> Graph:
    if path.suffix == ".trig":
        dataset = Dataset()
        graph = Graph()
        with (
            warnings.catch_warnings()
        ):  # rdflib's TriG parser and quads() use deprecated ConjunctiveGraph API
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(path, format="trig", publicID=BASE)
            for s, p, o, _ in dataset.quads():
                graph.add((s, p, o))
        return graph
    return load(path, BASE)


def test_the_shapes_and_the_seeds_are_found() -> None:
    names = {(p.parent.name, p.suffix) for p in term_files()}
    assert {("shapes", ".ttl"), ("seeds", ".trig")} <= names


@pytest.mark.parametrize("path", term_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_ef_terms_in_shapes_and_seeds_are_declared(ontology, path):
    graph = parse_any(path)
    used = set(iris(graph)) | sparql_ef_names(graph)
    assert undeclared(used, ontology) == set(), f"{path.name} uses ef: terms the ontology does not declare"


def test_shape_check_reads_names_inside_sparql_constraints(ontology):
    graph = Graph()
    shape = BNode()
    graph.add((shape, SH.select, Literal("SELECT $this WHERE { $this ef:madeUpProperty ?x ; ef:value ?v }")))
    assert undeclared(sparql_ef_names(graph), ontology) == {EF.madeUpProperty}


def test_seeds_are_consistent_with_the_ontology(ontology):
    seeds = [p for p in term_files() if p.parent.name == "seeds"]
    assert seeds
    graph = ontology + Graph()
    for path in seeds:
        graph += parse_any(path)
    assert inconsistencies(graph) == []
