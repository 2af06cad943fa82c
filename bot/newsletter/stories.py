"""Provide :func:`cut_stories`: furniture-free blocks in, sections of stories out.

A story starts at a boundary: a heading that heads a story (one with prose under it and no
list of stories), a list item, a bold lead-in, a paragraph the author flagged with an emoji or
a ``[Source]`` tag, a paragraph that opens with its link, or a separator. What follows up to
the next boundary is its commentary: the paragraphs after a bold lead-in or a story heading.
Paragraphs in a section of one-paragraph stories (emoji/tag flags, as in ML4Sci) are stories
each. A heading whose section is a list of stories is a section title; an essay, with prose
sections and no list of stories, reads as its sections.
"""

from __future__ import annotations

import re

import msgspec

from bot.newsletter import items as rules
from bot.newsletter.blocks import Block, Break, EmbedBlock, Heading, Para
from bot.newsletter.furniture import strip_markers
from bot.newsletter.linkkinds import is_content
from bot.newsletter.mainlink import Placed, choose_main_link
from bot.newsletter.model import Embed, Link, Section, Story

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
MAX_HEADLINE = 200
_BARE_URL = re.compile(r"\s*<?https?://\S+>?")
_ROUNDUP_SHARE = 0.6  # of paragraphs carrying their own link: a section of one-paragraph stories
_PROSE = 120  # characters: a paragraph this long that opens no story is prose


class _Draft(msgspec.Struct):
    section: str
    headline: str
    marker: str | None
    tag: str | None
    paras: list[str] = msgspec.field(default_factory=list)
    placed: list[Placed] = msgspec.field(default_factory=list)
    embeds: list[Embed] = msgspec.field(default_factory=list)
    attaches: bool = False  # later plain paragraphs are its commentary
    essay: bool = False  # an essay's section: it is about the essay, not about one of its links


def cut_stories(blocks: list[Block]) -> tuple[list[Section], str]:
    """The sections of stories, numbered in reading order, and the issue's kind."""
    groups = _groups(blocks)
    essay = is_essay(blocks)
    drafts = _essay(groups) if essay else _roundup(groups)
    sections: list[Section] = []
    drafts = [d for d in drafts if d.headline or any(d.paras) or d.embeds]
    for number, draft in enumerate(drafts, 1):
        story = _story(number, draft)
        if sections and sections[-1].title == draft.section:
            sections[-1] = Section(draft.section, (*sections[-1].stories, story))
        else:
            sections.append(Section(draft.section, (story,)))
    return sections, "essay" if essay else "roundup"


def is_essay(blocks: list[Block]) -> bool:
    """Prose with few story starters (list items, bold lead-ins, flags): an essay, which reads
    as its sections; a roundup is mostly starters."""
    paras = [b for b in blocks if isinstance(b, Para)]
    # A starter that carries a link or a flag is a story; a bulleted list of questions or
    # fragments inside prose is part of the argument.
    starters = sum(1 for p in paras if is_starter(p) and (_flagged(p) or any(is_content(link.url) for link in p.links)))
    prose = sum(1 for p in paras if not is_starter(p) and len(p.text) > _PROSE)
    return prose >= 1 and starters < prose


def _flagged(para: Para) -> bool:
    marker, tag, _ = rules.split_item(para.text)
    return bool(marker or tag)


def _essay(groups: list[tuple[Heading | None, list[Block]]]) -> list[_Draft]:
    """A story per section: the lede before the first heading, then each heading with all
    that follows it (its lists included) up to the next heading."""
    drafts: list[_Draft] = []
    parent, parent_level = "", 0
    # With two or more headed sections, the prose before the first heading introduces them.
    sections = sum(1 for h, body in groups if h is not None and any(isinstance(b, Para) for b in body))
    for heading, body in groups:
        if heading is not None and heading.level <= parent_level:
            parent, parent_level = "", 0
        if heading is not None and not any(isinstance(b, (Para, EmbedBlock)) for b in body):
            parent, parent_level = rules.clean_heading(heading.text), heading.level
            continue
        if heading is None and sections >= 2:
            continue
        if heading is None:
            paras = [b for b in body if isinstance(b, Para)]
            if not paras:
                continue
            lede = _para_draft("", paras[0])
            if lede is None:
                continue
            lede.attaches = lede.essay = True
            for block in body[body.index(paras[0]) + 1 :]:
                if isinstance(block, Para):
                    _add(lede, block, headline=False)
                elif isinstance(block, EmbedBlock):
                    lede.embeds.append(block.embed)
            drafts.append(lede)
            continue
        title = rules.clean_heading(heading.text)
        drafts.append(_section_story(parent or title, heading, body))
    return drafts


