"""Provide :func:`compose_threads`: an issue and its highlights as one exact thread per platform.

A thread is an opening post (issue number, title, link; on Bluesky also a link card), one post
per highlight (continued in further posts when too long) and a closing post with the subscribe
link. Every post is measured by the platform's own rule (:mod:`bot.compose.length`) with its
``i/n`` label included. Composition is a pure function of its input, so what ``bot preview``
shows is byte for byte what ``bot post`` sends.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import msgspec

from bot import platforms
from bot.compose.length import RULES, Rules
from bot.compose.measure import make_post
from bot.platforms import DEFAULT_PLATFORMS
from bot.compose.model import Card, Post, Thread
from bot.compose.split import number_suffix, widest_suffix, words
from bot.errors import ComposeError
from bot.newsletter.model import Issue, Item

THREAD_CUE = "🧵 Highlights below 👇"
ELLIPSIS = "…"
_MAX_NUMBERING_ROUNDS = 8
# Characters X refuses outright (twitter-text's invalid set); invisible, so dropped everywhere.
_REFUSED = re.compile("[\ufffe\ufeff\uffff]")
_SPACES = re.compile(r"\s+")
_WEB = re.compile(r"https?://\S+$", re.IGNORECASE)


class ComposeOptions(msgspec.Struct, frozen=True):
    """Everything besides the issue and highlights that shapes a thread."""

    platforms: tuple[str, ...] = DEFAULT_PLATFORMS
    numbering: bool = True
    newsletter_name: str = ""
    subscribe_url: str | None = None
    fallback_url: str | None = None
    langs: tuple[str, ...] = ("en",)
    #: per platform, which posts carry links: "every" (the default), "opening" or "none"
    links: Mapping[str, str] = msgspec.field(default_factory=dict)
    #: per platform, "thread" (the default) or "single" (one post: the opening and the topics)
    formats: Mapping[str, str] = msgspec.field(default_factory=dict)


class _Draft(msgspec.Struct, frozen=True):
    text: str  # raw: full URLs, no i/n label yet
    role: str
    item_index: int | None = None


def compose_threads(
    issue: Issue,
    highlights: Iterable[Any],
    *,
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
    numbering: bool = True,
    newsletter_name: str = "",
    subscribe_url: str | None = None,
    fallback_url: str | None = None,
    langs: Sequence[str] = ("en",),
    links: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
) -> dict[str, Thread]:
    """One :class:`Thread` per platform, in the order of ``platforms``.

    ``highlights`` are :class:`~bot.newsletter.model.Item`\\ s or objects with an ``item``
    attribute (``Highlight``). Raises :class:`ComposeError` when a post cannot be made to fit.
    """
    options = ComposeOptions(
        platforms=tuple(platforms),
        numbering=numbering,
        newsletter_name=newsletter_name,
        subscribe_url=subscribe_url,
        fallback_url=fallback_url,
        langs=tuple(langs),
        links=dict(links or {}),
        formats=dict(formats or {}),
    )
    items = [_as_item(h) for h in highlights]
    for platform in options.platforms:
        if platform not in RULES:
            raise ComposeError(
                f"unknown platform {platform!r} to compose for (use {', '.join(RULES)})"
            )
    return {
        platform: _compose(platform, issue, items=items, options=options)
        for platform in options.platforms
    }


def _as_item(highlight: Any) -> Item:
    item = getattr(highlight, "item", highlight)
    if not isinstance(item, Item):
        raise TypeError(f"a highlight must be a Story or have a .story, not {type(highlight).__name__}")
    return item


def _compose(platform: str, issue: Issue, *, items: Sequence[Item], options: ComposeOptions) -> Thread:
    rules = RULES[platform]
    policy = options.links.get(platform, "every")
    link, warnings = _issue_link(issue, options.fallback_url)
    if policy == "none":
        link = None
    if options.formats.get(platform, "thread") == "single":
        return _single(platform, issue, link, items=items, options=options, warnings=warnings)
    if not items:
        warnings.append("no highlights: the thread has only the opening and closing posts")
    total = len(items) + 2  # no fewer posts than this; more rounds only if highlights continue
    for _ in range(_MAX_NUMBERING_ROUNDS):
        reserve = widest_suffix(total) if options.numbering else ""
        opening, shortened = _opening(
            issue, link, rules=rules, reserve=reserve, options=options, has_items=bool(items)
        )
        drafts = [opening]
        for item in items:
            drafts.extend(_highlight(item, rules, reserve=reserve, post_number=len(drafts) + 1,
                                     linked=policy == "every"))
        drafts.append(
            _closing(issue, rules, reserve=reserve, options=options, post_number=len(drafts) + 1,
                     linked=policy == "every")
        )
        if not options.numbering or len(drafts) <= total:
            break
        total = len(drafts)
    else:  # pragma: no cover - the label width grows by one digit per round at most
        raise ComposeError(f"cannot number the {platform} thread: its post count keeps changing")
    if shortened:
        warnings.append(f"the issue title was shortened to fit the opening post on {_name(platform)}")
    card = _card(issue, link) if platforms.get(platform).link_card else None
    posts = tuple(
        _post(
            rules,
            draft.text + (number_suffix(n, len(drafts)) if options.numbering else ""),
            draft=draft,
            position=n,
            card=card if draft.role == "opening" else None,
        )
        for n, draft in enumerate(drafts, 1)
    )
    warnings.extend(rules.warnings(posts))
    return Thread(platform=platform, posts=posts, langs=options.langs, warnings=tuple(warnings))


def _issue_link(issue: Issue, fallback_url: str | None) -> tuple[str | None, list[str]]:
    if issue.url:
        return issue.url, []
    if fallback_url:
        return fallback_url, [f"the issue has no URL: the opening post links {fallback_url} instead"]
    return None, ["the issue has no URL and no newsletter URL is set: the opening post has no link"]


def _opening(
    issue: Issue,
    link: str | None,
    *,
    rules: Rules,
    reserve: str,
    options: ComposeOptions,
    has_items: bool,
) -> tuple[_Draft, bool]:
    """The opening post, dropping the subtitle, then the cue, then title words until it fits."""
    head = _headline(issue, options.newsletter_name)
    subtitle = _clean(issue.subtitle)
    cue = THREAD_CUE if has_items else ""
    for extras in ((subtitle, cue), (cue,), ()):
        text = _paragraphs(head, *extras, link or "")
        if rules.fits(text + reserve):
            return _Draft(text, "opening"), False
    words = head.split(" ")
    for keep in range(len(words) - 1, 0, -1):
        text = _paragraphs(" ".join(words[:keep]).rstrip(",;:-–—") + ELLIPSIS, link or "")
        if rules.fits(text + reserve):
            return _Draft(text, "opening"), True
    raise ComposeError(
        f"post 1 (the opening) cannot fit in {rules.describe_limit()} even with a one-word title"
    )


def _headline(issue: Issue, newsletter_name: str) -> str:
    """The title, led by the newsletter's name (and number) unless the title already says them."""
    title = _clean(issue.title)
    name = _clean(newsletter_name)
    numbered = issue.number is not None and str(issue.number) not in title
    if name and _bare(name) not in _bare(title):
        return f"{name} #{issue.number}: {title}" if numbered else f"{name}: {title}"
    if numbered and not name:
        return f"Issue #{issue.number}: {title}"
    return title


