"""Build the prebuilt sample data a first run serves (registry/data/samples/*.nq.gz) from the shared
data folder (../shared/data beside the checkout):

    .venv/bin/python seeds/build_samples.py [--shared DIR] [--out DIR]

Each sample is imported through the gate as `efreg load` would (the importers, SHACL validation, the
warnings kept with each dataset), with its attribution on every dataset record, into a fresh store
holding the seeds; its dataset graphs are written as sorted, gzipped N-Quads under the base
http://localhost:8080/ (replaced by the registry's base URI when loaded). See seeds/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.ingest.seeds import SAMPLES, build_sample  # noqa: E402  (after the path above)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=None, help="default: registry/data/samples")
    args = parser.parse_args()
    for sample in SAMPLES:
        started = time.monotonic()
        out = args.out / f"{sample.name}.nq.gz" if args.out else None
        factors = build_sample(sample, args.shared, out)
        print(
            f"{sample.name}: {factors} factors in {time.monotonic() - started:.1f} s -> {out or sample.file}"
        )


if __name__ == "__main__":
    main()
