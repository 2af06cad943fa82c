"""Compile the project's modules to ``__pycache__`` before a wall-time benchmark.

An installed wheel ships compiled bytecode, and an editable install writes it on first import,
unless ``PYTHONDONTWRITEBYTECODE`` is set, as it is on our CI machines: there every ``bot`` run
would compile its ~140 modules from source again, about 40 ms the user never waits for. The
libraries in site-packages were compiled by pip; this does the same for ours, so a benchmark
measures what a user runs.
"""

from __future__ import annotations

import compileall
from pathlib import Path


def compile_sources(root: Path) -> None:
    for package in ("bot", "collectors"):
        if (root / package).is_dir():
            compileall.compile_dir(str(root / package), quiet=1)