def _highlight(item: Item, rules: Rules, *, reserve: str, post_number: int, linked: bool = True
               ) -> list[_Draft]:
    """One post per story: its headline and as much commentary as fits, with its main link
    (``linked``; else with no link at all, not even one in its text)."""
    text = _clean(item.text) if linked else unlinked(_clean(item.text), rules)
    head = " ".join(part for part in (item.marker, f"[{item.tag}]" if item.tag else None) if part)
    link = item.main_link if linked and item.main_link and _WEB.match(item.main_link) else None
    tail = f"\n{link}" if link and link not in text else ""
    body = summarise(f"{head} {text}".strip(), rules, tail=tail + reserve)
    if not body and not text:
        raise ComposeError(f"post {post_number} (story {item.index}) has no text to post")
    if not body:
        raise ComposeError(
            f"post {post_number} (story {item.index}) cannot fit in {rules.describe_limit()}: "
            f"its first word alone measures {rules.describe(text.split()[0] + tail)}"
        )
    return [_Draft(body + tail, "highlight", item.index)]


def summarise(text: str, rules: Rules, *, tail: str = "") -> str:
    """The longest start of ``text`` that fits one post with ``tail`` after it: whole sentences
    when they fit, else a clause or words cut with an ellipsis. Never cuts a word or a URL."""
    if rules.fits(text + tail):
        return text
    ws = words(text)
    if not ws:
        return ""
    low, high = 0, len(ws) - 1  # the last word index whose prefix (with an ellipsis) fits
    best = -1
    while low <= high:
        mid = (low + high) // 2
        if rules.fits(text[: ws[mid].end] + ELLIPSIS + tail):
            best, low = mid, mid + 1
        else:
            high = mid - 1
    if best < 0:
        return ""
    floor = ws[best].end * 0.35  # a cut this early at a sentence end beats a cut mid-sentence
    for penalty in (0, 1):
        for i in range(best, -1, -1):
            if ws[i].end < floor:
                break
            if ws[i].penalty <= penalty:
                cut = text[: ws[i].end]
                return cut if penalty == 0 and rules.fits(cut + tail) else cut.rstrip(",;:—–") + ELLIPSIS
    return text[: ws[best].end].rstrip(",;:—–") + ELLIPSIS


