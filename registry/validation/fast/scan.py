"""A lexical scan of a SPARQL SELECT query for the predicates it may read, without rdflib's parser
(pyparsing: ~90 ms a query, most of the time of compiling the plan).

:func:`scan_predicates` answers only when it is sure: every IRI the query mentions (a superset of
the predicates it reads) when no triple pattern can have a variable predicate or a negated path.
Anything it does not follow (a relative IRI, an unknown prefix, a variable or ``!`` where a
predicate may stand, odd syntax) makes it answer ``None``: then ask rdflib.
"""

from __future__ import annotations

import re

from rdflib import URIRef

from registry.rdf.sparql_lexer import significant

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class _Unsure(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in significant(text):
        if m.lastgroup == "other":
            raise _Unsure(f"cannot read {text[m.start() : m.start() + 20]!r}")
        out.append((m.lastgroup or "", m.group()))
    return out


def scan_predicates(text: str) -> frozenset[URIRef] | None:
    """Every IRI ``text`` mentions, when it is sure no triple pattern has an open predicate; else None."""
    try:
        return _Scanner(_tokens(text)).run()
    except (_Unsure, IndexError):
        return None


class _Scanner:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.t = tokens
        self.i = 0
        self.prefixes: dict[str, str] = {}
        self.iris: set[str] = {RDF_TYPE}

    # -- tokens --------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> tuple[str, str]:
        j = self.i + k
        return self.t[j] if j < len(self.t) else ("eof", "")

    def take(self) -> tuple[str, str]:
        tok = self.t[self.i]
        self.i += 1
        if tok[0] == "iri":
            if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", tok[1][1:-1]) or "?" in tok[1] or "$" in tok[1]:
                raise _Unsure("relative IRI, or a comparison read as an IRI")
            self.iris.add(tok[1][1:-1])
        elif tok[0] == "pname":
            prefix, _, local = tok[1].partition(":")
            if prefix not in self.prefixes:
                raise _Unsure(f"unknown prefix {prefix}:")
            if "\\" in local or "%" in local:
                raise _Unsure("escaped local name")
            self.iris.add(self.prefixes[prefix] + local)
        return tok

    def word(self, k: int = 0) -> str:
        kind, value = self.peek(k)
        return value.upper() if kind == "word" else ""

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise _Unsure(f"expected {value}")

    # -- query ---------------------------------------------------------------------------------
    def run(self) -> frozenset[URIRef]:
        while self.word() in ("PREFIX", "BASE"):
            if self.take()[1].upper() == "BASE":
                raise _Unsure("BASE")
            (kind, name), (iri_kind, iri) = self.peek(), self.peek(1)
            if kind != "pname" or not name.endswith(":") or iri_kind != "iri":
                raise _Unsure("PREFIX")
            self.i += 2
            self.prefixes[name[:-1]] = iri[1:-1]
        self.select()
        if self.peek()[0] != "eof":
            raise _Unsure("trailing tokens")
        return frozenset(URIRef(i) for i in self.iris)

    def select(self) -> None:
        """SELECT … WHERE { … } modifiers (at the top level or as a sub-query)."""
        if self.word() != "SELECT":
            raise _Unsure("not a SELECT query")
        self.take()
        while self.peek()[1] != "{" and self.word() != "WHERE":
            if self.take()[1] == "(":
                self.expression()
        if self.word() == "WHERE":
            self.take()
        self.expect("{")
        self.group()
        while (
            self.word() in ("GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "BY", "ASC", "DESC")
            or self.peek()[0] in ("var", "number")
            or self.peek()[1] == "("
        ):
            if self.take()[1] == "(":
                self.expression()
        if self.word() == "VALUES":
            raise _Unsure("VALUES after the query")

    def expression(self) -> None:
        """The rest of a parenthesised expression (``(`` taken): variables here are not predicates;
        EXISTS groups are graph patterns."""
        depth = 1
        while depth:
            kind, value = self.take()
            if value == "(":
                depth += 1
            elif value == ")":
                depth -= 1
            elif value == "{":
                self.group()
            elif value == "}":
                raise _Unsure("unbalanced }")
            del kind

    def group(self) -> None:
        """A group graph pattern (``{`` taken) up to its ``}``."""
        if self.word() == "SELECT":
            self.select()
            self.expect("}")
            return
        while True:
            kind, value = self.peek()
            keyword = self.word()
            if value == "}":
                self.take()
                return
            if value in (".",):
                self.take()
            elif value == "{":
                self.take()
                self.group()
            elif keyword in ("OPTIONAL", "MINUS", "UNION"):
                self.take()
            elif keyword == "GRAPH":
                raise _Unsure("GRAPH")
            elif keyword in ("SERVICE", "VALUES"):
                raise _Unsure(keyword)
            elif keyword == "FILTER":
                self.take()
                self.constraint()
            elif keyword == "BIND":
                self.take()
                self.expect("(")
                self.expression()
            else:
                self.triples()

    def constraint(self) -> None:
        """What follows FILTER: ``( … )``, ``[NOT] EXISTS { … }`` or a function call."""
        if self.word() == "NOT":
            self.take()
        if self.word() == "EXISTS":
            self.take()
            self.expect("{")
            self.group()
            return
        kind, value = self.take()
        if value != "(":
            if kind not in ("word", "iri", "pname"):
                raise _Unsure("FILTER")
            self.expect("(")
        self.expression()

    def triples(self) -> None:
        """Subject, then predicate-object lists, up to ``.`` or ``}`` (left for :meth:`group`)."""
        self.term()
        self.predicate_objects()

    def predicate_objects(self) -> None:
        """``verb object, … ; verb object …`` up to what ends it (``.``, ``}``, ``]``: not taken)."""
        while True:
            self.verb()
            self.term()
            while self.peek()[1] == ",":
                self.take()
                self.term()
            if self.peek()[1] != ";":
                return
            while self.peek()[1] == ";":
                self.take()
            if self.peek()[1] in (".", "}", "]"):
                return

    def term(self) -> None:
        """A subject or an object: a variable, an IRI, a literal, ``[ … ]`` or a collection."""
        kind, value = self.take()
        if kind in ("var", "iri", "pname", "number"):
            return
        if kind == "string":
            if self.peek()[0] == "lang":
                self.take()
            elif self.peek()[1] == "^^":
                self.take()
                if self.take()[0] not in ("iri", "pname"):
                    raise _Unsure("datatype")
            return
        if kind == "word" and value.lower() in ("true", "false"):
            return
        if value == "[":
            if self.peek()[1] != "]":
                self.predicate_objects()
            self.expect("]")
            return
        if value == "(":
            while self.peek()[1] != ")":
                self.term()
            self.take()
            return
        raise _Unsure(f"unexpected {value!r}")

    def verb(self) -> None:
        """A predicate: an IRI, ``a`` or a path of IRIs (``/``, ``|``, ``^``, ``*``, ``+``, ``?``,
        parentheses). A variable or a negated path (``!``) makes the query open."""
        self.path_primary()
        while True:
            value = self.peek()[1]
            if value in ("*", "+", "?"):
                self.take()
            elif value in ("/", "|"):
                self.take()
                self.path_primary()
            else:
                return

    def path_primary(self) -> None:
        while self.peek()[1] == "^":
            self.take()
        kind, value = self.take()
        if kind in ("iri", "pname"):
            return
        if kind == "word" and value == "a":
            return
        if value == "(":
            self.verb()
            self.expect(")")
            return
        raise _Unsure(f"{value!r} where a predicate stands")  # a variable, !, or anything else
