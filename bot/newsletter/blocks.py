"""Provide the blocks every reader cuts its input into, and the plain-text helper they share.

Readers (plain text, Markdown, HTML) know markup, not newsletters: each only turns its input
into :class:`Heading`, :class:`Para`, :class:`Break` and :class:`EmbedBlock` records, keeping
what tells a story's boundary (a heading, a separator, a list item, a bold lead-in) and where
each link sits in its paragraph. The newsletter rules (furniture, stories, main links) live
once, in :mod:`bot.newsletter.builder` and the modules it calls.
"""

from __future__ import annotations

import re

import msgspec

from bot.newsletter.charset import fix_text
from bot.newsletter.model import Embed, Link

_SPACE = re.compile(r"\s")


class Heading(msgspec.Struct, frozen=True):
    text: str
    level: int = 2
    links: tuple[Link, ...] = ()


class Para(msgspec.Struct, frozen=True):
    """A paragraph or a list item: its plain text, links with offsets into it, its bold lead.

    ``lead`` is the length of a bold (or linked) lead-in at the very start of ``text`` ("**A
    new model.** It does ..." -> the length of "A new model."), 0 when there is none.
    """

    text: str
    links: tuple[Link, ...] = ()
    lead: int = 0
    list_item: bool = False
    depth: int = 0  # list nesting: 0 for a top-level item or a paragraph
    quiet: bool = False  # set wholly in italics: an editor's note on a section, not a story


class Break(msgspec.Struct, frozen=True):
    """A separator between stories: ``---``, ``***``, ``<hr>``, an empty ``####``."""


class EmbedBlock(msgspec.Struct, frozen=True):
    embed: Embed


Block = Heading | Para | Break | EmbedBlock

MAX_BOLD_HEADING = 100  # characters: a bold paragraph this short and nothing else is a heading


def paragraph(
    text: str, links: tuple[Link, ...], lead: int, *, list_item: bool = False, quiet: bool = False
) -> Block | None:
    """The block a built paragraph is: none when empty, a heading when it is only a short bold
    line ("**Links**", "<p><strong>Books:</strong></p>"), else a :class:`Para`."""
    if not text and not links:
        return None
    if lead and lead >= len(text.rstrip(":. ")) and len(text) <= MAX_BOLD_HEADING and not list_item:
        return Heading(text.rstrip(":"), 4, links)
    return Para(text, links, lead=lead, list_item=list_item, quiet=quiet)


class TextBuilder:
    """Accumulate inline text and links, then squash whitespace keeping the links' offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.links: list[tuple[int, int, str, bool]] = []
        self.lead_end: int | None = None  # raw offset where a bold/linked lead-in ends

    def add(self, text: str) -> None:
        if text:
            text = fix_text(text)  # mojibake hidden in entities only shows once they are decoded
            self.parts.append(text)
            self.size += len(text)

    def mark(self) -> int:
        return self.size

    def link(self, start: int, url: str, *, image: bool = False) -> None:
        self.links.append((start, self.size, url, image))

    def at_start(self) -> bool:
        """Whether nothing but whitespace has been added yet."""
        return not "".join(self.parts).strip()

    def build(self) -> tuple[str, tuple[Link, ...], int]:
        raw = "".join(self.parts)
        text, where = squash_map(raw)
        links = []
        for start, end, url, image in self.links:
            a, b = where[start], where[end]
            shown = text[a:b].strip()
            if a < len(text) and text[a] == " ":
                a += 1
            links.append(Link(url=url, text=shown, start=a, end=a + len(shown), image=image))
        lead = where[self.lead_end] if self.lead_end else 0
        return text, tuple(links), min(lead, len(text))


def squash_map(raw: str) -> tuple[str, list[int]]:
    """``raw`` with whitespace runs collapsed and stripped, and each raw offset's new offset."""
    out: list[str] = []
    where: list[int] = []
    pending = False
    for char in raw:
        if _SPACE.match(char):
            where.append(len(out) + (1 if out else 0) if pending or out else 0)
            pending = bool(out)
            continue
        if pending:
            out.append(" ")
            pending = False
        where.append(len(out))
        out.append(char)
    where.append(len(out))
    text = "".join(out)
    return text, [min(w, len(text)) for w in where]
