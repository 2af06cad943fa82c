"""Provide :func:`build_issue`: the one place that turns a reader's blocks into an :class:`Issue`.

Every reader (plain text, Markdown, HTML) only cuts its input into :class:`Heading`,
:class:`Para` and :class:`EmbedBlock` records; the newsletter rules live here, once:

- the intro before the first heading is dropped when it is a greeting ("Hi, I'm ...") and
  there is a heading after it; otherwise (an essay's lede) it is kept as an untitled section;
- share/subscribe asks are dropped wherever they are;
- the closing ("Thanks for Reading!") and everything after it is dropped;
- an embedded post belongs to the item before it in its section (the lead-in "... :"), or
  becomes an item of its own when its section has no item yet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from bot.newsletter import items as rules
from bot.newsletter.charset import fix_text
from bot.newsletter.model import Embed, Issue, Item, Link, Section


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class EmbedBlock:
    embed: Embed


Block = Heading | Para | EmbedBlock


@dataclass
class _Draft:
    section: str
    text: str
    marker: str | None
    tag: str | None
    links: list[Link]
    embeds: list[Embed] = field(default_factory=list)


def build_issue(blocks: list[Block], **meta) -> Issue:
    """Build an issue from ``blocks``; ``meta`` holds the other :class:`Issue` fields."""
    sections = _sections(_trim(blocks))
    numbered: list[Section] = []
    embeds: list[Embed] = []
    index = 0
    for title, drafts in sections:
        made = []
        for draft in drafts:
            index += 1
            made.append(
                Item(
                    index=index,
                    section=title,
                    text=draft.text,
                    marker=draft.marker,
                    tag=draft.tag,
                    links=tuple(draft.links),
                    embeds=tuple(draft.embeds),
                )
            )
            embeds.extend(draft.embeds)
        if title or made:
            numbered.append(Section(title=title, items=tuple(made)))
    title = fix_text(meta.pop("title", "") or "")
    return Issue(
        title=title,
        subtitle=fix_text(meta.pop("subtitle", "") or ""),
        number=meta.pop("number", None) or rules.issue_number(title),
        sections=tuple(numbered),
        embeds=tuple(embeds),
        **meta,
    )


def _trim(blocks: list[Block]) -> list[Block]:
    """Drop the greeting intro, share asks and the closing."""
    kept: list[Block] = []
    for block in blocks:
        text = block.text if isinstance(block, (Heading, Para)) else ""
        if text and rules.is_closing(rules.squash(text)):
            break
        if isinstance(block, Para) and rules.is_ask(rules.squash(block.text)):
            continue
        kept.append(block)
    first_heading = next((i for i, b in enumerate(kept) if isinstance(b, Heading)), None)
    first_para = next(
        (b for b in kept[: first_heading or 0] if isinstance(b, Para) and b.text.strip()), None
    )
    if first_heading and first_para and rules.is_greeting(rules.squash(first_para.text)):
        return kept[first_heading:]
    return kept


def _sections(blocks: list[Block]) -> list[tuple[str, list[_Draft]]]:
    sections: list[tuple[str, list[_Draft]]] = [("", [])]
    for block in blocks:
        if isinstance(block, Heading):
            title = fix_text(rules.clean_heading(block.text))
            if title:
                sections.append((title, []))
            continue
        title, drafts = sections[-1]
        if isinstance(block, EmbedBlock):
            embed = dataclasses.replace(
                block.embed,
                section=title,
                text=fix_text(block.embed.text),
                author_name=fix_text(block.embed.author_name),
            )
            if not drafts:
                drafts.append(_embed_item(title, embed))
            drafts[-1].embeds.append(embed)
            continue
        draft = _para_item(title, block)
        if draft:
            drafts.append(draft)
    return sections


def _para_item(section: str, para: Para) -> _Draft | None:
    text = fix_text(rules.squash(para.text))
    if not text:
        return None
    marker, tag, rest = rules.split_item(text)
    if not rest and not para.links:
        return None
    links = [Link(url=link.url, text=fix_text(rules.squash(link.text))) for link in para.links]
    return _Draft(section=section, text=rest, marker=marker, tag=tag, links=links)


def _embed_item(section: str, embed: Embed) -> _Draft:
    """An item standing for an embedded post that has no lead-in paragraph."""
    who = f"@{embed.author}" if embed.author else embed.author_name
    text = embed.text or (f"Post by {who}" if who else "Embedded post")
    return _Draft(
        section=section, text=text, marker=None, tag=None, links=[Link(url=embed.url, text=text)]
    )
