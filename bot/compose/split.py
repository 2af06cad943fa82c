"""Provide :func:`split_text`: a text too long for one post, cut into posts that each fit.

Cuts fall only on whitespace between grapheme clusters, so no word, URL or cluster is ever
cut. Among the ways to use the fewest posts, cuts after a sentence are preferred, then after a
clause (``,;:``, dashes), then anywhere between words; ties keep earlier posts full. An optional
``i/n`` suffix is reserved in every post, and its width grows with ``n`` (9 → 10 posts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise

import msgspec

from bot.compose.length import Rules
from bot.errors import ComposeError
from bot.graphemes import clusters, is_letter

_SENTENCE_END = re.compile(r"[.!?…‽][\"'”’»)\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–][\"'”’»)\]]*$")
# Abbreviations whose full stop rarely ends a sentence; single initials ("J.") are also kept.
_ABBREVIATIONS = frozenset(
    "e.g. i.e. vs. cf. al. approx. dr. mr. mrs. ms. prof. fig. eq. ref. no. vol. st.".split()
)
# Penalty for a cut after each kind of word: sentence end, clause end, any other word.
_SENTENCE, _CLAUSE, _WORD = 0, 1, 3
_MAX_NUMBERING_ROUNDS = 8


class Word(msgspec.Struct, frozen=True):
    """A run of non-space grapheme clusters: its code-point span and how good a cut after it is."""

    start: int
    end: int
    penalty: int


def words(text: str) -> list[Word]:
    """The words of ``text``; a cluster that is all whitespace separates them."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    position = 0  # where the cluster starts: the clusters are the text, in order
    for cluster in clusters(text):
        if cluster.isspace():
            if start is not None:
                spans.append((start, position))
                start = None
        elif start is None:
            start = position
        position += len(cluster)
    if start is not None:
        spans.append((start, len(text)))
    return [
        Word(s, e, _penalty(text[s:e], text[e : spans[i + 1][0]] if i + 1 < len(spans) else "\n"))
        for i, (s, e) in enumerate(spans)
    ]


def _penalty(word: str, gap: str) -> int:
    if "\n" in gap:
        return _SENTENCE
    if _SENTENCE_END.search(word):
        bare = word.rstrip("\"'”’»)]").lower()
        initial = len(bare) == 2 and bare[1] == "." and is_letter(bare[0])  # "j." (regex's \p{L}\.)
        if bare not in _ABBREVIATIONS and not initial:
            return _SENTENCE
    if _CLAUSE_END.search(word):
        return _CLAUSE
    return _WORD


def number_suffix(index: int, total: int) -> str:
    """The ``i/n`` label appended to post ``index`` (1-based) of ``total``."""
    return f" {index}/{total}"


def widest_suffix(total: int) -> str:
    """The widest label any post of a ``total``-post thread carries (``i`` has no more digits)."""
    return number_suffix(total, total)


def split_text(
    text: str,
    rules: Rules,
    *,
    reserve: str = "",
    post_number: int = 1,
    item_index: int | None = None,
) -> list[str]:
    """Cut ``text`` into the fewest chunks such that each ``chunk + reserve`` fits ``rules``.

    ``post_number`` (the thread position of the first chunk) and ``item_index`` only name the
    post in the :class:`ComposeError` raised when a single word cannot fit.
    """
    ws = words(text)
    if not ws:
        return []
    plan = _Plan(text, ws, rules=rules, reserve=reserve)
    too_long = plan.first_unfittable()
    if too_long is not None:
        where = post_number + len(plan.greedy_chunks(upto=too_long))
        raise ComposeError(
            _cannot_fit(text, ws[too_long], rules=rules, reserve=reserve, post=where, item=item_index)
        )
    chunks = [text[ws[i].start : ws[j - 1].end] for i, j in plan.best_cuts()]
    if all(rules.fits(chunk + reserve) for chunk in chunks):
        return chunks
    # The summed costs disagreed with the platform's own count (a context effect the
    # per-word model missed): fall back to asking the real counter about every cut.
    return _greedy_exact(text, ws, fits=rules.fits, reserve=reserve)


