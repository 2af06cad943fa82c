"""Provide the frozen records of a composed thread, as ``bot preview`` shows and ``bot post`` sends."""

from __future__ import annotations

from typing import Any

import msgspec


class Facet(msgspec.Struct, frozen=True):
    """A Bluesky link facet: UTF-8 byte offsets into the post text and the full URL."""

    byte_start: int
    byte_end: int
    uri: str

    def to_lexicon(self) -> dict[str, Any]:
        """The ``app.bsky.richtext.facet`` shape, with ``$type`` as the PDS stores it."""
        return {
            "$type": "app.bsky.richtext.facet",
            "index": {
                "$type": "app.bsky.richtext.facet#byteSlice",
                "byteStart": self.byte_start,
                "byteEnd": self.byte_end,
            },
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": self.uri}],
        }


class Card(msgspec.Struct, frozen=True):
    """A Bluesky link card (``app.bsky.embed.external``) for the issue link."""

    uri: str
    title: str
    description: str = ""
    image_url: str | None = None


class Post(msgspec.Struct, frozen=True):
    """One post of a thread, exactly as it will be sent."""

    text: str
    length: int  # in the platform's own measure (X weighted length, Bluesky graphemes)
    limit: int
    role: str = "highlight"  # "opening", "highlight", "continuation" or "closing"
    links: tuple[str, ...] = ()
    facets: tuple[Facet, ...] = ()  # Bluesky only
    card: Card | None = None  # Bluesky only, on the opening post
    item_index: int | None = None  # the issue item this post comes from
    byte_length: int = 0  # UTF-8 bytes (Bluesky's second limit)


class Thread(msgspec.Struct, frozen=True):
    """One platform's thread for one issue."""

    platform: str  # a posting platform's id in the registry (bot.platforms)
    posts: tuple[Post, ...]
    issue_key: str = ""
    langs: tuple[str, ...] = ("en",)
    warnings: tuple[str, ...] = ()
