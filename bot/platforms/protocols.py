"""Provide the Protocols a platform implements: :class:`LengthRules` and :class:`Publisher`.

Apart from :mod:`bot.platforms.base` so that reading the registry (``bot --help`` does) does not
build them; the collectors' Protocol is :class:`collectors.base.Collector`, the post-by-post
adapters' :class:`bot.publish.driver.ChainAdapter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.compose.model import Post
    from bot.publish.driver import Read
    from bot.publish.outbox import OutboxPost


class LengthRules(Protocol):
    """One platform's length limit, measured on our raw text as the platform will count it."""

    @property
    def platform(self) -> str: ...

    @property
    def limit(self) -> int: ...

    @property
    def unit(self) -> str: ...

    @property
    def short_unit(self) -> str:
        """The short unit shown beside a post's length in previews ("weighted", "graphemes")."""
        ...

    def measure(self, text: str) -> int: ...

    def fits(self, text: str) -> bool: ...

    @property
    def capacity(self) -> tuple[int, ...]: ...

    def cost(self, piece: str) -> tuple[int, ...]: ...

    def describe_limit(self) -> str: ...

    def describe(self, text: str) -> str: ...

    def make_post(self, raw: str, *, role: str, item_index: int | None, card: Any) -> Post:
        """The post exactly as it will be sent (links shortened, facets made, as the platform needs)."""
        ...

    def warnings(self, posts: Sequence[Post]) -> list[str]:
        """What the author should know about a composed thread on this platform."""
        ...

    def post_fields(self, post: Post) -> dict[str, Any]:
        """The platform's own fields in ``bot preview --format json`` (bytes, facets, card)."""
        ...

    def measure_line(self, post: Post) -> str:
        """``12/280`` and whatever else this platform counts, for the text preview."""
        ...

    def html_measure(self, post: Post) -> str:
        """The same for the HTML preview's cards."""
        ...

    def link_lines(self, post: Post) -> list[str]:
        """The ``↳`` lines under a post in the text preview."""
        ...

    def link_spans(self, post: Post) -> list[tuple[int, int, str]]:
        """``(start, end, href)`` character spans of the post's links, in order."""
        ...


class Publisher(Protocol):
    """What the posting service needs: bring one recorded thread to ``sent``."""

    platform: str

    @property
    def account(self) -> str: ...

    @property
    def requests(self) -> int: ...

    def take_reads(self) -> list[Read]:
        """The reads made since the last call that the platform charges for ([] if none)."""
        ...

    def publish(self, posts: list[OutboxPost], *, renew: Any = None) -> list[OutboxPost]: ...
