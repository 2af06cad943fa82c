"""Provide :func:`build_digest`: the ranked, summarised threads of a time window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from bot.digest.candidates import ThreadView, load_threads
from bot.digest.scoring import Score, score_threads
from bot.digest.summary import one_line
from bot.digest.used import auto_mark, used_ids
from bot.settings import Settings
from bot.timeutil import Clock, utcnow


@dataclass(frozen=True)
class Entry:
    thread: ThreadView
    score: Score
    summary: str
    used: bool


@dataclass(frozen=True)
class Digest:
    since: dt.datetime
    until: dt.datetime
    entries: tuple[Entry, ...]

    def by_platform(self, platform: str) -> list[Entry]:
        return [e for e in self.entries if e.thread.platform == platform]


def build_digest(
    db: Database,
    settings: Settings,
    *,
    since: dt.timedelta,
    top: int,
    platforms: Sequence[str] | None = None,
    include_used: bool = False,
    clock: Clock = utcnow,
) -> Digest:
    """Score the window's threads; keep the ``top`` best per platform (used ones left out)."""
    now = clock()
    auto_mark(db)
    used = used_ids(db)
    pairs = load_threads(db, since=now - since, platforms=platforms, used=used)
    views = {candidate.id: view for candidate, view in pairs}
    options = settings.raw.get("digest", {}) if isinstance(settings.raw, dict) else {}
    scored = score_threads(
        [candidate for candidate, _ in pairs],
        now=now,
        keywords=settings.keywords,
        allow=options.get("allow", ()),
        deny=options.get("deny", ()),
        strong_domains=options.get("strong_domains", ()),
    )
    kept: list[Entry] = []
    per_platform: dict[str, int] = {}
    for candidate, score in scored:
        if candidate.used and not include_used:
            continue
        if per_platform.get(candidate.platform, 0) >= top:
            continue
        per_platform[candidate.platform] = per_platform.get(candidate.platform, 0) + 1
        view = views[candidate.id]
        kept.append(Entry(view, score, one_line(view.title, view.author_posts, replies=view.replies),
                          candidate.used))
    return Digest(since=now - since, until=now, entries=tuple(kept))
