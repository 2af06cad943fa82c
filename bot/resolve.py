"""Provide :func:`resolve_issue`: which issue a command means when given a SOURCE, or none."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from bot.errors import InputError
from bot.newsletter.model import Issue
from bot.weburl import shown, web_url

if TYPE_CHECKING:
    from bot.cli import App


def resolve_issue(
    app: App, source: str | None, *, url: str | None = None, entry: str | None = None
) -> Issue:
    """Read SOURCE (a file or URL); else the newest stored issue; else the configured feed.

    A file needs no credentials and no network. ``url`` sets the canonical link of an issue
    read from a file that does not carry one (plain text loses its links).
    """
    settings = app.settings
    stored = _stored_by_number(app, source)
    if stored is not None:
        issue = stored
    elif source:
        issue = read_entry(source, entry, timeout=settings.http_timeout)
    else:
        from bot.newsletter.store import latest_issue

        stored = latest_issue(app.db)
        if stored is None:
            if not settings.feed_url:
                raise InputError(
                    "no SOURCE given, no issue in the database and no feed configured "
                    "(pass a file or URL, or set [newsletter].feed_url / BOT_FEED_URL)"
                )
            issue = read_entry(settings.feed_url, entry, timeout=settings.http_timeout)
        elif entry:
            raise InputError("--entry chooses an entry of a feed: give the feed as SOURCE")
        else:
            issue = stored
    if url:
        issue = msgspec.structs.replace(issue, url=web_url(url, what="--url"), unpostable="" if issue.title else issue.unpostable)
    return issue


def _stored_by_number(app: App, source: str | None) -> Issue | None:
    """``34`` or ``#34`` (not a file of that name): the stored issue with that number, as
    bot hold and bot approve take it, so bot draft --edit 34 needs no file."""
    import re
    from pathlib import Path

    if not source or not re.fullmatch(r"#?\d+", source.strip()) or Path(source).exists():
        return None
    from bot.newsletter.store import load_issue
    from bot.holds import resolve_issue_key

    return load_issue(app.db, resolve_issue_key(app.db, source))


def read_entry(source: str, entry: str | None, *, timeout: float) -> Issue:
    """One issue of SOURCE: for a feed, entry ``entry`` (1 = newest, a guid or a link), and a
    note saying which entry of how many was taken."""
    from bot.newsletter.reader import read_feed, titled

    result = read_feed(source, timeout=timeout)
    issues = list(result.issues)
    if not issues:
        raise InputError(f"feed {result.source} has no entries")
    if entry is None:
        chosen, position = issues[0], 1
    else:
        position = next(
            (n for n, i in enumerate(issues, 1) if entry in (str(n), i.guid, i.url)), 0
        )
        if not position:
            raise InputError(
                f"no entry {shown(entry)!r} in {result.source} (it has {len(issues)}: 1 = newest, or a guid or link)"
            )
        chosen = issues[position - 1]
    chosen = titled(result, chosen)
    if len(issues) > 1:
        note = f"read entry {position} of {len(issues)} of the feed" + (" (the newest)" if position == 1 else "") + "; --entry N picks another"
        chosen = msgspec.structs.replace(chosen, warnings=(note, *chosen.warnings))
    return chosen
