"""Provide :func:`score_threads`: an explainable score per harvested thread.

A score is a sum of named parts, each bounded, so ``bot digest --explain`` can show why a
thread ranks where it does:

* ``engagement`` (0–3): likes + 2×reposts + quotes + replies held, per day of age, ranked
  against the other threads *of the same platform* (a like on X and on Bluesky differ);
* ``length`` (0–1): how long the author's own thread is (a five-post thread earns 1);
* ``links`` (0–3): 1.5 per distinct link to a paper, code or data host;
* ``keywords`` (0–2): 0.5 per ``[digest].keywords`` term found in the thread;
* ``author`` (+2): the author is on ``[digest].allow``; authors on ``deny`` are dropped;
* ``used`` (−10): the thread was already used in an issue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SCIENCE_DOMAINS = frozenset({
    "arxiv.org", "biorxiv.org", "medrxiv.org", "chemrxiv.org", "doi.org", "github.com",
    "huggingface.co", "zenodo.org", "openreview.net", "paperswithcode.com", "nature.com",
    "science.org", "pnas.org", "osf.io", "figshare.com", "kaggle.com", "pubmed.ncbi.nlm.nih.gov",
})

USED_PENALTY = -10.0


@dataclass
class Candidate:
    """What scoring needs to know about one thread."""

    id: str
    platform: str
    author_handle: str | None
    text: str  # the title and the author's own posts
    first_post_at: dt.datetime
    engagement: float
    author_posts: int
    domains: Sequence[str] = ()
    used: bool = False


@dataclass
class Score:
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(self.parts.values()), 3)

    def explain(self) -> str:
        shown = [f"{name} {value:+.2f}" for name, value in self.parts.items() if value]
        return f"{self.total:.2f} = " + (" ".join(shown) if shown else "0")


def is_science(domain: str, extra: Iterable[str] = ()) -> bool:
    hosts = SCIENCE_DOMAINS | set(extra)
    return any(domain == host or domain.endswith("." + host) for host in hosts)


def score_threads(
    candidates: Sequence[Candidate],
    *,
    now: dt.datetime,
    keywords: Sequence[str] = (),
    allow: Iterable[str] = (),
    deny: Iterable[str] = (),
    strong_domains: Iterable[str] = (),
) -> list[tuple[Candidate, Score]]:
    """Score every candidate not by a denied author, best first (ties: newest first)."""
    allow_set = {_handle(h) for h in allow}
    deny_set = {_handle(h) for h in deny}
    kept = [c for c in candidates if _handle(c.author_handle) not in deny_set]
    ranks = _engagement_ranks(kept, now=now)
    patterns = [(k, re.compile(rf"\b{re.escape(k.lower())}", re.IGNORECASE)) for k in keywords]
    scored = []
    for candidate in kept:
        science = {d for d in candidate.domains if is_science(d, strong_domains)}
        found = [k for k, pattern in patterns if pattern.search(candidate.text)]
        parts = {
            "engagement": round(3.0 * ranks[candidate.id], 3),
            "length": round(min(1.0, max(0, candidate.author_posts - 1) / 4), 3),
            "links": min(3.0, 1.5 * len(science)),
            "keywords": min(2.0, 0.5 * len(found)),
            "author": 2.0 if _handle(candidate.author_handle) in allow_set else 0.0,
            "used": USED_PENALTY if candidate.used else 0.0,
        }
        scored.append((candidate, Score(parts)))
    scored.sort(key=lambda pair: (-pair[1].total, -pair[0].first_post_at.timestamp(), pair[0].id))
    return scored


def _engagement_ranks(candidates: Sequence[Candidate], *, now: dt.datetime) -> dict[str, float]:
    """Each thread's engagement per day of age, as a 0..1 rank within its platform."""
    by_platform: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for c in candidates:
        age_days = max(0.0, (now - c.first_post_at).total_seconds() / 86400)
        by_platform[c.platform].append((c.engagement / (age_days + 1.0), c.id))
    ranks: dict[str, float] = {}
    for rates in by_platform.values():
        values = sorted(rate for rate, _ in rates)
        for rate, tid in rates:
            if len(values) == 1:
                ranks[tid] = 1.0 if rate > 0 else 0.0
                continue
            below = sum(1 for v in values if v < rate)
            equal = sum(1 for v in values if v == rate) - 1
            ranks[tid] = round((below + equal / 2) / (len(values) - 1), 4)
    return ranks


def _handle(handle: str | None) -> str:
    return (handle or "").lower().lstrip("@")
