"""Provide :func:`build_digest`: the ranked, summarised threads of a time window."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from sqlite_utils import Database

from bot.digest.candidates import load_threads
from bot.digest.model import Digest, Entry
from bot.digest.options import digest_options
from bot.digest.scoring import score_threads
from bot.digest.summary import one_line
from bot.digest.used import auto_mark, used_threads
from bot.settings import Settings
from bot.timeutil import Clock, before, utcnow


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
    """The ``top`` best threads per platform active in the last ``since`` before ``clock()``.

    Threads used in an issue (marked by hand, or linked or embedded in a stored issue) are
    left out; with ``include_used`` every one of them is listed too, ranked with its penalty
    and not taking one of the ``top`` places.
    """
    options = digest_options(settings.raw)
    until = clock()
    start = before(until, since)  # --since 99999999d: every thread, not an OverflowError
    auto_mark(db, clock=clock)
    used = used_threads(db)
    threads = load_threads(db, since=start, until=until, platforms=platforms)
    entries: list[Entry] = []
    shown: Counter[str] = Counter()
    for thread, score in score_threads(threads, now=until, options=options, used=used):
        if thread.id in used:
            if not include_used:
                continue
        elif shown[thread.platform] >= top:
            continue
        else:
            shown[thread.platform] += 1
        summary = one_line(thread.title, thread.author_posts, replies=thread.replies)
        entries.append(Entry(thread, score, summary, used_in=used.get(thread.id)))
    return Digest(since=start, until=until, entries=tuple(entries))
