"""Provide :func:`select_highlights`: which items of an issue a thread should carry, and why.

The default order follows the author's own signals:

1. the headline topics of the title (``ML4Sci #33: A; B; C``), in title order, each matched to
   the item that shares the most *distinctive* words with it (word overlap after light
   stemming, each word weighted by how rare it is in the issue, so "blockchain" outweighs
   "research");
2. the items the author flagged with an emoji marker, in reading order;
3. every other item, in reading order.

No item appears twice. When two items match a headline equally well, the one with links wins
(a highlight without a link gives readers nowhere to go), then the earlier one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.errors import BotError
from bot.newsletter.items import title_headlines
from bot.newsletter.model import Issue, Item

_WORD = re.compile(r"[$€£]?\w+(?:[.,]\d+)?", re.UNICODE)
_STOP = frozenset(
    """a about after all also an and any are as at be been but by can could did do does for
    from had has have how i if in into is it its just more most my new no not of on one or
    our out over so some such than that the their them then there these they this to up us
    was we were what when which who why will with would you your""".split()
)


@dataclass(frozen=True)
class Highlight:
    """An item chosen for the thread and the reason it was chosen."""

    item: Item
    reason: str  # "headline: <topic>", "flagged 🤯", "in order" or "picked"


def select_highlights(issue: Issue, *, count: int, pick: list[int] | None = None) -> list[Highlight]:
    """Up to ``count`` highlights in the default order, or exactly the items ``pick`` names.

    ``pick`` holds 1-based :attr:`Item.index` numbers, in the order wanted (repeats are
    ignored); with ``pick`` the choice is the user's, so ``count`` does not trim it.
    """
    items = issue.items
    if pick is not None:
        return _picked(issue, items, pick)
    if count < 0:
        raise BotError(f"the number of highlights must be 0 or more, not {count}")
    chosen: list[Highlight] = []
    taken: set[int] = set()

    def take(item: Item, reason: str) -> None:
        if item.index not in taken:
            taken.add(item.index)
            chosen.append(Highlight(item=item, reason=reason))

    for headline, item in match_headlines(issue):
        take(item, f"headline: {headline}")
    for item in items:
        if item.marker:
            take(item, f"flagged {item.marker}")
    for item in items:
        take(item, "in order")
    return chosen[:count]


def _picked(issue: Issue, items: list[Item], pick: list[int]) -> list[Highlight]:
    by_index = {item.index: item for item in items}
    unknown = [n for n in pick if n not in by_index]
    if unknown:
        span = f"1-{len(items)}" if items else "none"
        raise BotError(
            f"no item #{unknown[0]} in {issue.title or 'the issue'!r} (items are numbered {span})"
        )
    seen: set[int] = set()
    return [Highlight(item=by_index[n], reason="picked") for n in pick if not (n in seen or seen.add(n))]


def match_headlines(issue: Issue) -> list[tuple[str, Item]]:
    """Each title headline paired with its best-matching item (headlines with no match are left out)."""
    items = issue.items
    counts = {item.index: Counter(_words(item.text)) for item in items}
    spread = Counter(word for found in counts.values() for word in found)
    weight = {word: math.log(1 + len(items) / n) for word, n in spread.items()}

    def score(wanted: set[str], item: Item) -> float:
        # Rare words count most; a word the item repeats ("transformers ... all-transformer
        # GAN ... Two Transformers") is its topic, not a passing mention ("the world's").
        found = counts[item.index]
        return sum(weight[w] * (1 + math.log(found[w])) for w in wanted if w in found)

    pairs: list[tuple[str, Item]] = []
    used: set[int] = set()
    for headline in title_headlines(issue.title):
        wanted = set(_words(headline))
        best = max(
            (item for item in items if item.index not in used),
            key=lambda item: (score(wanted, item), bool(item.links), -item.index),
            default=None,
        )
        if best is not None and score(wanted, best) > 0:
            used.add(best.index)
            pairs.append((headline, best))
    return pairs


def _words(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed ("Transformers" and "all-transformer" meet)."""
    found = (m.lower().lstrip("$€£") for m in _WORD.findall(text))
    return [_stem(w) for w in found if w not in _STOP and (len(w) > 1 or w.isdigit())]


def _stem(word: str) -> str:
    for suffix, keep in (("'s", 2), ("’s", 2), ("ies", 3), ("sses", 4), ("s", 3), ("ing", 4), ("ed", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "ss" if suffix == "sses" else "")
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word
