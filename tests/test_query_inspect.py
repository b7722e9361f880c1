"""Query inspection through templates (registry.query.inspect.inspect_query) gives exactly what a
full parse of the text gives, on the benchmark mix, the W3C protocol tests and texts that a lexical
scan could misread; texts it cannot read with certainty are parsed as they are."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from registry.query.inspect import _inspect_query, _inspect_template, inspect_query, query_template
from registry.store import QuerySyntaxError

from w3c_protocol import load_cases

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is beside the package, not installed with it
    sys.path.insert(0, str(ROOT))
from benchmarks.generate import Sizes  # noqa: E402
from benchmarks.queries import MIX  # noqa: E402

E = "https://example.org/"

TRICKY = [
    # strings holding what looks like IRIs, comments, SERVICE, FROM
    f'SELECT * WHERE {{ ?s <{E}p> "<{E}secret> # not a comment" }}',
    f"SELECT * WHERE {{ ?s <{E}p> 'SERVICE <{E}x> {{ }}' ; <{E}q> \"it's\" }}",
    # comments holding strings and IRIs
    f'SELECT * WHERE {{ ?s ?p ?o # "a string" <{E}commented>\n . ?s <{E}p2> "x" }}',
    # IRIs holding quote and hash characters
    f'SELECT * WHERE {{ ?s <{E}it\'s> ?o ; <{E}p#frag> "v" }}',
    # FROM, FROM NAMED, GRAPH, SERVICE with slots
    f'SELECT * FROM <{E}g1> FROM NAMED <{E}g2> WHERE {{ GRAPH <{E}g2> {{ ?s <{E}p> "x"@en }} }}',
    f"SELECT * WHERE {{ SERVICE SILENT <{E}sparql> {{ ?s <{E}p> ?o }} }}",
    f"SELECT * WHERE {{ SERVICE ?svc {{ ?s <{E}p> ?o }} }}",
    # the same IRI twice, typed literals, paths with modifiers, VALUES, negated sets
    f'SELECT * WHERE {{ <{E}a> <{E}p>* ?x . ?x <{E}p> <{E}a> ; <{E}y> "2021"^^<http://www.w3.org/2001/XMLSchema#gYear> }}',
    f'SELECT * WHERE {{ VALUES ?x {{ <{E}a> "b" }} ?x !(<{E}p>|^<{E}q>) ?y }}',
    f"SELECT * WHERE {{ ?x <{E}p>? <{E}end> }}",
    f"SELECT * WHERE {{ ?x (<{E}p>/<{E}q>)* ?y }}",
    # comparisons (a '<' that is not an IRI) and IRI-like runs inside them
    f"SELECT * WHERE {{ ?s <{E}v> ?v FILTER(?v<3&&?v>1) }}",
    f'SELECT * WHERE {{ ?s <{E}v> ?v FILTER(?v < "b" && ?v > "a") }}',
    f'PREFIX ex: <{E}> SELECT * WHERE {{ ?s <{E}v> ?v FILTER(?v<ex:b&&?v>"a") }}',
    # prefixed names next to PREFIX declarations, lower-case keywords, ASK / CONSTRUCT / DESCRIBE
    f'prefix ex: <{E}> select ?s where {{ ?s ex:p "x" ; a ex:C }}',
    f'ASK {{ <{E}s> <{E}p> "x" }}',
    f'CONSTRUCT {{ ?s <{E}q> "k" }} WHERE {{ ?s <{E}p> ?o }}',
    f"DESCRIBE <{E}s> <{E}t>",
    # relative IRIs and BASE are resolved against the base, not slotted
    'SELECT * WHERE { ?s <relative/p> "x" }',
    f'BASE <{E}base/> SELECT * WHERE {{ ?s <p> "x" ; <{E}abs> ?o }}',
    # escapes, long strings, unicode escapes: parsed as they are
    f'SELECT * WHERE {{ ?s <{E}p> "a\\"b" }}',
    f"SELECT * WHERE {{ ?s <{E}p> '''long\nstring''' }}",
    f'SELECT * WHERE {{ ?s <{E}p\\u0041> "x" }}',
    # syntax errors stay syntax errors
    f'SELECT * WHERE {{ ?s <{E}p> "x" ',
    f'SELECT * WHERE {{ ?s <{E}p> "x" . FILTER(<{E}f>("a" "b")) }}',
    f'SELECT * WHERE {{ ?s <{E}p> "x"  "y" }}',
]


def _mix() -> list[str]:
    rng = random.Random(7)
    return [q.render(rng, Sizes(factors=1000), E) for q in MIX for _ in range(3)]


def _w3c() -> list[str]:
    texts = []
    for case in load_cases():
        for request in case.requests:
            if request.headers.get("content-type", "").startswith("application/sparql-query"):
                texts.append((request.body or b"").decode("utf-8", "replace"))
            for source in (urlsplit(request.path).query, (request.body or b"").decode("utf-8", "replace")):
                for value in parse_qs(source).get("query", []):
                    texts.append(unquote_plus(value) if "%" in value else value)
    return texts


def _full(text: str) -> object:
    try:
        return _inspect_query(text, E)
    except QuerySyntaxError as exc:
        return type(exc)


def _templated(text: str) -> object:
    try:
        return inspect_query(text, E)
    except QuerySyntaxError as exc:
        return type(exc)


@pytest.mark.parametrize("text", TRICKY + _mix() + _w3c())
def test_template_inspection_equals_full_parse(text: str) -> None:
    assert _templated(text) == _full(text)
    assert _templated(text) == _full(text)  # again, from the template cache


def test_templates_are_shared_by_queries_of_one_shape() -> None:
    one, two = (f'SELECT * WHERE {{ ?f <{E}geo> <{E}geo/{g}> ; <{E}label> "{g}" }}' for g in ("CN", "US"))
    assert query_template(one)[0] == query_template(two)[0]
    assert query_template(one)[1] == (f"{E}geo", f"{E}geo/CN", f"{E}label", "CN")
    assert inspect_query(two, E).iris == {f"{E}geo", f"{E}geo/US", f"{E}label"}


@pytest.mark.parametrize(
    "text",
    [
        f"SELECT * WHERE {{ ?s <{E}v> ?v FILTER(?v < 3) }}",  # a comparison
        f'BASE <{E}> SELECT * WHERE {{ ?s <p> "x" }}',
        f'SELECT * WHERE {{ ?s <{E}p> "a\\"b" }}',
        f"SELECT * WHERE {{ ?s <{E}p> '''x''' }}",
        'SELECT * WHERE { ?s <urn:x-efreg-slot:0> "x" }',  # the slot marker itself
    ],
)
def test_texts_a_scan_cannot_read_with_certainty_are_not_templated(text: str) -> None:
    assert query_template(text) is None


def test_a_text_with_nothing_to_replace_is_its_own_template_without_comments() -> None:
    one, two = (f"SELECT * WHERE {{ ?s ?p ?o }} # {n}\n" for n in ("run 1", "run 2"))
    assert query_template(one) == query_template(two) == ("SELECT * WHERE { ?s ?p ?o }  \n", ())
    assert inspect_query(one).form == "select"


def test_typed_literals_are_templated_with_their_datatype() -> None:
    text = f'SELECT * WHERE {{ ?s <{E}y> "2021"^^<http://www.w3.org/2001/XMLSchema#gYear> }}'
    shape, values = query_template(text)
    assert values == (f"{E}y", "2021", "http://www.w3.org/2001/XMLSchema#gYear")
    assert _inspect_template(shape, E, 3) is not None


def test_comments_are_not_part_of_the_shape() -> None:
    one, two = (f'SELECT * WHERE {{ ?s <{E}p> ?o }} # {n}\n# "{n}"' for n in ("run 1", "run 2"))
    assert query_template(one) == query_template(two)


def test_prefix_declarations_stay_in_the_template() -> None:
    shape, values = query_template(f"PREFIX ex: <{E}> SELECT * WHERE {{ ?s ex:p <{E}o> }}")
    assert shape.startswith(f"PREFIX ex: <{E}>") and values == (f"{E}o",)
