"""JSON and XML documents read within limits: the nesting depth (``Settings.max_nesting_depth``) and
no DTD or entity (defusedxml). A refusal is an :class:`IngestError` that says where: the line and
column, and for JSON the path (``$.processDataSet.exchanges.exchange[3]``).

Python's ``json`` and the code that walks a document recurse per level, so a document nested 100,000
deep would end in ``RecursionError``; the limit refuses it first, with its path."""

from __future__ import annotations

import json
import re
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from registry.ingest.base import IngestError

# --- JSON ----------------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')
_NAME = re.compile(r"[A-Za-z_@$][\w@$:-]*")


def load_json(name: str, data: bytes, max_depth: int) -> object:
    """``data`` (UTF-8, a BOM allowed) as JSON; refused when malformed or nested deeper than
    ``max_depth`` objects and arrays (the message gives the JSON path of the first one too deep)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(f"not UTF-8 ({e.reason} at byte {e.start})", file=name) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(
            f"malformed JSON: {e.msg}", file=name, where=f"line {e.lineno}, column {e.colno}"
        ) from None
    except RecursionError:
        doc = None  # deeper than Python's json reads: certainly deeper than the limit
        _too_deep(name, text, max_depth)
    except ValueError as e:  # e.g. an integer of more than 4,300 digits (sys.int_info)
        raise IngestError(f"JSON that Python cannot read: {e}", file=name) from None
    if _depth(doc) > max_depth:
        _too_deep(name, text, max_depth)
    return doc


def _depth(doc: object) -> int:
    """How many objects and arrays deep ``doc`` nests (iteratively: any depth)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _too_deep(name: str, text: str, max_depth: int) -> None:
    """Raise the refusal for the first object or array nested deeper than ``max_depth``, found by
    a lexical scan (strings skipped, keys and indexes kept for the path)."""
    stack: list[list] = []  # per open container: [is_array, key or index]
    last_string: str | None = None
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        char = token[0]
        if char == '"':
            last_string = token
            continue
        if char == ":" and stack and not stack[-1][0] and last_string is not None:
            stack[-1][1] = last_string
        elif char == "," and stack and stack[-1][0]:
            stack[-1][1] += 1
        elif char in "[{":
            stack.append([char == "[", 0 if char == "[" else None])
            if len(stack) > max_depth:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                raise IngestError(
                    f"nested more than {max_depth} objects and arrays deep (setting max_nesting_depth)",
                    file=name,
                    where=f"{json_path(stack[:-1])}, line {line}, column {column}",
                )
        elif char in "]}" and stack:
            stack.pop()
        last_string = None
    raise IngestError(  # json.loads recursed too deep but the scan found no such depth: say so plainly
        f"nested more than {max_depth} objects and arrays deep (setting max_nesting_depth)", file=name
    )


def json_path(stack: list[list]) -> str:
    """``$.a.b[3]["odd key"]`` for the open containers of :func:`_too_deep`; long paths shortened
    in the middle."""
    steps = []
    for is_array, at in stack:
        if is_array:
            steps.append(f"[{at}]")
            continue
        try:
            key = json.loads(at) if at is not None else "?"
        except ValueError:
            key = "?"
        key = str(key)[:40]
        steps.append(f".{key}" if _NAME.fullmatch(key) else f"[{json.dumps(key, ensure_ascii=False)}]")
    if len(steps) > 12:
        steps = [*steps[:6], "…", *steps[-5:]]
    return "$" + "".join(steps)


# --- XML -----------------------------------------------------------------------------------------

#: Elements this shallow get their line recorded (the root, the dataset information, its UUID).
LINED_DEPTH = 4


class _Builder(TreeBuilder):
    """A tree builder that counts depth (refusing past the limit) and records the line of the
    shallow elements."""

    def __init__(self, name: str, max_depth: int) -> None:
        super().__init__()
        self.name, self.max_depth = name, max_depth
        self.depth = 0
        self.lines: dict[int, int] = {}
        self.parser: DefusedXMLParser | None = None

    def line(self) -> int:
        return self.parser.parser.CurrentLineNumber if self.parser is not None else 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:  # type: ignore[override]
        self.depth += 1
        if self.depth > self.max_depth:
            raise IngestError(
                f"elements nested more than {self.max_depth} deep (setting max_nesting_depth)",
                file=self.name,
                where=f"line {self.line()}, element <{tag.rsplit('}', 1)[-1]}>",
            )
        element = super().start(tag, attrs)
        if self.depth <= LINED_DEPTH:
            self.lines[id(element)] = self.line()
        return element

    def end(self, tag: str) -> Element:  # type: ignore[override]
        self.depth -= 1
        return super().end(tag)


def parse_xml(
    name: str, data: bytes, max_depth: int, *, forbid_dtd: bool = True
) -> tuple[Element, dict[int, int]]:
    """The element tree of ``data`` and the line of each shallow element (by ``id``); no entity
    declaration (and with ``forbid_dtd`` no DTD) is accepted, nothing external is read."""
    builder = _Builder(name, max_depth)
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=forbid_dtd, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(data)
        return parser.close(), builder.lines
    except DefusedXmlException as e:
        raise IngestError(
            f"XML with a {'DTD or ' if forbid_dtd else ''}entity declaration is refused ({type(e).__name__}: "
            "no external entities, no entity expansion)",
            file=name,
            where=f"line {builder.line()}",
        ) from None
    except ParseError as e:
        line, col = e.position
        raise IngestError(f"malformed XML ({e})", file=name, where=f"line {line}, column {col}") from None
    except LookupError as e:  # <?xml encoding="…"?> naming no codec Python knows
        raise IngestError(f"the XML declares an unknown encoding ({e})", file=name, where="line 1") from None
