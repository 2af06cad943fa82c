"""Wall time of ``bot --help`` and ``bot preview`` on the sample, against ``python -c pass`` and
``python -c 'import click'`` (the floor of any click command).

Each command runs as a fresh process (that is what a user waits for), alternating with the
baseline so machine noise hits both; the report gives medians and the ratio to the baseline.
The project's modules are compiled first, as pip compiles an installed package (bench/bytecode.py).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "ml4sci-33.txt"
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def _time(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs: int = RUNS) -> dict[str, float]:
    from bench.bytecode import compile_sources

    compile_sources(ROOT)
    python = sys.executable
    cases = {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import click'": [python, "-c", "import click"],
        "bot --help": [python, "-m", "bot", "--help"],
        "bot preview sample": [python, "-m", "bot", "preview", str(SAMPLE)],
        "bot preview sample --format json": [
            python, "-m", "bot", "preview", str(SAMPLE), "--format", "json"
        ],
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory() as cwd:  # no bot.toml or .env from the checkout
        for argv in cases.values():  # warm the page cache and .pyc files
            _time(argv, cwd)
        for _ in range(runs):
            for name, argv in cases.items():
                samples[name].append(_time(argv, cwd))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    medians = measure()
    base, click_base = medians["python -c pass"], medians["python -c 'import click'"]
    print(f"{'command':36} {'median ms':>10} {'x pass':>7} {'x click':>8}   ({RUNS} runs each)")
    for name, value in medians.items():
        print(f"{name:36} {value * 1000:10.1f} {value / base:7.2f} {value / click_base:8.2f}")


if __name__ == "__main__":
    main()
