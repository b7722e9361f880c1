"""Every route and every ``efreg`` command is documented in README.md (Datasette's test_docs.py).

One case per Flask URL rule of ``create_app()`` (the route table of "The web interface") and one per
click command or subcommand of ``efreg`` (the command table of "The ``efreg`` command"). A new route
or command fails here until its README row is written.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import click
import pytest

from registry.cli import main
from registry.config import Settings
from registry.web import create_app

README = Path(__file__).resolve().parents[1] / "README.md"
CODE = re.compile(r"`([^`]+)`")
PLACEHOLDER = r"\{[^{}/]+\}"


def _table(header: str) -> list[str]:
    """The rows of the README table whose header line starts with ``header``."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line.replace(r"\|", "\N{BROKEN BAR}"))  # an escaped | inside a cell
    return rows


@cache
def documented_paths() -> frozenset[str]:
    """Every path spelled in code in the route table, ``…`` (more segments) dropped."""
    spans = (span for row in _table("| route |") for span in CODE.findall(row))
    return frozenset(span.rstrip("…") for span in spans if span.startswith("/"))


@cache
def documented_commands() -> frozenset[tuple[str, ...]]:
    """Command paths from the first cell of each command-table row: ``efreg token create¦list``."""
    commands: set[tuple[str, ...]] = set()
    for row in _table("| command |"):
        first = CODE.findall(row.split("|")[1])[0].split()
        assert first[0] == "efreg", row
        paths: list[tuple[str, ...]] = [()]
        for word in first[1:]:
            if not re.fullmatch(r"[a-z][a-z-]*(¦[a-z][a-z-]*)*", word):
                break  # an argument (PATH...), an option ([--x]) or "…"
            paths = [(*p, alternative) for p in paths for alternative in word.split("¦")]
        commands.update(paths)
    return frozenset(commands)


def _rule_pattern(rule: str) -> re.Pattern[str]:
    """A Flask rule as a regex over README spellings: a variable matches a ``{placeholder}``, a
    ``path`` variable several segments of them, an ``any`` variable also one of its words."""
    out = ""
    for part in re.split(r"(<[^>]+>)", rule):
        converter = re.fullmatch(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>", part)
        if converter is None:
            out += re.escape(part)
        elif converter[1] == "path":
            out += rf"{PLACEHOLDER}(?:/{PLACEHOLDER})*"
        elif converter[1] == "any":
            words = "|".join(re.escape(w.strip(" '\"")) for w in converter[2].split(","))
            out += rf"(?:{PLACEHOLDER}|{words})"
        else:
            out += PLACEHOLDER
    return re.compile(out)


def _routes() -> list[str]:
    app = create_app(Settings(store="memory:"))
    return sorted({rule.rule for rule in app.url_map.iter_rules()})


def _commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        out.append((*path, name))
        if isinstance(command, click.Group):
            out.extend(_commands(command, (*path, name)))
    return out


@pytest.mark.parametrize("rule", _routes())
def test_route_is_documented(rule: str) -> None:
    pattern = _rule_pattern(rule)
    assert any(pattern.fullmatch(path) for path in documented_paths()), (
        f"{rule} is not in README.md's route table (The web interface)"
    )


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_command_is_documented(command: tuple[str, ...]) -> None:
    documented = documented_commands()
    assert command in documented or any(c[: len(command)] == command for c in documented), (
        f"efreg {' '.join(command)} is not in README.md's command table (The efreg command)"
    )


def test_the_tables_are_found_and_read() -> None:
    """The parsers see what a reader sees (a broken table would document nothing)."""
    assert {"/", "/sparql", "/ontology.{ext}", "/{kind}/{id}"} <= documented_paths()
    assert {("serve",), ("token", "create"), ("dataset", "recover"), ("mappings", "crosswalk")} <= (
        documented_commands()
    )
    assert _rule_pattern("/dumps/dataset/<path:rest>.nq.gz").fullmatch("/dumps/dataset/{id}/{version}.nq.gz")
    assert not _rule_pattern("/ontology/<term>").fullmatch("/ontology")
