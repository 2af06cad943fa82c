"""Provide what every platform's length rules share: grapheme and byte counts, and ``RULES``.

Each platform's own rule is a class in its package (``bot/platforms/<id>/rules.py``)
implementing :class:`~bot.platforms.base.LengthRules`; ``RULES`` looks them up in the
registry, so composing for a platform nobody registered is an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.graphemes import cluster_count, clusters
from bot.platforms.protocols import LengthRules as Rules

if TYPE_CHECKING:
    from bot.compose.model import Post


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text`` (👨‍👩‍👧‍👦 and 🇯🇵 are one each), as ``regex``'s
    ``\\X`` finds them; :mod:`bot.graphemes` imports it only for text it cannot answer alone."""
    return clusters(text)


def grapheme_length(text: str) -> int:
    return cluster_count(text)


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def text_link_spans(post: Post) -> list[tuple[int, int, str]]:
    """``(start, end, href)`` of a post's links found in its text, in order (sent as written)."""
    spans, cursor = [], 0
    for link in post.links:
        start = post.text.find(link, cursor)
        if start >= 0:
            spans.append((start, start + len(link), link))
            cursor = start + len(link)
    return spans


class LinksAsWritten:
    """What platforms share that take the text as written, each URL counted ``url_weight``
    (X, Mastodon): one limit, links shown where they stand, nothing else to show or send."""

    limit: int
    short_unit: str
    url_weight: int = 23

    @property
    def capacity(self) -> tuple[int, ...]:
        return (self.limit,)

    def warnings(self, posts: Sequence[Post]) -> list[str]:
        return []

    def post_fields(self, post: Post) -> dict[str, Any]:
        return {}

    def html_measure(self, post: Post) -> str:
        return f"{post.length}/{post.limit} {self.short_unit}"

    def link_lines(self, post: Post) -> list[str]:
        return [f"    ↳ link {link} (counts {self.url_weight})" for link in post.links]

    def link_spans(self, post: Post) -> list[tuple[int, int, str]]:
        return text_link_spans(post)


class _Registered(Mapping[str, "Rules"]):
    """The length rules of every posting platform, by id, from the registry."""

    def __getitem__(self, platform: str) -> Rules:
        from bot import platforms

        if platform not in self:  # a Mapping's KeyError, so RULES.get() and `in` work as usual
            raise KeyError(platform)
        return platforms.rules(platform)

    def __contains__(self, platform: object) -> bool:
        from bot import platforms

        return platform in platforms.ids(posting=True)

    def __iter__(self) -> Iterator[str]:
        from bot import platforms

        return iter(platforms.ids(posting=True))

    def __len__(self) -> int:
        from bot import platforms

        return len(platforms.ids(posting=True))


RULES: Mapping[str, Rules] = _Registered()
