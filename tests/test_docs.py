"""Every route and every CLI command is documented in the README (as Datasette enforces)."""

from __future__ import annotations

import re

import click

from registry.cli import main

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def documented_route(rule: str) -> str:
    """`/<any(factor, …):kind>/<path:rest>` -> `/{kind}/`-style prefix that the README must show."""
    rule = re.sub(r"<any\([^)]*\):(\w+)>", r"{\1}", rule)
    rule = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
    return rule.split("{rest}")[0].split("{path}")[0]


def test_every_route_is_in_the_readme(app):
    missing = []
    for rule in app.url_map.iter_rules():
        route = documented_route(rule.rule)
        route = route.replace("{filename}", "…")
        if route not in README:
            missing.append(f"{rule.rule} (looked for {route!r})")
    assert not missing, "routes missing from README.md: " + ", ".join(missing)


def test_every_cli_command_is_in_the_readme():
    """Each top-level command has its own `efreg NAME` entry; each subcommand is named in its
    group's entry (`efreg mappings import|export|…`)."""
    missing = []
    for name, command in main.commands.items():
        if f"`efreg {name}" not in README:
            missing.append(f"efreg {name}")
        if isinstance(command, click.Group):
            entry = re.search(rf"`efreg {name} ([^`]*)`", README)
            for sub in command.commands:
                if entry is None or not re.search(rf"\b{sub}\b", entry.group(1)):
                    missing.append(f"efreg {name} {sub}")
    assert len(main.commands) >= 7
    assert not missing, f"commands missing from README.md: {missing}"
