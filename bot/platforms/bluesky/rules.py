"""Provide :class:`BlueskyRules`: 300 graphemes and 3,000 UTF-8 bytes of the text as the app shows it.

Bluesky counts extended grapheme clusters (the ``regex`` module's ``\\X``, which follows
Unicode 15.1's Indic conjunct rule) of the text with its links shortened as the app shows them,
and UTF-8 bytes; links become facets with byte offsets (:mod:`bot.platforms.bluesky.links`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import msgspec

from bot.compose.length import grapheme_length, utf8_length
from bot.compose.model import Post
from bot.platforms.bluesky import links

BLUESKY_GRAPHEME_LIMIT = 300
BLUESKY_BYTE_LIMIT = 3000


def bluesky_fits(shown: str) -> bool:
    """Whether Bluesky accepts ``shown`` (the text as sent, URLs already shortened)."""
    return utf8_length(shown) <= BLUESKY_BYTE_LIMIT and grapheme_length(shown) <= BLUESKY_GRAPHEME_LIMIT


class BlueskyRules(msgspec.Struct, frozen=True):
    """Bluesky's two limits, measured on the shortened text; the opening post carries a card."""

    platform: str = "bluesky"
    limit: int = BLUESKY_GRAPHEME_LIMIT
    unit: str = "graphemes"
    short_unit: str = "graphemes"
    byte_limit: int = BLUESKY_BYTE_LIMIT

    def measure(self, text: str) -> int:
        return grapheme_length(links.render(text).text)

    def fits(self, text: str) -> bool:
        return bluesky_fits(links.render(text).text)

    @property
    def capacity(self) -> tuple[int, ...]:
        return (self.limit, self.byte_limit)

    def cost(self, piece: str) -> tuple[int, ...]:
        """A piece's graphemes and bytes as shown: clusters never span a space."""
        return _cost(piece)

    def describe_limit(self) -> str:
        return f"{self.limit} {self.unit} and {self.byte_limit} UTF-8 bytes"

    def describe(self, text: str) -> str:
        shown = links.render(text).text
        return f"{grapheme_length(shown)} {self.unit}, {utf8_length(shown)} bytes"

    def make_post(self, raw: str, *, role: str, item_index: int | None, card: Any) -> Post:
        shown = links.render(raw)
        return Post(text=shown.text, length=grapheme_length(shown.text), limit=self.limit, role=role,
                    item_index=item_index, links=shown.links, facets=shown.facets, card=card,
                    byte_length=utf8_length(shown.text))

    def warnings(self, posts: Sequence[Post]) -> list[str]:
        return []

    def post_fields(self, post: Post) -> dict[str, Any]:
        data: dict[str, Any] = {
            "bytes": post.byte_length,
            "facets": [facet.to_lexicon() for facet in post.facets],
        }
        if post.card:
            data["card"] = {"uri": post.card.uri, "title": post.card.title,
                            "description": post.card.description, "image": post.card.image_url}
        return data

    def measure_line(self, post: Post) -> str:
        return f"{post.length}/{post.limit} graphemes, {post.byte_length}/{self.byte_limit} bytes"

    def html_measure(self, post: Post) -> str:
        return f"{post.length}/{post.limit} {self.short_unit} · {post.byte_length}/{self.byte_limit} bytes"

    def link_lines(self, post: Post) -> list[str]:
        lines = []
        for facet in post.facets:
            shown = post.text.encode("utf-8")[facet.byte_start : facet.byte_end].decode("utf-8")
            lines.append(f"    ↳ link {shown!r} bytes {facet.byte_start}-{facet.byte_end} → {facet.uri}")
        return lines

    def link_spans(self, post: Post) -> list[tuple[int, int, str]]:
        data = post.text.encode("utf-8")
        return [
            (len(data[: f.byte_start].decode("utf-8")), len(data[: f.byte_end].decode("utf-8")), f.uri)
            for f in sorted(post.facets, key=lambda f: f.byte_start)
        ]


@functools.lru_cache(maxsize=16384)
def _cost(piece: str) -> tuple[int, ...]:
    shown = links.render(piece).text
    return (grapheme_length(shown), utf8_length(shown))
