"""Provide :func:`resolve_issue`: which issue a command means when given a SOURCE, or none."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.errors import InputError
from bot.newsletter.model import Issue

if TYPE_CHECKING:
    from bot.cli import App


def resolve_issue(app: App, source: str | None, *, url: str | None = None) -> Issue:
    """Read SOURCE (a file or URL); else the newest stored issue; else the configured feed.

    A file needs no credentials and no network. ``url`` sets the canonical link of an issue
    read from a file that does not carry one (plain text loses its links).
    """
    from bot.newsletter.reader import read_issue

    settings = app.settings
    if source:
        issue = read_issue(source, timeout=settings.http_timeout)
    else:
        from bot.newsletter.store import latest_issue

        stored = latest_issue(app.db)
        if stored is not None:
            issue = stored
        else:
            if not settings.feed_url:
                raise InputError(
                    "no SOURCE given, no issue in the database and no feed configured "
                    "(pass a file or URL, or set [newsletter].feed_url / BOT_FEED_URL)"
                )
            issue = read_issue(settings.feed_url, timeout=settings.http_timeout)
    if url:
        issue = replace(issue, url=url)
    return issue