def _closing(
    issue: Issue, rules: Rules, *, reserve: str, options: ComposeOptions, post_number: int,
    linked: bool = True,
) -> _Draft:
    url = subscribe_link(
        issue.url, fallback_url=options.fallback_url, subscribe_url=options.subscribe_url
    ) if linked else None
    name = _clean(options.newsletter_name)
    # The issue's number (else its title) keeps this post unique per issue: X refuses a text
    # the account has posted before ("duplicate content"), and a closing post is otherwise
    # the same every week.
    if name:
        which = f"{name} #{issue.number}" if issue.number is not None else f"{name}: {_clean(issue.title)}"
    else:
        which = f"issue #{issue.number}" if issue.number is not None else f"“{_clean(issue.title)}”"
        name = "this newsletter"
    text = (
        f"Thanks for reading {which}! Subscribe for every new issue:\n{url}"
        if url
        else f"Thanks for reading {which}!"
    )
    if not rules.fits(text + reserve):  # a very long title: fall back to the name alone
        text = text.replace(f"Thanks for reading {which}!", f"Thanks for reading {name}!")
    if not rules.fits(text + reserve):
        raise ComposeError(
            f"post {post_number} (the closing) cannot fit in {rules.describe_limit()}: {text!r}"
        )
    return _Draft(text, "closing")


def unlinked(text: str, rules: Rules) -> str:
    """``text`` without the links the platform would find in it (and the space they leave)."""
    post = rules.make_post(text, role="highlight", item_index=None, card=None)
    for start, end, _href in reversed(rules.link_spans(post)):
        text = text[:start] + text[end:]
    return _SPACES.sub(" ", text).replace(" .", ".").replace(" ,", ",").replace("()", "").strip()


def _single(platform: str, issue: Issue, link: str | None, *, items: Sequence[Item],
            options: ComposeOptions, warnings: list[str]) -> Thread:
    """One post: the headline, the highlights' headlines as topics (as many as fit), the link."""
    rules = RULES[platform]
    head = _headline(issue, options.newsletter_name)
    topics = [_topic(unlinked(_clean(item.headline or item.text), rules)) for item in items]
    topics = [t for t in topics if t]
    for keep in range(len(topics), -1, -1):
        listed = "\n".join(f"• {t}" for t in topics[:keep])
        text = _paragraphs(head, listed, link or "")
        if rules.fits(text):
            break
    if not rules.fits(text):  # not even the headline and the link: the opening's own shortening
        opening, _shortened = _opening(issue, link, rules=rules, reserve="", options=options,
                                       has_items=False)
        text = opening.text
        keep = 0
    if keep < len(topics):
        warnings.append(f"the single post on {_name(platform)} names {keep} of {len(topics)} topics")
    post = make_post(rules, text, role="opening", item_index=None, card=None, where="post 1")
    warnings.extend(rules.warnings((post,)))
    return Thread(platform=platform, posts=(post,), langs=options.langs, warnings=tuple(warnings))


def _topic(text: str, words: int = 8) -> str:
    """A story's headline, or its first words: a topic fits on one line of a single post."""
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    cut = first.split()
    return " ".join(cut[:words]).rstrip(",;:—–") + (ELLIPSIS if len(cut) > words else "")


def subscribe_link(
    issue_url: str | None, *, fallback_url: str | None, subscribe_url: str | None
) -> str | None:
    """``subscribe_url``, else a Substack's ``/subscribe`` page, else the newsletter's home."""
    if subscribe_url:
        return subscribe_url
    for base in (issue_url, fallback_url):
        parts = urlsplit(base or "")
        if (parts.hostname or "").endswith(".substack.com"):
            return f"{parts.scheme}://{parts.netloc}/subscribe"
    if fallback_url:
        return fallback_url
    parts = urlsplit(issue_url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else None


def _card(issue: Issue, link: str | None) -> Card | None:
    if not link:
        return None
    return Card(
        uri=link, title=_clean(issue.title), description=_clean(issue.subtitle), image_url=issue.image
    )


def _post(rules: Rules, raw: str, *, draft: _Draft, position: int, card: Card | None) -> Post:
    where = f"post {position}" + (f" (item {draft.item_index})" if draft.item_index is not None else "")
    return make_post(rules, raw, role=draft.role, item_index=draft.item_index, card=card, where=where)


def _clean(text: str) -> str:
    """NFC (what X counts and what we send to both), no refused characters, single spaces."""
    return _SPACES.sub(" ", _REFUSED.sub("", unicodedata.normalize("NFC", text or ""))).strip()


def _bare(text: str) -> str:
    """Lower case, no leading "the", single spaces: how two spellings of a name compare."""
    text = " ".join(text.lower().split())
    return text[4:] if text.startswith("the ") else text


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _name(platform: str) -> str:
    return platforms.name(platform)


def thread_to_dict(thread: Thread) -> dict[str, Any]:
    """The JSON shape of ``bot preview --format json``: posts with text, length, limit, facets."""
    return {
        "platform": thread.platform,
        "langs": list(thread.langs),
        "warnings": list(thread.warnings),
        "posts": [post_to_dict(post, thread.platform) for post in thread.posts],
    }


def post_to_dict(post: Post, platform: str) -> dict[str, Any]:
    """One post: ``text``, ``length``, ``limit``, role, links, and the platform's own fields."""
    data: dict[str, Any] = {
        "text": post.text,
        "length": post.length,
        "limit": post.limit,
        "role": post.role,
        "links": list(post.links),
    }
    if post.item_index is not None:
        data["item"] = post.item_index
    data.update(RULES[platform].post_fields(post))
    return data