def split_numbered(
    text: str,
    rules: Rules,
    *,
    post_number: int = 1,
    item_index: int | None = None,
) -> list[str]:
    """Split ``text`` and number the chunks ``i/n``, reserving room for the final ``n``'s width."""
    total = 1
    for _ in range(_MAX_NUMBERING_ROUNDS):
        chunks = split_text(
            text, rules, reserve=widest_suffix(total), post_number=post_number, item_index=item_index
        )
        if len(chunks) <= total:
            return [chunk + number_suffix(i, len(chunks)) for i, chunk in enumerate(chunks, 1)]
        total = len(chunks)
    raise ComposeError(f"cannot number the posts of item {item_index}: the count keeps changing")


class _Plan:
    """Prefix sums of per-word costs, so any chunk's length is two subtractions."""

    def __init__(self, text: str, ws: Sequence[Word], *, rules: Rules, reserve: str) -> None:
        self.ws = ws
        self.capacity = rules.capacity
        self.reserve = rules.cost(reserve) if reserve else (0,) * len(self.capacity)
        dims = range(len(self.capacity))
        self.word_sums = _prefix([rules.cost(text[w.start : w.end]) for w in ws], dims)
        gaps = [rules.cost(text[a.end : b.start]) for a, b in pairwise(ws)]
        self.gap_sums = _prefix(gaps, dims)

    def fits(self, i: int, j: int) -> bool:
        """Whether words ``i..j-1`` plus the reserve fit."""
        for d, cap in enumerate(self.capacity):
            used = self.word_sums[j][d] - self.word_sums[i][d] + self.reserve[d]
            used += self.gap_sums[j - 1][d] - self.gap_sums[i][d]
            if used > cap:
                return False
        return True

    def first_unfittable(self) -> int | None:
        return next((i for i in range(len(self.ws)) if not self.fits(i, i + 1)), None)

    def greedy_chunks(self, *, upto: int) -> list[tuple[int, int]]:
        chunks, i = [], 0
        while i < upto:
            j = i + 1
            while j < upto and self.fits(i, j + 1):
                j += 1
            chunks.append((i, j))
            i = j
        return chunks

    def reach(self) -> list[int]:
        """For each first word ``i``, the end ``j`` of the longest chunk starting there.

        Dropping a word from the front never makes a chunk longer, so ``j`` never moves
        back as ``i`` advances: one pass of two pointers.
        """
        n, j, ends = len(self.ws), 1, []
        for i in range(n):
            j = max(j, i + 1)
            while j < n and self.fits(i, j + 1):
                j += 1
            ends.append(j)
        return ends

    def best_cuts(self) -> list[tuple[int, int]]:
        """The fewest chunks, then the smallest total cut penalty, then the fullest early chunks."""
        n = len(self.ws)
        if self.fits(0, n):
            return [(0, n)]
        ends = self.reach()
        best: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (posts, penalty) for words i..n-1
        nxt = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            choice = (n + 1, 0)
            for j in range(i + 1, ends[i] + 1):
                cut = 0 if j == n else self.ws[j - 1].penalty
                score = (best[j][0] + 1, best[j][1] + cut)
                if score <= choice:  # ties go to the larger j: earlier posts stay full
                    choice, nxt[i] = score, j
            best[i] = choice
        cuts, i = [], 0
        while i < n:
            cuts.append((i, nxt[i]))
            i = nxt[i]
        return cuts


def _prefix(costs: list[tuple[int, ...]], dims: range) -> list[tuple[int, ...]]:
    sums = [(0,) * len(dims)]
    for cost in costs:
        sums.append(tuple(sums[-1][d] + cost[d] for d in dims))
    return sums


def _greedy_exact(
    text: str, ws: Sequence[Word], *, fits: Callable[[str], bool], reserve: str
) -> list[str]:
    chunks, i = [], 0
    while i < len(ws):
        j = i + 1
        while j < len(ws) and fits(text[ws[i].start : ws[j].end] + reserve):
            j += 1
        if not fits(text[ws[i].start : ws[j - 1].end] + reserve):
            raise ComposeError(f"cannot fit {text[ws[i].start : ws[i].end][:40]!r} in one post")
        chunks.append(text[ws[i].start : ws[j - 1].end])
        i = j
    return chunks


def _cannot_fit(
    text: str, word: Word, *, rules: Rules, reserve: str, post: int, item: int | None
) -> str:
    shown = text[word.start : word.end]
    preview = shown if len(shown) <= 40 else shown[:39] + "…"
    where = f"post {post}" + (f" (item {item})" if item is not None else "")
    return (
        f"{where} cannot fit in {rules.describe_limit()}: the word {preview!r} alone"
        f"{' with the numbering' if reserve else ''} measures {rules.describe(shown + reserve)}"
    )