def _section_story(section: str, heading: Heading, body: list[Block]) -> _Draft:
    marker, tag, text = rules.split_item(rules.squash(heading.text))
    draft = _Draft(section=section, headline=text.strip().rstrip(":").strip(), marker=marker, tag=tag, essay=True)
    draft.placed.extend(Placed(link, heading.text, headline=True) for link in heading.links)
    for block in body:
        if isinstance(block, Para):
            _add(draft, block, headline=False)
        elif isinstance(block, EmbedBlock):
            draft.embeds.append(msgspec.structs.replace(block.embed, section=section))
    return draft


def _roundup(groups: list[tuple[Heading | None, list[Block]]]) -> list[_Draft]:
    drafts: list[_Draft] = []
    parent = ""  # the title of a heading with nothing but sub-headings under it
    parent_level = 0
    headed = any(h for h, _ in groups)
    for heading, body in groups:
        paras = [b for b in body if isinstance(b, Para)]
        if heading is not None and heading.level <= parent_level:
            parent, parent_level = "", 0
        if heading is not None and not paras and not any(isinstance(b, EmbedBlock) for b in body):
            parent, parent_level = rules.clean_heading(heading.text), heading.level
            continue
        title = rules.clean_heading(heading.text) if heading else ""
        if _is_container(body) or (heading is not None and _is_single(body)) or not headed:
            drafts.extend(_container(parent or title, body))
        elif heading is not None:  # prose before the first heading introduces a roundup: no story
            drafts.extend(_heading_story(parent or title, heading, body))
    return drafts


def _groups(blocks: list[Block]) -> list[tuple[Heading | None, list[Block]]]:
    groups: list[tuple[Heading | None, list[Block]]] = [(None, [])]
    for block in blocks:
        if isinstance(block, Heading):
            groups.append((block, []))
        else:
            groups[-1][1].append(block)
    return [(h, body) for h, body in groups if h is not None or body]


def is_starter(para: Para) -> bool:
    """A paragraph that opens a story of its own."""
    if para.list_item or para.lead:
        return True
    marker, tag, rest = rules.split_item(para.text)
    if marker or tag:
        return True
    offset = len(para.text) - len(rest)
    return any(link.start == offset and link.end - link.start >= 3 for link in para.links)


def _is_container(body: list[Block]) -> bool:
    paras = [b for b in body if isinstance(b, Para)]
    if any(is_starter(p) for p in paras):
        return True
    introduced = sum(
        1 for a, b in zip(body, body[1:]) if isinstance(a, Para) and isinstance(b, EmbedBlock)
    )
    if introduced >= 2:  # lead-ins, each before its embedded post: a story each
        return True
    return False


def _is_single(body: list[Block]) -> bool:
    """A section of one short paragraph: the paragraph is the story, the heading its section."""
    paras = [b for b in body if isinstance(b, Para)]
    if not paras:
        return any(isinstance(b, EmbedBlock) for b in body)  # a heading over embedded posts
    if len(paras) == 1 and len(paras[0].text) <= 500:
        return True
    if len(paras) < 2:
        return False
    linked = sum(1 for p in paras if any(link.url.startswith("http") for link in p.links))
    mean = sum(len(p.text) for p in paras) / len(paras)
    return linked >= _ROUNDUP_SHARE * len(paras) and mean < 600


def _container(section: str, body: list[Block]) -> list[_Draft]:
    drafts: list[_Draft] = []
    current: _Draft | None = None
    for position, block in enumerate(body):
        if isinstance(block, Para) and _introduces_list(block, body[position + 1 : position + 2]):
            current = None  # "Books:" before a list names the list; it is no story
            continue
        if isinstance(block, Para) and block.quiet and not block.list_item:
            current = None  # an italic note on the section ("New releases... please upgrade")
            continue
        if isinstance(block, Break):
            current = None
        elif isinstance(block, EmbedBlock):
            embed = msgspec.structs.replace(block.embed, section=section)
            if current is None:
                current = _embed_draft(section, embed)
                drafts.append(current)
            current.embeds.append(embed)
        elif isinstance(block, Para):
            if current is not None and current.attaches and not is_starter(block):
                _add(current, block, headline=False)
                continue
            current = _para_draft(section, block)
            if current is not None:
                drafts.append(current)
                if block.list_item and _solo(body, position):
                    current.attaches = True  # "<ul><li>title</li></ul><p>what it is</p>": one story
    return drafts


def _solo(body: list[Block], position: int) -> bool:
    """A list of one item that is only a title, with a plain paragraph after it: the
    paragraph is the item's own commentary."""

    def item(at: int) -> bool:
        return 0 <= at < len(body) and isinstance(body[at], Para) and body[at].list_item  # type: ignore[union-attr]

    nxt = body[position + 1] if position + 1 < len(body) else None
    here = body[position]
    titled = isinstance(here, Para) and len(here.text.split()) <= 12 and not here.text.rstrip().endswith((".", "!", "?"))
    return titled and not item(position - 1) and not item(position + 1) and isinstance(nxt, Para) and not is_starter(nxt)


