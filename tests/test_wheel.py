"""The wheel carries everything the registry reads at run time (issue 12: data inside the package).

Builds the wheel from a clean copy of the checkout, installs it into a fresh virtualenv and runs
``efreg`` from a directory outside the checkout: it serves the seed factors and the ontology, and
validates a real ILCD file (which needs the shapes, the reference seeds and ILCD's location list).
The virtualenv sees the test environment's site-packages through a ``.pth`` line, for the
dependencies (rdflib, flask, ...) without a download; a ``.pth`` line adds a directory without
running that directory's own ``.pth`` files, so the editable install of the checkout stays out of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
ILCD_PROCESS = ROOT / "tests/data/ingest/tiangong/processes/0059b3c2-8989-44a7-882e-c26a3dc06a2f.xml"
#: Not part of a build: the environment, caches, build output, tests and tooling.
NOT_SOURCES = {".venv", ".git", "var", "build", "dist", "tests", "benchmarks", "docs", "node_modules"}


def _ignore(directory: str, names: list[str]) -> set[str]:
    top = Path(directory) == ROOT
    return {
        name
        for name in names
        if name == "__pycache__"
        or name.endswith(".egg-info")
        or (top and (name in NOT_SOURCES or name.startswith(".")))
    }


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EFREG_", "PYTHON"))}
    return {**env, "EFREG_BASE_URI": "http://127.0.0.1/"}


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed; returns its bin directory."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_ignore)
    # No build isolation: setuptools comes from the test environment ('.[test]'), no download.
    pip = (sys.executable, "-m", "pip", "-q")
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp, source, cwd=tmp)
    [wheel] = tmp.glob("efreg-*.whl")
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    _run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp)
    # The dependencies, after the install (pip would take the checkout's editable install for it).
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp)
    deps = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    Path(site.stdout.strip(), "efreg-test-deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return venv / "bin"


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory outside the checkout."""
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def server(installed: Path, outside: Path) -> Iterator[str]:
    """``efreg serve`` from the installed wheel, with a fresh on-disk store; yields its root URL."""
    port = free_port()
    store = "oxigraph://" + (outside / "store").as_posix()
    log = (outside / "serve.log").open("wb")
    proc = subprocess.Popen(
        [installed / "efreg", "serve", "--host", "127.0.0.1", "--port", str(port), "--store", store],
        cwd=outside,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    root = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(root + "api/openapi.json", timeout=5)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((outside / "serve.log").read_text(errors="replace")) from None
                time.sleep(0.2)
        yield root
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path, outside: Path) -> None:
    code = "import registry, registry.paths as p; print(registry.__file__); print(p.ONTOLOGY_FILE)"
    out = _run(installed / "python", "-c", code, cwd=outside).stdout.split()
    venv = installed.parent.resolve()
    assert all(Path(line).resolve().is_relative_to(venv) for line in out), out
    assert Path(out[1]).is_file() and not Path(out[1]).is_symlink()


def test_the_wheel_serves_the_seed_factors(server: str) -> None:
    response = requests.get(server, headers={"Accept": "application/json"}, timeout=30)
    assert response.status_code == 200
    assert response.json()["factors"] > 0
    page = requests.get(server + "factor/", timeout=30)
    assert page.status_code == 200 and "/factor/" in page.text


def test_the_wheel_serves_the_ontology_as_turtle(server: str) -> None:
    response = requests.get(server + "ontology.ttl", timeout=30)
    assert response.status_code == 200, response.text[:500]
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef("https://w3id.org/efreg/ontology"), RDF.type, OWL.Ontology) in graph


def test_the_wheel_validates_a_real_ilcd_file(installed: Path, outside: Path) -> None:
    result = subprocess.run(
        [installed / "efreg", "validate", "--json", ILCD_PROCESS],
        cwd=outside,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["conforms"] is True
