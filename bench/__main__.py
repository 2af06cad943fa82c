"""Run every benchmark: ``python -m bench`` (or ``python -m bench cli store``)."""

from __future__ import annotations

import importlib
import sys

BENCHES = ["cli", "store", "harvest", "digest"]


def main(argv: list[str]) -> None:
    for name in argv or BENCHES:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"\n## bench_{name}")
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