def _introduces_list(para: Para, following: list[Block]) -> bool:
    nxt = following[0] if following else None
    return (
        not para.list_item
        and isinstance(nxt, Para)
        and nxt.list_item
        and len(para.text) <= 60
        and not any(link.url.startswith("http") for link in para.links)
        and not para.text.rstrip().endswith((".", "!", "?"))
    )


def _heading_story(section: str, heading: Heading, body: list[Block]) -> list[_Draft]:
    marker, tag, text = rules.split_item(rules.squash(heading.text))
    headline = text.strip().rstrip(":").strip()
    draft = _Draft(section=section, headline=headline, marker=marker, tag=tag, attaches=True)
    draft.placed.extend(Placed(link, heading.text, headline=True) for link in heading.links)
    drafts = [draft]
    current: _Draft | None = draft
    for block in body:
        if isinstance(block, Break):
            current = None
        elif isinstance(block, EmbedBlock):
            (current or draft).embeds.append(msgspec.structs.replace(block.embed, section=section))
        elif isinstance(block, Para):
            if current is None:
                current = _para_draft(section, block)
                if current is not None:
                    drafts.append(current)
            else:
                _add(current, block, headline=False)
    return drafts


def _para_draft(section: str, para: Para) -> _Draft | None:
    text = strip_markers(para.text) if not para.links else para.text
    marker, tag, rest = rules.split_item(text)
    if not rest and not para.links:
        return None
    offset = len(text) - len(rest)
    if para.lead > offset:
        headline = rest[: para.lead - offset]
    else:
        headline = first_sentence(rest)
    draft = _Draft(
        section=section,
        headline=_BARE_URL.sub("", headline).strip().rstrip(":—–-").strip() or headline.strip(),
        marker=marker,
        tag=tag,
        attaches=bool(para.lead) and not para.list_item,
    )
    draft.paras.append(rest)
    headline_end = offset + len(headline)
    for link in para.links:
        moved = msgspec.structs.replace(link, start=link.start - offset, end=link.end - offset) if link.start >= 0 else link
        draft.placed.append(Placed(moved, rest, headline=0 <= link.start < headline_end))
    return draft


def _add(draft: _Draft, para: Para, *, headline: bool) -> None:
    draft.paras.append(para.text)
    draft.placed.extend(Placed(link, para.text, headline=headline) for link in para.links)


def _embed_draft(section: str, embed: Embed) -> _Draft:
    """A story standing for an embedded post that has no lead-in paragraph."""
    who = f"@{embed.author}" if embed.author else embed.author_name
    text = embed.text or (f"Post by {who}" if who else "Embedded post")
    draft = _Draft(section=section, headline=first_sentence(text), marker=None, tag=None)
    draft.paras.append(text)
    link = Link(url=embed.url, text=text, start=0, end=len(text))
    draft.placed.append(Placed(link, text, headline=True))
    return draft


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (or its first ``MAX_HEADLINE`` characters' worth)."""
    text = text.strip()
    match = _SENTENCE_END.search(text)
    sentence = text[: match.start() + 1].strip() if match else text
    if len(sentence) > MAX_HEADLINE:
        cut = sentence.rfind(" ", 0, MAX_HEADLINE)
        sentence = sentence[: cut if cut > 0 else MAX_HEADLINE].rstrip(",;:") + "…"
    return sentence


def _story(number: int, draft: _Draft) -> Story:
    if not any(draft.paras) and draft.embeds:  # a heading over an embedded post: the post is the story
        first = draft.embeds[0]
        draft.paras.append(first.text or "")
    placed_urls = {p.link.url for p in draft.placed}
    for embed in draft.embeds:  # an embedded post is content too, after the story's own links
        if embed.url not in placed_urls:
            draft.placed.append(Placed(Link(url=embed.url, text=embed.text), embed.text))
    body = " ".join(p for p in draft.paras if p)
    if draft.headline and not body.startswith(draft.headline.rstrip("…")):
        joiner = " " if draft.headline[-1:] in ".!?:…" else ": "
        body = f"{draft.headline}{joiner}{body}" if body else draft.headline
    if draft.essay:  # only a link the author put on the section's heading speaks for it
        own = [p for p in draft.placed if p.headline]
        one_post = bool(draft.embeds) and all(t == draft.embeds[0].text or not t.strip() for t in draft.paras)
        if not own and one_post:  # a section that is one embedded post: the post is its link
            own = [p for p in draft.placed if p.link.url == draft.embeds[0].url]
        main, why = choose_main_link(own, tag=None)
        if main is None:
            why = "an essay's section: no link of its own"
    else:
        main, why = choose_main_link(draft.placed, tag=draft.tag)
    links = tuple(p.link for p in draft.placed)
    return Story(
        number=number,
        section=draft.section,
        headline=draft.headline or first_sentence(body),
        text=rules.squash(body),
        marker=draft.marker,
        tag=draft.tag,
        links=links,
        main_link=main,
        why_link=why,
        embeds=tuple(draft.embeds),
    )
