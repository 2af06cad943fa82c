"""Provide :func:`build_issue`: the one place that turns a reader's blocks into an :class:`Issue`.

Every reader only cuts its input into blocks (:mod:`bot.newsletter.blocks`); the newsletter
rules run here, once, in this order: furniture out (:mod:`bot.newsletter.furniture`), stories
cut with their main links (:mod:`bot.newsletter.stories`), the title cleaned and the
newsletter named (:mod:`bot.newsletter.identity`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from bot.newsletter import identity
from bot.newsletter import items as rules
from bot.newsletter.charset import fix_text
from bot.newsletter.blocks import Block, Break, EmbedBlock, Heading, Para
from bot.newsletter.furniture import remove_furniture
from bot.newsletter.model import Issue
from bot.newsletter.stories import cut_stories
from bot.weburl import is_web_url

__all__ = ["Block", "Break", "EmbedBlock", "Heading", "Para", "build_issue"]


def build_issue(blocks: list[Block], **meta: Any) -> Issue:
    """Build an issue from ``blocks``; ``meta`` holds the other :class:`Issue` fields.

    ``fallback_title`` (a file name) is never used as the title: it only names the source in
    the problem an untitled issue records.
    """
    meta.pop("fallback_title", None)
    kept, _removed = remove_furniture(blocks)
    sections, kind = cut_stories(kept)
    newsletter = fix_text(rules.squash(meta.pop("newsletter", "") or ""))
    title = identity.clean_title(fix_text(rules.squash(meta.pop("title", "") or "")), newsletter=newsletter)
    url = meta.pop("url", None)
    url = url.strip() if isinstance(url, str) and is_web_url(url.strip()) else None  # only http(s)
    image = meta.pop("image", None)
    meta["image"] = image.strip() if isinstance(image, str) and is_web_url(image.strip()) else None
    issue = Issue(
        title=title,
        subtitle=fix_text(rules.squash(meta.pop("subtitle", "") or "")),
        number=meta.pop("number", None) or rules.issue_number(title),
        sections=tuple(sections),
        embeds=tuple(e for s in sections for story in s.stories for e in story.embeds),
        url=url,
        newsletter=newsletter,
        kind=kind,
        **meta,
    )
    return msgspec.structs.replace(issue, home_url=issue.home_url or identity.home_of(issue.url))
