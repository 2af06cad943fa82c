"""Provide :class:`MastodonRules`: 500 characters by default, every URL counting 23.

Mastodon counts the text's characters (grapheme clusters) with each http(s) URL counted as
``characters_reserved_per_url`` (23) and a remote mention ``@user@domain`` as ``@user``;
an instance may allow more (``/api/v2/instance`` says), which the publisher checks before
sending. Links are sent as written: the server makes its own link cards.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from bot.compose.length import LinksAsWritten, grapheme_length, utf8_length
from bot.compose.model import Post
from collectors.urls import extract_urls

MASTODON_LIMIT = 500
URL_WEIGHT = 23
_REMOTE_MENTION = re.compile(r"(?<![\w@])(@\w+)@[\w.-]+\w", re.UNICODE)


class MastodonRules(msgspec.Struct, LinksAsWritten, frozen=True):
    """An instance's status limit; the defaults are Mastodon's own."""

    platform: str = "mastodon"
    limit: int = MASTODON_LIMIT
    unit: str = "characters"
    short_unit: str = "characters"
    url_weight: int = URL_WEIGHT

    def measure(self, text: str) -> int:
        urls = extract_urls(text)
        for url in urls:
            text = text.replace(url, "", 1)
        return grapheme_length(_REMOTE_MENTION.sub(r"\1", text)) + self.url_weight * len(urls)

    def fits(self, text: str) -> bool:
        return bool(text.strip()) and self.measure(text) <= self.limit

    def cost(self, piece: str) -> tuple[int, ...]:
        """A piece's count: URLs and grapheme clusters never span a space, so pieces add up."""
        return (self.measure(piece),)

    def describe_limit(self) -> str:
        return f"{self.limit} {self.unit} (every URL counts {self.url_weight})"

    def describe(self, text: str) -> str:
        return f"{self.measure(text)} {self.unit}"

    def make_post(self, raw: str, *, role: str, item_index: int | None, card: Any) -> Post:
        return Post(text=raw, length=self.measure(raw), limit=self.limit, role=role, item_index=item_index,
                    links=tuple(extract_urls(raw)), byte_length=utf8_length(raw))

    def measure_line(self, post: Post) -> str:
        return f"{post.length}/{post.limit} characters"
