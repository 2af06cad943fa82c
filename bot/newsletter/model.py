"""Provide the frozen records of a parsed newsletter issue: sections of stories.

An :class:`Issue` is what every reader (plain text, Markdown, HTML, RSS/Atom, Substack JSON,
email) produces and what composition consumes. A :class:`Story` is one news item: a headline,
the commentary that follows it up to the next boundary, its links, and the one *main link*
chosen on evidence (:mod:`bot.newsletter.stories`). It round-trips through JSON for the
``issues`` table (older rows, stored when an issue held paragraphs as ``items``, still load).
"""

from __future__ import annotations

from typing import Any

import msgspec


class Link(msgspec.Struct, frozen=True):
    """A hyperlink: its target, the text it was shown on, and where that text is.

    ``start``/``end`` are character offsets of the link text in its paragraph's plain text
    (``-1`` when unknown); ``image`` is true for a link wrapped around a picture.
    """

    url: str
    text: str = ""
    start: int = -1
    end: int = -1
    image: bool = False

    # Two links are the same link when they go to the same place on the same words, wherever
    # those words stand and whatever they are wrapped around.
    def __eq__(self, other: object) -> bool:
        if type(other) is not Link:
            return NotImplemented
        return (self.url, self.text) == (other.url, other.text)

    def __hash__(self) -> int:
        return hash((self.url, self.text))


class Embed(msgspec.Struct, frozen=True):
    """A post embedded in the issue (a tweet or a Bluesky post), from its ``data-attrs``."""

    platform: str  # "x" or "bluesky"
    url: str
    id: str = ""  # tweet id, or the at:// URI for Bluesky
    author: str = ""  # handle / username, without "@"
    author_name: str = ""
    text: str = ""
    created_at: str | None = None
    section: str = ""


class Story(msgspec.Struct, frozen=True):
    """One news item of a section.

    ``number`` is 1-based over the whole issue, in reading order; ``--pick`` uses it.
    ``headline`` is the story's heading, bold lead-in or first sentence; ``text`` the whole
    story as one paragraph of plain text (headline first, then the commentary); ``marker`` the
    leading emoji the author flags it with (``🤯``), ``tag`` its ``[Source]`` label without
    brackets. ``main_link`` is the link a post about it carries (``None``: it has none worth
    posting), and ``why_link`` says on what evidence it was chosen.
    """

    number: int
    section: str
    headline: str = ""
    text: str = ""
    marker: str | None = None
    tag: str | None = None
    links: tuple[Link, ...] = ()
    main_link: str | None = None
    why_link: str = ""
    embeds: tuple[Embed, ...] = ()

    @property
    def index(self) -> int:
        """The story's number (the name older callers use)."""
        return self.number

    @classmethod
    def of(
        cls,
        number: int,
        section: str,
        text: str,
        *,
        marker: str | None = None,
        tag: str | None = None,
        links: tuple[Link, ...] = (),
        embeds: tuple[Embed, ...] = (),
    ) -> Story:
        """A one-paragraph story, its headline and main link chosen as the readers choose them."""
        from bot.newsletter.mainlink import Placed, choose_main_link
        from bot.newsletter.stories import first_sentence

        placed = [
            Placed(link if link.start >= 0 else msgspec.structs.replace(link, start=max(0, text.find(link.text))), text)
            for link in links
        ]
        main, why = choose_main_link(placed, tag=tag)
        return cls(
            number=number,
            section=section,
            headline=first_sentence(text),
            text=text,
            marker=marker,
            tag=tag,
            links=links,
            main_link=main,
            why_link=why,
            embeds=embeds,
        )


Item = Story  # the name composition and the digest used before stories


class Section(msgspec.Struct, frozen=True):
    title: str
    stories: tuple[Story, ...] = ()

    @property
    def items(self) -> tuple[Story, ...]:
        return self.stories


class Issue(msgspec.Struct, frozen=True):
    """One newsletter issue, and the newsletter it belongs to."""

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
    newsletter: str = ""  # the newsletter's name, from the feed, the page or the export
    home_url: str | None = None  # the newsletter's home page
    kind: str = "roundup"  # "roundup" (a list of stories) or "essay" (read as its sections)
    unpostable: str = ""  # why this issue must never be posted ("no title"), else ""
    warnings: tuple[str, ...] = ()  # what the reader noticed; not part of what the issue is

    def __eq__(self, other: object) -> bool:
        if type(other) is not Issue:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def _compared(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__struct_fields__ if name != "warnings")

    @property
    def stories(self) -> list[Story]:
        return [story for section in self.sections for story in section.stories]

    @property
    def items(self) -> list[Story]:
        return self.stories

    @property
    def key(self) -> str:
        """The identity used to store an issue: guid, else URL, else a hash of its content.

        The hash covers the title, the date and the stories, so two untitled or linkless feed
        entries never share a key.
        """
        if self.guid:
            return self.guid
        if self.url:
            return self.url
        import hashlib  # only for an issue with neither guid nor URL: it loads OpenSSL

        digest = hashlib.sha256()
        for part in (self.title, self.published_at or "", *(s.text for s in self.stories)):
            digest.update(part.encode("utf-8") + b"\0")
        return "sha256:" + digest.hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return _builtins(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        known = set(cls.__struct_fields__)
        return cls(
            **{
                **{k: v for k, v in data.items() if k in known},
                "sections": tuple(_section(s) for s in data.get("sections", ())),
                "embeds": tuple(Embed(**e) for e in data.get("embeds", ())),
                "warnings": tuple(data.get("warnings", ())),
            }
        )


def _section(data: dict[str, Any]) -> Section:
    return Section(
        title=data["title"],
        stories=tuple(_story(s) for s in data.get("stories", data.get("items", ()))),
    )


def _story(data: dict[str, Any]) -> Story:
    links = tuple(Link(**link) for link in data.get("links", ()))
    number = data.get("number", data.get("index")) or 0
    text = data.get("text", "")
    main = data.get("main_link")
    if "main_link" not in data:  # a row stored before stories: its first web link
        main = next((link.url for link in links if link.url.startswith(("http://", "https://"))), None)
    return Story(
        number=int(number),
        section=data.get("section", ""),
        headline=data.get("headline", text),
        text=text,
        marker=data.get("marker"),
        tag=data.get("tag"),
        links=links,
        main_link=main,
        why_link=data.get("why_link", ""),
        embeds=tuple(Embed(**e) for e in data.get("embeds", ())),
    )


def _builtins(value: Any) -> Any:
    """``value`` with every record in it a dict, recursively; tuples stay tuples."""
    if isinstance(value, msgspec.Struct):
        return {name: _builtins(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, (tuple, list)):
        return type(value)(_builtins(v) for v in value)
    if isinstance(value, dict):
        return {k: _builtins(v) for k, v in value.items()}
    return value
