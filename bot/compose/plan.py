"""Provide :func:`make_plan`: settings + an issue → the stories chosen and the threads to post.

``bot preview`` and ``bot post`` both call this one function, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from bot.compose.highlights import Highlight, LeftOut, choose
from bot.compose.model import Thread
from bot.compose.thread import compose_threads
from bot.errors import InputError
from bot.newsletter.model import Issue
from bot.settings import Settings


class Plan(msgspec.Struct, frozen=True):
    """The threads, the stories they carry (with the reason for each) and the stories left out."""

    threads: dict[str, Thread]
    highlights: tuple[Highlight, ...]
    left_out: tuple[LeftOut, ...]


def refuse_unpostable(issue: Issue) -> None:
    """A one-line error for an issue that must never be posted (a feed entry without a title
    or an http(s) link)."""
    if issue.unpostable:
        name = repr(issue.title) if issue.title else f"the entry {issue.key}"
        raise InputError(f"{name} has {issue.unpostable}: it is never posted")


def make_plan(
    issue: Issue,
    settings: Settings,
    *,
    platforms: Sequence[str] | None = None,
    pick: Sequence[int] | None = None,
    count: int | None = None,
    links: Mapping[str, str] | None = None,
) -> Plan:
    """Choose the highlights and compose one thread per platform (``links`` overrides each
    platform's ``links`` option: the preview prices every choice)."""
    refuse_unpostable(issue)
    highlights, left = choose(
        issue, count=count if count is not None else settings.highlights, pick=list(pick) if pick else None
    )
    wanted = tuple(platforms or settings.platforms)
    styles = {p: settings.platform_options(p) for p in wanted}
    # The newsletter's identity: its settings, else what the issue says of itself.
    threads = compose_threads(
        issue,
        highlights,
        platforms=wanted,
        numbering=settings.numbering,
        newsletter_name=settings.newsletter_name or issue.newsletter or "",
        subscribe_url=settings.subscribe_url,
        fallback_url=settings.newsletter_url or issue.home_url,
        langs=tuple(settings.langs),
        links={**{p: o["links"] for p, o in styles.items() if "links" in o}, **(links or {})},
        formats={p: o["format"] for p, o in styles.items() if "format" in o},
    )
    keyed = {platform: msgspec.structs.replace(thread, issue_key=issue.key) for platform, thread in threads.items()}
    return Plan(threads=keyed, highlights=tuple(highlights), left_out=tuple(left))


def plan_threads(
    issue: Issue,
    settings: Settings,
    *,
    platforms: Sequence[str] | None = None,
    pick: Sequence[int] | None = None,
    count: int | None = None,
) -> dict[str, Thread]:
    """The threads alone (what ``bot post`` sends)."""
    return make_plan(issue, settings, platforms=platforms, pick=pick, count=count).threads
