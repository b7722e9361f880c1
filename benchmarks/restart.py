"""Start-up, restart and peak RSS of ``efreg serve`` on an existing store (target P4).

    python -m benchmarks.restart STORE_DIR [--factors N] [--seconds S]

Starts the server on the on-disk store, dereferences factors for S seconds (the store must hold
``benchmarks.generate`` data of N factors), reports the peak RSS, then restarts it three times.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.generate import Sizes
from benchmarks.run import EfregServer, dereference


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.restart", description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="directory of an Oxigraph store filled with generated data")
    parser.add_argument("--factors", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    server = EfregServer(args.store)
    print(f"start-up {server.start():.2f} s", flush=True)
    print(
        "dereference", dereference(server.url, Sizes(factors=args.factors), args.seconds, 8, 1, 2), flush=True
    )
    print(f"peak RSS {server.peak_rss_mb():.0f} MB", flush=True)
    server.stop()
    for _ in range(3):
        print(f"restart {server.start():.2f} s", flush=True)
        server.stop()


if __name__ == "__main__":
    main()
