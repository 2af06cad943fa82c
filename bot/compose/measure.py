"""Provide :func:`make_post`: a post's text measured and linked by its platform's own rules.

Composition (:mod:`bot.compose.thread`) and an author's edited draft (:mod:`bot.drafts`) both
turn a raw text (full URLs, the ``i/n`` label included) into a :class:`Post` here, so a post
the author wrote is counted, linked and given facets exactly as a composed one.
"""

from __future__ import annotations

import unicodedata

from bot.compose.length import RULES, Rules
from bot.compose.model import Card, Post
from bot.errors import ComposeError


def rules_for(platform: str) -> Rules:
    """The length rules of a platform; a one-line error for one we cannot count."""
    if platform not in RULES:
        raise ComposeError(f"unknown platform {platform!r} (use {', '.join(RULES)})")
    return RULES[platform]


def normalise(text: str) -> str:
    """An edited text as it is measured and sent: NFC (what X counts), no trailing spaces."""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def make_post(
    rules: Rules,
    raw: str,
    *,
    role: str,
    item_index: int | None = None,
    card: Card | None = None,
    where: str = "post",
) -> Post:
    """``raw`` as the platform will see it, or a :class:`ComposeError` saying how long it is.

    ``where`` names the post in that error ("post 3 (item 2)", "x post 2/7").
    """
    if not rules.fits(raw):
        raise ComposeError(
            f"{where} cannot fit in {rules.describe_limit()}: it measures {rules.describe(raw)}"
        )
    return rules.make_post(raw, role=role, item_index=item_index, card=card)


def raw_text(post: Post) -> str:
    """A post's text as its author writes it: full URLs where the platform shows short ones.

    Composition keeps the full URL of each faceted link (Bluesky's) in its facet; putting those back
    gives the text that :func:`make_post` turns into this very post again.
    """
    if not post.facets:
        return post.text
    data = post.text.encode("utf-8")
    out, last = [], 0
    for facet in sorted(post.facets, key=lambda f: f.byte_start):
        out.append(data[last:facet.byte_start].decode("utf-8"))
        out.append(facet.uri)
        last = facet.byte_end
    out.append(data[last:].decode("utf-8"))
    return "".join(out)


def measure(platform: str, raw: str) -> dict[str, object]:
    """How a text measures as a post, without raising: what the review page's counter shows.

    The same rules as :func:`make_post` (so the counter and a save never disagree): the length
    in the platform's unit, its limit, whether it fits, the text as the platform shows it, and
    its bytes where the platform has a byte limit too.
    """
    rules = rules_for(platform)
    text = normalise(raw)
    shown = rules.make_post(text, role="highlight", item_index=None, card=None)
    result: dict[str, object] = {
        "platform": platform, "length": rules.measure(text), "limit": rules.limit,
        "unit": rules.unit, "fits": bool(text) and rules.fits(text), "shown": shown.text,
    }
    byte_limit = getattr(rules, "byte_limit", None)
    if byte_limit:
        result.update(bytes=shown.byte_length, byte_limit=byte_limit)
    return result
