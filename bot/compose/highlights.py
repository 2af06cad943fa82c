"""Provide :func:`select_highlights`: which stories of an issue a thread carries, and why.

The choice follows the author's own signals, then evidence:

1. the topics the title lists (``ML4Sci #33: A; B; C``, ``Artifacts Log 2: A, B, and C``), each
   matched to the story sharing the most *distinctive* words with it (overlap after light
   stemming, each word weighted by how rare it is in the issue);
2. stories whose main link is a paper, code or data (arXiv, DOI, GitHub, Hugging Face...), or
   that the author flagged with an emoji;
3. the other stories, in reading order.

Never a story without substance (a few words and no link): an issue with fewer real stories
than the highlight count gets fewer highlights, never padding. The chosen stories are posted
in the issue's own order.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from urllib.parse import urlsplit

import msgspec

from bot.errors import BotError
from bot.newsletter.model import Issue, Story

_WORD = re.compile(r"[$€£]?\w+(?:[.,]\d+)?", re.UNICODE)
_STOP = frozenset(
    """a about after all also an and any are as at be been but by can could did do does for
    from had has have how i if in into is it its just more most my new no not of on one or
    our out over so some such than that the their them then there these they this to up us
    was we were what when which who why will with would you your""".split()
)
_TOPIC_SPLIT = re.compile(r"\s*(?:;|,|\||·|•|\band\b|&)\s*", re.IGNORECASE)
_RESEARCH_HOSTS = (
    "arxiv.org", "doi.org", "github.com", "gitlab.com", "biorxiv.org", "medrxiv.org", "chemrxiv.org",
    "openreview.net", "huggingface.co", "hf.co", "zenodo.org", "paperswithcode.com", "nature.com",
    "science.org", "pnas.org", "acm.org", "ieee.org", "semanticscholar.org", "aclanthology.org",
    "proceedings.mlr.press", "neurips.cc", "kaggle.com", "figshare.com", "dataverse", "ssrn.com",
)
MIN_WORDS = 8  # a story with fewer words and no link has nothing to post


class Highlight(msgspec.Struct, frozen=True):
    """A story chosen for the thread and the reason it was chosen."""

    story: Story
    reason: str  # "headline: <topic>", "flagged 🤯", "paper/code link (arxiv.org)", "in order", "picked"

    @property
    def item(self) -> Story:
        return self.story


class LeftOut(msgspec.Struct, frozen=True):
    story: Story
    reason: str  # "no substance" or "past the highlight count"


def has_substance(story: Story) -> bool:
    """A real story: a link to post, or enough words to say something."""
    return bool(story.main_link) or len(story.text.split()) >= MIN_WORDS


def research_host(story: Story) -> str | None:
    """The paper/code/data host of the story's main link, if it is one."""
    host = (urlsplit(story.main_link or "").hostname or "").lower().removeprefix("www.")
    return next((h for h in _RESEARCH_HOSTS if host == h or host.endswith("." + h) or h in host.split(".")), None)


def select_highlights(issue: Issue, *, count: int, pick: list[int] | None = None) -> list[Highlight]:
    """Up to ``count`` highlights in the issue's order, or exactly the stories ``pick`` names.

    ``pick`` holds 1-based story numbers (repeats are ignored); with ``pick`` the choice is the
    user's, so ``count`` does not trim it and the order is the user's.
    """
    return choose(issue, count=count, pick=pick)[0]


def choose(issue: Issue, *, count: int, pick: list[int] | None = None) -> tuple[list[Highlight], list[LeftOut]]:
    """The highlights and every story left out, with the reason for each."""
    stories = issue.stories
    if pick is not None:
        chosen = _picked(issue, stories, pick)
        picked = {h.story.number for h in chosen}
        return chosen, [LeftOut(s, "not picked") for s in stories if s.number not in picked]
    if count < 0:
        raise BotError(f"the number of highlights must be 0 or more, not {count}")
    real = [s for s in stories if has_substance(s)]
    ranked: list[Highlight] = []
    taken: set[int] = set()

    def take(story: Story, reason: str) -> None:
        if story.number not in taken:
            taken.add(story.number)
            ranked.append(Highlight(story=story, reason=reason))

    for topic, story in match_headlines(issue, real):
        take(story, f"headline: {topic}")
    for story in real:
        host = research_host(story)
        if host or story.marker:
            take(story, f"paper/code link ({host})" if host else f"flagged {story.marker}")
    for story in real:
        if story.main_link:
            take(story, "has a link")
    for story in real:
        take(story, "in order")
    chosen = sorted(ranked[:count], key=lambda h: h.story.number)
    kept = {h.story.number for h in chosen}
    left = [
        LeftOut(s, "past the highlight count" if has_substance(s) else "no substance")
        for s in stories
        if s.number not in kept
    ]
    return chosen, left


def _picked(issue: Issue, stories: list[Story], pick: list[int]) -> list[Highlight]:
    by_number = {story.number: story for story in stories}
    unknown = [n for n in pick if n not in by_number]
    if unknown:
        span = f"1-{len(stories)}" if stories else "none"
        raise BotError(
            f"no story #{unknown[0]} in {issue.title or 'the issue'!r} (stories are numbered {span}; "
            "bot preview --stories lists them)"
        )
    return [Highlight(story=by_number[n], reason="picked") for n in dict.fromkeys(pick)]


def title_topics(title: str) -> list[str]:
    """The topics a title lists: the part after its colon (or the whole title), split on
    ``;``, ``,``, ``|``, ``·`` and " and "."""
    _, colon, rest = title.partition(":")
    body = rest if colon and rest.strip() else title
    parts = [p.strip(" .!?\"'“”") for p in _TOPIC_SPLIT.split(body)]
    return [p for p in parts if p and len(_words(p)) >= 1]


def match_headlines(issue: Issue, stories: list[Story] | None = None) -> list[tuple[str, Story]]:
    """Each title topic paired with its best-matching story (topics with no match are left out)."""
    stories = issue.stories if stories is None else stories
    counts = {s.number: Counter(_words(s.text)) for s in stories}
    heads = {s.number: set(_words(s.headline)) for s in stories}
    spread = Counter(word for found in counts.values() for word in found)
    weight = {word: math.log(1 + len(stories) / n) for word, n in spread.items()}

    def score(wanted: set[str], story: Story) -> float:
        # Rare words count most, words of the headline double; a word the story repeats is its
        # topic, not a passing mention.
        found = counts[story.number]
        return sum(
            weight[w] * (1 + math.log(found[w])) * (2 if w in heads[story.number] else 1)
            for w in wanted
            if w in found
        )

    pairs: list[tuple[str, Story]] = []
    used: set[int] = set()
    for topic in title_topics(issue.title):
        wanted = set(_words(topic))
        if not wanted:
            continue
        best = max(
            (s for s in stories if s.number not in used),
            key=lambda s: (score(wanted, s), bool(s.main_link), -s.number),
            default=None,
        )
        # A real match shares a distinctive word, not only the issue's commonest one.
        if best is not None and score(wanted, best) >= math.log(2):
            used.add(best.number)
            pairs.append((topic, best))
    return pairs


def _words(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed ("Transformers" and "all-transformer" meet)."""
    found = (m.lower().lstrip("$€£") for m in _WORD.findall(text))
    return [_stem(w) for w in found if w not in _STOP and (len(w) > 1 or w.isdigit())]


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    for suffix, keep in (("'s", 2), ("’s", 2), ("ies", 3), ("sses", 4), ("s", 3), ("ing", 4), ("ed", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "ss" if suffix == "sses" else "")
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word
