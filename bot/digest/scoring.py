"""Provide :func:`score_threads`: an explainable score per harvested thread.

A score is a sum of named, bounded parts, so ``bot digest --explain`` can say why a thread
ranks where it does:

* ``engagement`` (0–3): likes + 2×reposts + quotes over the posts held, plus the replies held,
  per day of age (+1 day, so a new thread is not infinitely good), as a rank among the
  threads *of the same platform*: 3 for the best, 0 for the least (a like on X and a like on
  Bluesky are not worth the same);
* ``length`` (0–1): how long the author's own thread is (0.25 a post after the first);
* ``links`` (0–3): 1.5 per distinct paper, code or data host the author links to
  (arxiv.org, biorxiv.org, doi.org, github.com, huggingface.co, zenodo.org, ... and
  ``[digest].strong_domains``);
* ``keywords`` (0–2): 0.5 per ``[digest].keywords`` term found in the title or the author's posts;
* ``author`` (+2): the author is on ``[digest].allow``; authors on ``deny`` are dropped;
* ``used`` (−10): the thread was already used in an issue.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from bot import platforms
from bot.digest.model import Score, HarvestedThread
from bot.digest.options import DigestOptions, handle_key
from collectors.urls import STRONG_DOMAINS

SCIENCE_DOMAINS = STRONG_DOMAINS | {
    "medrxiv.org", "chemrxiv.org", "zenodo.org", "paperswithcode.com", "nature.com",
    "science.org", "pnas.org", "osf.io", "figshare.com", "kaggle.com", "pubmed.ncbi.nlm.nih.gov",
    "ncbi.nlm.nih.gov", "semanticscholar.org", "acm.org", "ieee.org", "plos.org", "cell.com",
}

ENGAGEMENT_MAX = 3.0
LENGTH_PER_POST, LENGTH_MAX = 0.25, 1.0
LINK_POINTS, LINKS_MAX = 1.5, 3.0
KEYWORD_POINTS, KEYWORDS_MAX = 0.5, 2.0
ALLOW_BONUS = 2.0
USED_PENALTY = -10.0


def is_science(domain: str, extra: Iterable[str] = ()) -> bool:
    """Whether a host (or a subdomain of one) serves papers, code or data."""
    return any(domain == host or domain.endswith("." + host) for host in (*SCIENCE_DOMAINS, *extra))


def score_threads(
    threads: Sequence[HarvestedThread],
    *,
    now: dt.datetime,
    options: DigestOptions | None = None,
    used: Mapping[str, str] | None = None,
) -> list[tuple[HarvestedThread, Score]]:
    """Score every thread not by a denied author, best first (ties: newest first, then id).

    ``used`` maps a thread id to the issue it was used in.
    """
    options = options or DigestOptions()
    used = used or {}
    kept = [t for t in threads if handle_key(t.author_handle) not in options.deny]
    engagement = _engagement(kept, now=now)
    # One pass per thread for all keywords; the longest first, so "protein folding" wins over "protein".
    terms = sorted(options.keywords, key=len, reverse=True)
    pattern = re.compile(rf"\b(?:{'|'.join(map(re.escape, terms))})", re.IGNORECASE) if terms else None
    scored = []
    for thread in kept:
        hosts = sorted({d for d in thread.domains if is_science(d, options.strong_domains)})
        seen = {m.lower() for m in pattern.findall(thread.text)} if pattern else set()
        found = [k for k in options.keywords if k.lower() in seen]
        posts = len(thread.author_posts)
        allowed = handle_key(thread.author_handle) in options.allow
        value, note = engagement[thread.id]
        parts = {
            "engagement": value,
            "length": min(LENGTH_MAX, LENGTH_PER_POST * max(0, posts - 1)),
            "links": min(LINKS_MAX, LINK_POINTS * len(hosts)),
            "keywords": min(KEYWORDS_MAX, KEYWORD_POINTS * len(found)),
            "author": ALLOW_BONUS if allowed else 0.0,
            "used": USED_PENALTY if thread.id in used else 0.0,
        }
        notes = {
            "engagement": note,
            "length": f"{posts} posts",
            "links": ", ".join(hosts),
            "keywords": ", ".join(found),
            "author": "allow list" if allowed else "",
            "used": f"in issue {used[thread.id]}" if thread.id in used else "",
        }
        scored.append((thread, Score(parts, notes)))
    scored.sort(key=lambda pair: (-pair[1].total, -pair[0].first_post_at.timestamp(), pair[0].id))
    return scored


def _engagement(threads: Sequence[HarvestedThread], *, now: dt.datetime) -> dict[str, tuple[float, str]]:
    """Per thread: 3 × its rank by engagement per day within its platform, and a note."""
    by_platform: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for thread in threads:
        age_days = max(0.0, (now - thread.first_post_at).total_seconds() / 86400)
        by_platform[thread.platform].append((thread.engagement / (age_days + 1.0), thread.id))
    out: dict[str, tuple[float, str]] = {}
    for platform, rates in by_platform.items():
        values = sorted(rate for rate, _ in rates)
        name = platforms.name(platform)
        for rate, thread_id in rates:
            below = bisect_left(values, rate)
            ties = bisect_right(values, rate) - below - 1
            # A lone thread has no one to be ranked against: full marks if anyone engaged.
            rank = (below + ties / 2) / (len(values) - 1) if len(values) > 1 else float(rate > 0)
            place = len(values) - below - ties
            out[thread_id] = (
                round(ENGAGEMENT_MAX * rank, 2),
                f"{rate:.1f}/day, {_ordinal(place)} of {len(values)} on {name}",
            )
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
