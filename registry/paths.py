"""Where the registry's data files are: the ontology, the shapes, the seeds, the ILCD location list.

The one place that resolves a data path. Everything is found through ``importlib.resources`` under
the ``registry`` package (``registry/data/``), so a checkout, an editable install and an installed
wheel read the same files. In the checkout ``registry/data/ontology``, ``shapes`` and ``seeds`` are
symbolic links to the top-level folders people edit; building a wheel copies the files they point
to into the package (``setup.cfg``, ``[options.package_data]``; ``tests/test_wheel.py`` checks it).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _data_dir() -> Path:
    root = files("registry") / "data"
    if not isinstance(root, Path):  # a zipped install: the stores and parsers need real files
        raise RuntimeError(f"efreg must be installed as files on disk, not zipped ({root})")
    return root


#: ``registry/data``: everything below is shipped in the wheel.
DATA_DIR: Path = _data_dir()
#: The efreg ontology (top-level ``ontology/efreg.ttl`` in the checkout).
ONTOLOGY_FILE: Path = DATA_DIR / "ontology" / "efreg.ttl"
#: The SHACL shapes, one file per concern (top-level ``shapes/`` in the checkout).
SHAPES_DIR: Path = DATA_DIR / "shapes"
#: The seed datasets, loaded at start when missing from the store (top-level ``seeds/`` in the checkout).
SEEDS_DIR: Path = DATA_DIR / "seeds"
#: The real sample data a first run serves besides the seeds (TianGong ILCD processes, the Open
#: Emission Factors DB), prebuilt as N-Quads by ``seeds/build_samples.py`` (see seeds/README.md).
SAMPLES_DIR: Path = DATA_DIR / "samples"
#: Seed datasets that make up the reference data (geographies, gases, units, GWP sets, ...).
REFERENCE_FILES: tuple[Path, ...] = (SEEDS_DIR / "reference.trig", SEEDS_DIR / "gwp100.trig")
#: ILCD's location list (from TianGong-LCA-Data, MIT): names of countries, provinces and cities.
ILCD_LOCATIONS: Path = DATA_DIR / "ILCDLocations.xml"


def shape_files(directory: Path = SHAPES_DIR) -> list[Path]:
    """The shapes files (``*.ttl``), sorted by name."""
    return sorted(directory.glob("*.ttl"))


def seed_files(directory: Path = SEEDS_DIR) -> list[Path]:
    """The seed files (``*.trig``), sorted by name."""
    return sorted(directory.glob("*.trig"))
