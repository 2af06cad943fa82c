"""Splitting long text into posts: every post fits, nothing is cut, sentences are preferred."""

from __future__ import annotations

import random
import re

import pytest

from bot.compose.length import RULES, Rules, graphemes
from bot.platforms.x.rules import XRules
from bot.compose.split import number_suffix, split_numbered, split_text, widest_suffix, words
from bot.errors import ComposeError

X, BLUESKY = RULES["x"], RULES["bluesky"]


def sentence(n_words: int, *, word: str = "word", end: str = ".") -> str:
    return " ".join([word] * n_words) + end


def test_text_that_fits_is_one_chunk_without_outer_whitespace():
    assert split_text("  hello   world \n", X) == ["hello   world"]
    assert split_text("   ", X) == []


def test_cuts_at_the_sentence_boundary():
    first = sentence(20)  # 99 characters
    second = sentence(40)  # 199 characters
    chunks = split_text(f"{first} {second}", X)
    assert chunks == [first, second]


def test_a_sentence_too_long_for_one_post_is_cut_between_words():
    text = sentence(120, word="lorem")  # 719 characters, one sentence
    chunks = split_text(text, X)
    assert len(chunks) == 3
    assert all(X.fits(c) for c in chunks)
    assert " ".join(chunks) == text
    assert X.measure(chunks[0]) >= 270  # earlier posts are filled


def test_prefers_a_clause_boundary_to_an_arbitrary_word():
    text = "alpha " * 20 + "beta, " + "gamma " * 35 + "end"  # 125 + 1 + 213 characters
    chunks = split_text(text, X)
    assert len(chunks) == 2
    assert chunks[0].endswith("beta,")


def test_fewest_posts_before_sentence_boundaries():
    # Cutting only at sentences needs 3 posts; cutting inside the middle sentence needs 2.
    text = f"Short one. {sentence(52)} {sentence(52)}"
    chunks = split_text(text, X)
    assert len(chunks) == 2
    assert all(X.fits(c) for c in chunks)


def test_paragraph_breaks_are_preferred_cut_points():
    para1 = "word " * 40 + "no full stop here"
    para2 = "more " * 30 + "done"
    chunks = split_text(f"{para1}\n\n{para2}", X)
    assert chunks == [para1, para2]


def test_abbreviations_and_initials_are_not_sentence_ends():
    assert [w.penalty for w in words("e.g. J. Smith. Fig. ok")][:4] == [3, 3, 0, 3]


def test_urls_are_never_cut_and_count_23_on_x():
    url = "https://example.org/" + "p" * 300
    text = " ".join(["see", url] * 12)
    chunks = split_text(text, X)
    assert all(X.fits(c) for c in chunks)
    assert sum(c.count(url) for c in chunks) == 12
    assert len(chunks) == 2  # 12 × (4 + 23 + 1) = 335 weighted


def test_a_long_url_fits_bluesky_because_it_is_shown_short():
    url = "https://example.org/" + "p" * 600
    assert split_text(f"Read {url}", BLUESKY) == [f"Read {url}"]


def test_a_word_that_cannot_fit_names_the_post_and_item():
    with pytest.raises(ComposeError) as error:
        split_text("x" * 300 + " tail", X, post_number=3, item_index=7)
    message = str(error.value)
    assert message.startswith("post 3 (item 7) cannot fit in 280 (X weighted length)")
    assert "300 (X weighted length)" in message


def test_the_unfittable_word_is_located_in_its_own_post():
    text = "fits " * 100 + "y" * 301  # 100 short words take 2 posts first
    with pytest.raises(ComposeError, match=r"^post 5 \(item 2\) cannot fit in 300 graphemes"):
        split_text(text, BLUESKY, post_number=3, item_index=2)


def test_bluesky_bytes_can_make_a_word_unfittable():
    family = "👨\u200d👩\u200d👧\u200d👦"
    with pytest.raises(ComposeError, match=r"121 graphemes, 3025 bytes"):
        split_text(family * 121, BLUESKY)
    assert split_text(family * 120, BLUESKY) == [family * 120]


def test_numbering_is_counted_in_the_length():
    # 12 words of 22 letters and their 11 spaces are 275: room for " 9/9" but not " 10/10".
    word = "a" * 22
    nine = split_numbered(" ".join([word] * 108), X)
    assert len(nine) == 9
    assert all(c.endswith(f" {i}/9") and X.measure(c) == 279 for i, c in enumerate(nine, 1))
    ten = split_numbered(" ".join([word] * 109), X)
    assert (
        len(ten) == 10
    )  # one more word: 10 posts, and the wider " 10/10" leaves room for 11 words each
    assert [c.rsplit(" ", 1)[1] for c in ten] == [f"{i}/10" for i in range(1, 11)]
    assert all(X.fits(c) for c in ten)
    assert max(c.count(word) for c in ten) == 11


