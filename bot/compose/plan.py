"""Provide :func:`plan_threads`: settings + an issue → the threads to preview and to post.

``bot preview`` and ``bot post`` both call this one function, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.compose.highlights import select_highlights
from bot.compose.model import Thread
from bot.compose.thread import compose_threads
from bot.newsletter.model import Issue
from bot.settings import Settings


def plan_threads(
    issue: Issue,
    settings: Settings,
    *,
    platforms: Sequence[str] | None = None,
    pick: Sequence[int] | None = None,
    count: int | None = None,
) -> dict[str, Thread]:
    """Choose the highlights and compose one thread per platform."""
    highlights = select_highlights(
        issue, count=count if count is not None else settings.highlights, pick=list(pick) if pick else None
    )
    subscribe = settings.subscribe_url
    threads = compose_threads(
        issue,
        highlights,
        platforms=tuple(platforms or settings.platforms),
        numbering=settings.numbering,
        newsletter_name=settings.newsletter_name,
        subscribe_url=subscribe,
        fallback_url=settings.newsletter_url,
        langs=tuple(settings.langs),
    )
    return {platform: replace(thread, issue_key=issue.key) for platform, thread in threads.items()}
