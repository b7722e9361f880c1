"""Crosswalks, mapping sets and the ECFO profile show only what is published (access.ReadView)."""

from __future__ import annotations

from conftest import BASE

DRAFT = """@prefix ef: <https://w3id.org/efreg/ontology#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<dataset/draft-gas/1> {
    <dataset/draft-gas/1> a dcat:Dataset ; dcat:version "1" ; dct:isVersionOf <dataset/draft-gas> ;
        dct:publisher <publisher/ipcc> ; ef:accessLevel ef:Open ; ef:reviewStatus ef:Draft .
    <factor/draft-gas/1> a ef:EmissionFactor ; rdfs:label "Unreleased gas factor"@en ;
        dcat:version "1" ; dct:isVersionOf <factor/draft-gas> ; dct:isPartOf <dataset/draft-gas/1> ;
        ef:activity <category/activity/natural-gas-combustion> ;
        ef:activityCategory <category/ipcc2006/1.A.1> ; ef:accessLevel ef:Open .
}
"""


def test_a_draft_factor_is_not_reached_by_a_crosswalk_or_the_ecfo_profile(client, store):
    before = client.get("/api/crosswalk?scheme=isic4&code=3510", headers={"Accept": "application/json"})
    assert before.status_code == 200 and before.json["count"] >= 19
    store.load(DRAFT.encode(), "trig", base_iri=BASE)
    after = client.get("/api/crosswalk?scheme=isic4&code=3510", headers={"Accept": "application/json"})
    found = {m["factor"] for m in after.json["factors"]}
    assert BASE + "factor/draft-gas/1" not in found
    assert after.json["count"] == before.json["count"]
    assert (
        client.get("/factor/draft-gas/1?_profile=ecfo", headers={"Accept": "text/turtle"}).status_code == 404
    )
    published = client.get(
        "/factor/ipcc2006-t2.2-natural-gas/1?_profile=ecfo", headers={"Accept": "text/turtle"}
    )
    assert published.status_code == 200


def test_mapping_sets_listed_are_published_ones(client, store):
    listed = {s["iri"] for s in client.get("/api/mappings").json}
    assert listed, "the seed mapping sets are listed"
    store.load(
        DRAFT.replace(
            "dcat:Dataset ;", 'dcat:Dataset , ef:MappingSet ; dct:identifier "draft-gas" ;'
        ).encode(),
        "trig",
        base_iri=BASE,
    )
    assert {s["iri"] for s in client.get("/api/mappings").json} == listed
