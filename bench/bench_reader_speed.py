"""``bot preview`` on the sample, now and at a baseline commit, in the same run:
``python -m bench.bench_reader_speed [REV]`` (default: the commit before issue 9's reader).

The baseline is checked out into a temporary git worktree and run with this checkout's own
interpreter and installed libraries, so only the code differs. Runs alternate so machine
noise hits both; the report gives medians and the ratio (issue 9 allows at most 1.5x).
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
CONFIG = ROOT / "examples" / "bot.toml"
BASELINE = "cd36202"  # the last commit before the story reader
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
_RUN = "import sys; sys.path.insert(0, sys.argv.pop(1)); from bot.cli import main; main()"


def _time(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(rev: str = BASELINE, runs: int = RUNS) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), rev],
                       check=True, capture_output=True)
        try:
            from bench.bytecode import compile_sources

            compile_sources(ROOT)  # both sides run compiled, as an installed package does
            compile_sources(base)
            python = sys.executable
            cases = {
                "python -c pass": [python, "-c", "pass"],
                f"bot preview sample @ {rev}": [python, "-c", _RUN, str(base), "preview", str(SAMPLE)],
                "bot preview sample (now)": [python, "-c", _RUN, str(ROOT), "--config", str(CONFIG), "preview", str(SAMPLE)],
            }
            with tempfile.TemporaryDirectory() as cwd:
                for argv in cases.values():
                    _time(argv, cwd)  # warm the page cache
                samples: dict[str, list[float]] = {name: [] for name in cases}
                for _ in range(runs):
                    for name, argv in cases.items():
                        samples[name].append(_time(argv, cwd))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    medians = measure(rev)
    names = list(medians)
    print(f"{'command':36} {'median ms':>10}   ({RUNS} runs each, alternating)")
    for name in names:
        print(f"{name:36} {medians[name] * 1000:10.1f}")
    ratio = medians[names[2]] / medians[names[1]]
    print(f"now / baseline: {ratio:.2f}x (issue 9 allows 1.5x) -> {'met' if ratio <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