def test_numbering_labels():
    assert number_suffix(3, 12) == " 3/12"
    assert widest_suffix(12) == " 12/12"


# --- properties over many generated texts ---------------------------------------------------

VOCABULARY = [
    "the",
    "model",
    "learns",
    "protein",
    "structure",
    "quantum",
    "GPT-3",
    "$1B",
    "@Roblox",
    "naïve",
    "résumé",
    "e\u0301te\u0301",
    "日本語の",
    "研究",
    "한국어",
    "क्षि",
    "अनुच्छेद",
    "👨\u200d👩\u200d👧\u200d👦",
    "🇯🇵",
    "👍🏽",
    "🤯",
    "(see",
    "this)",
    "data,",
    "science;",
    "https://arxiv.org/abs/2101.00001",
    "https://example.com/" + "long-path/" * 12,
    "http://a.co",
    "—",
    "«quoted»",
    "end.",
    "really?",
    "wow!",
    "étude",
    "Zürich",
]


def generated_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        pieces = []
        for _ in range(rng.randint(1, 160)):
            pieces.append(rng.choice(VOCABULARY))
            pieces.append(rng.choice([" ", " ", " ", " ", "  ", "\n", "\n\n", " \u00a0"]))
        texts.append("".join(pieces))
    return texts


def cluster_boundaries(text: str) -> set[int]:
    bounds, position = {0}, 0
    for cluster in graphemes(text):
        position += len(cluster)
        bounds.add(position)
    return bounds


def greedy_count(text: str, rules: Rules, reserve: str) -> int:
    """An independent oracle: the fewest posts, by filling each one as far as the real counter allows."""
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    count, i = 0, 0
    while i < len(spans):
        lo, hi = i + 1, len(spans)
        while lo < hi:  # the largest j such that words i..j-1, with their original spacing, fit
            mid = (lo + hi + 1) // 2
            if rules.fits(text[spans[i][0] : spans[mid - 1][1]] + reserve):
                lo = mid
            else:
                hi = mid - 1
        count, i = count + 1, lo
    return count


@pytest.mark.parametrize("platform", ["x", "bluesky"])
@pytest.mark.parametrize("numbered", [False, True], ids=["plain", "numbered"])
def test_properties_over_generated_texts(platform, numbered):
    rules = RULES[platform]
    checked_multi = 0
    for text in generated_texts(seed=len(platform) * 10 + numbered, count=40):
        chunks = split_numbered(text, rules) if numbered else split_text(text, rules)
        bodies = [c.rsplit(" ", 1)[0] for c in chunks] if numbered else chunks
        # every chunk fits, as the platform counts it, label included
        assert all(rules.fits(c) for c in chunks)
        # the words come back in order and none is cut
        assert " ".join(bodies).split() == text.split()
        # each chunk is a slice of the original starting and ending on grapheme boundaries
        bounds, cursor = cluster_boundaries(text), 0
        for body in bodies:
            start = text.index(body, cursor)
            assert start in bounds and start + len(body) in bounds
            cursor = start + len(body)
        # and there are as few chunks as possible
        reserve = widest_suffix(len(chunks)) if numbered else ""
        assert len(chunks) == greedy_count(text, rules, reserve)
        checked_multi += len(chunks) > 1
    assert checked_multi >= 10  # the generator really produced texts that need splitting


def test_a_space_followed_by_a_combining_mark_is_not_a_cut_point():
    # " \u0301" is one grapheme cluster (a space carrying an accent): cutting there would split it.
    a, b, c, d = ("a" * 100, "b" * 100, "c" * 100, "d" * 100)
    text = f"{a} {b} \u0301{c} {d}"
    chunks = split_text(text, BLUESKY)
    # "b… ́c…" is one 201-grapheme word, so neither neighbour fits beside it.
    assert chunks == [a, f"{b} \u0301{c}", d]


class _Undercounting(XRules, frozen=True):
    """Rules whose per-word model claims half the real length: the splitter must not trust it."""

    def cost(self, piece: str) -> tuple[int, ...]:
        return tuple(c // 2 for c in super().cost(piece))


def test_falls_back_to_the_real_counter_when_the_model_disagrees():
    rules = _Undercounting()
    text = sentence(150, word="ipsum")
    chunks = split_text(text, rules)
    assert all(X.fits(c) for c in chunks)
    assert " ".join(chunks) == text
    assert len(chunks) == greedy_count(text, X, "")
