"""Requests per 1,000 harvested posts, and peak memory while harvesting 10k vs 100k posts.

The fake X server (tests/fakes) serves synthetic tweets shaped like the recorded bodies in
pages of 100; the harvest runs the real path (tweepy over HTTP, transform, ``save_page``) in a
child process, which reports its own peak RSS (``VmHWM``). Flat memory means the 100k run
peaks about where the 10k run does. ``BENCH_SIZES`` changes the counts (comma separated).
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
PAGE = 100

TOML = """
[[sources]]
name = "bench"
platform = "x"
search = "machine learning"
limit = 1000000
"""


def child(count: int) -> None:
    """Harvest everything the server has; print posts, requests, seconds and peak RSS as JSON."""
    from bot.db import open_db
    from bot.harvest import harvest
    from bot.settings import load

    settings = load(os.environ["BENCH_CONFIG"], dotenv=None)
    db = open_db(os.environ["BENCH_DB"])
    start = time.perf_counter()
    [result] = harvest(settings, db)
    elapsed = time.perf_counter() - start
    peak_kb = _peak_rss_kb()
    print(json.dumps({
        "posts": db["posts"].count, "requests": result.requests, "status": result.status,
        "seconds": elapsed, "peak_mb": peak_kb / 1024,
    }))


def _peak_rss_kb() -> int:
    """This process's peak RSS. VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would
    count the parent's memory (which holds every synthetic tweet) from before the fork."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(count: int) -> dict:
    from tests.fakes.x_server import XServer, synthetic_tweets

    tweets, users = synthetic_tweets(count)
    # A window big enough for the whole run: this measures the pipeline, not the rate limit.
    with tempfile.TemporaryDirectory() as directory, XServer(limits={"/2/tweets/search/recent": 10**6}) as server:
        server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
        config = Path(directory) / "bot.toml"
        config.write_text(TOML, encoding="utf-8")
        env = {
            **os.environ, "PYTHONPATH": str(ROOT), "X_BEARER_TOKEN": "bench", "X_API_BASE_URL": server.base_url,
            "BENCH_CONFIG": str(config), "BENCH_DB": str(Path(directory) / "bench.db"),
        }
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_harvest", "--child", str(count)],
            env=env, cwd=directory, check=True, capture_output=True, text=True,
        ).stdout
        report = json.loads(out.strip().splitlines()[-1])
        report["served"] = server.count()
    return report


def measure_reddit(count: int = 1000) -> dict:
    """A Reddit listing to its 1,000-item end, in process: requests include the OAuth token."""
    from bot.db import open_db
    from bot.harvest import harvest
    from bot.settings import load
    from tests.fakes.reddit_server import RedditServer, synthetic_submissions

    with tempfile.TemporaryDirectory() as directory, RedditServer() as server:
        server.serve_listing("/r/MachineLearning/new", synthetic_submissions(count))
        config = Path(directory) / "bot.toml"
        config.write_text('[[sources]]\nname = "r"\nplatform = "reddit"\nsubreddit = "MachineLearning"\nlimit = 1000\n')
        environ = {"REDDIT_CLIENT_ID": "b", "REDDIT_CLIENT_SECRET": "b", "REDDIT_BASE_URL": server.base_url}
        db = open_db(Path(directory) / "r.db")
        [result] = harvest(load(config, environ=environ, dotenv=None), db)
        posts = db["posts"].count
        db.close()
    return {"posts": posts, "requests": result.requests}


def main() -> None:
    print(f"{'posts':>8} {'requests':>9} {'min':>5} {'req/1k posts':>13} {'min/1k':>7} {'seconds':>8} {'posts/s':>8} {'peak MB':>8}")
    peaks = []
    for count in SIZES:
        report = measure(count)
        assert report["posts"] == count and report["status"] == "ok", report
        minimum = math.ceil(count / PAGE)
        print(
            f"{count:8d} {report['requests']:9d} {minimum:5d} {1000 * report['requests'] / count:13.2f} "
            f"{1000 * minimum / count:7.2f} {report['seconds']:8.1f} {count / report['seconds']:8.0f} {report['peak_mb']:8.1f}"
        )
        peaks.append(report["peak_mb"])
    reddit = measure_reddit()
    print(
        f"reddit: {reddit['posts']} posts in {reddit['requests']} requests "
        f"(minimum {math.ceil(reddit['posts'] / PAGE)} listing pages + 1 OAuth token)"
    )
    if len(peaks) > 1:
        print(f"peak memory {SIZES[-1]} vs {SIZES[0]} posts: {peaks[-1] / peaks[0]:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]))
    else:
        main()
