"""Provide the frozen records of a parsed newsletter issue.

An :class:`Issue` is what every reader (plain text, Markdown, HTML, RSS/Atom, Substack JSON)
produces and what composition consumes. It round-trips through JSON for the ``issues`` table.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    """A hyperlink inside an item: its target and the text it was shown on."""

    url: str
    text: str = ""


@dataclass(frozen=True)
class Embed:
    """A post embedded in the issue (a tweet or a Bluesky post), from its ``data-attrs``."""

    platform: str  # "x" or "bluesky"
    url: str
    id: str = ""  # tweet id, or the at:// URI for Bluesky
    author: str = ""  # handle / username, without "@"
    author_name: str = ""
    text: str = ""
    created_at: str | None = None
    section: str = ""


@dataclass(frozen=True)
class Item:
    """One entry of a section: usually a paragraph or a list item.

    ``index`` is 1-based over the whole issue, in reading order; ``--pick`` uses it.
    ``marker`` is the leading emoji the author flags items with (``🤯``), ``tag`` the
    ``[Source]`` label without brackets (``Arxiv``), ``text`` the item without either.
    """

    index: int
    section: str
    text: str
    marker: str | None = None
    tag: str | None = None
    links: tuple[Link, ...] = ()
    embeds: tuple[Embed, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Issue:
    """One newsletter issue."""

    title: str
    sections: tuple[Section, ...] = ()
    number: int | None = None
    subtitle: str = ""
    url: str | None = None
    published_at: str | None = None  # ISO-8601 UTC text
    guid: str | None = None
    image: str | None = None  # cover image URL, for link cards
    embeds: tuple[Embed, ...] = ()  # every embedded post, in order
    source: str = ""  # where it was read from
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @property
    def key(self) -> str:
        """The identity used to store an issue: guid, else URL, else a hash of the title."""
        if self.guid:
            return self.guid
        if self.url:
            return self.url
        import hashlib

        return "sha256:" + hashlib.sha256(self.title.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        def embed(d: dict[str, Any]) -> Embed:
            return Embed(**d)

        def item(d: dict[str, Any]) -> Item:
            return Item(
                **{
                    **d,
                    "links": tuple(Link(**link) for link in d.get("links", ())),
                    "embeds": tuple(embed(e) for e in d.get("embeds", ())),
                }
            )

        return cls(
            **{
                **data,
                "sections": tuple(
                    Section(title=s["title"], items=tuple(item(i) for i in s.get("items", ())))
                    for s in data.get("sections", ())
                ),
                "embeds": tuple(embed(e) for e in data.get("embeds", ())),
                "warnings": tuple(data.get("warnings", ())),
            }
        )
