"""bot.platforms.x.fastlength answers exactly as twitter-text does, or not at all.

Each fact the fast path rests on is checked against the installed twitter-text-parser, then the
two are compared on the official conformance suite, on every X post composed from the reading
corpus, on every code point, and on generated text full of the hard cases (dots, TLDs, links in
brackets, emoji sequences, case-folding letters).
"""

from __future__ import annotations

import functools
import json
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.platforms.x import fastlength
from bot.platforms.x.fastlength import fast_parse, tlds
from bot.platforms.x.rules import x_parse, x_urls
from bot.platforms.x.twitter_text_loader import load_twitter_text
from tests.conftest import FIXTURES, ROOT


def _library(text: str) -> tuple[int, bool, tuple[str, ...]]:
    parsed = x_parse(text)
    load_twitter_text()
    from twitter_text import extract_urls
    import unicodedata

    return parsed.weightedLength, parsed.valid, tuple(extract_urls(unicodedata.normalize("NFC", text)))


def _agrees(text: str) -> bool:
    """The fast answer, when there is one, is twitter-text's; True when the fast path answered."""
    fast = fast_parse(text)
    if fast is None:
        return False
    assert fast == _library(text), text
    return True


@functools.cache
def _emoji_module():
    load_twitter_text()
    from twitter_text.regexp import emoji

    return emoji


def _in(ranges, code: int) -> bool:
    return any(a <= code <= b for a, b in ranges)


# -- the facts -----------------------------------------------------------------------------
def test_the_tld_list_is_twitter_texts():
    load_twitter_text()
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    words: set[str] = set()
    for pattern in (valid_gtld.pattern, valid_cctld.pattern):
        words |= set(pattern[pattern.index("(?:(?:") + 6:pattern.rindex(")(?=")].split("|"))
    assert tlds() == {word for word in words if word.isascii()}
    assert {"com", "org", "ai", "io", "uk", "science"} <= tlds()


def test_every_multi_code_point_emoji_holds_an_excluded_part():
    sequences = [entry.codepoint.split() for entry in _emoji_module().emoji_list]
    multi = [[int(c, 16) for c in seq] for seq in sequences if len(seq) > 1]
    assert len(multi) > 1000
    lacking = [seq for seq in multi if not any(_in(fastlength._EXCLUDED, c) for c in seq)]
    assert lacking == []


def test_no_allowed_weight_one_code_point_is_an_emoji():
    emoji = _emoji_module().emoji
    weight_one = [c for a, b in fastlength._WEIGHT_100 for c in range(a, b + 1)]
    emoji_here = [c for c in weight_one if emoji.fullmatch(chr(c)) and not _in(fastlength._EXCLUDED, c)]
    assert emoji_here == []
    # and the exclusion is not empty for nothing: © and ® are emoji that weigh 2
    assert emoji.fullmatch("©") and _library("©")[0] == 2


def test_the_weights_are_config_v3s():
    from bot.platforms.x.rules import x_config

    ranges = tuple((r["start"], r["end"]) for r in x_config(3)["ranges"])
    assert ranges == fastlength._WEIGHT_100
    assert x_config(3)["default_weight"] == 200 and x_config(3)["transformed_url_length"] == 23


# -- the comparisons -----------------------------------------------------------------------
def test_every_code_point_alone_and_between_letters():
    codes = [c for c in [*range(0, 0x3100), *range(0xFE00, 0xFFFF), *range(0x1F300, 0x1FAFF)]
             if not 0xD800 <= c <= 0xDFFF]
    answered = sum(_agrees(chr(code)) + _agrees(f"a{chr(code)}b") for code in codes)
    assert answered > 0.99 * 2 * len(codes)


def test_the_official_conformance_suite():
    cases = yaml.safe_load((FIXTURES / "twitter-text" / "validate.yml").read_text(encoding="utf-8"))["tests"]
    weighted = cases["WeightedTweetsWithDiscountedEmojiCounterTest"] + cases["UnicodeDirectionalMarkerCounterTest"]
    answered = 0
    for case in weighted:
        fast = fast_parse(case["text"])
        if fast is not None:
            answered += 1
            assert fast[:2] == (case["expected"]["weightedLength"], case["expected"]["valid"]), case["description"]
            assert fast == _library(case["text"])
    assert answered >= len(weighted) // 3


def test_every_x_post_composed_from_the_reading_corpus():
    sys.path.insert(0, str(ROOT))
    from bench.reading import load_cases, run_preview

    texts = []
    for case in load_cases():
        preview, _ = run_preview(case.path)
        for post in (preview or {}).get("threads", {}).get("x", []):
            texts.append(post["text"])
    assert len(texts) > 100
    answered = sum(_agrees(text) for text in texts)
    assert answered / len(texts) > 0.8, f"only {answered} of {len(texts)} posts answered without twitter-text"


def test_the_cases_it_must_leave_to_twitter_text():
    for text in ("see arxiv.org", "(https://arxiv.org/abs/1)", "x https://t.co/abc", "🇺🇸 flag", "👍🏽",
                 "#️⃣", "©", "a.xn--p1ai", "https://example.com:8080/", "x.aſia", "https://x.org/a.",
                 "https://x.org#frag", "bad\ufeffchar"):
        assert fast_parse(text) is None, text


def test_plain_posts_are_answered():
    for text in ("🧵 Highlights below 👇\n\nhttps://ml4sci.substack.com 1/7", "e.g. 3.5 Dr. Müller…",
                 "α-helix — “fast” https://arxiv.org/abs/2401.01234v2?x=1#s", "日本語のテキスト"):
        assert _agrees(text), text


_PIECES = st.sampled_from([
    "https://", "http://", "HTTPS://", ".", ".com", ".org", ".ai", ".c", ".co", ".st", "arxiv", "t.co/",
    "xn--", "www.", "/", "?", "=", "&", "#", "@", ":", "(", ")", "[", "]", "-", "_", "~", "%", "+", ",",
    "'", "!", "$", " ", "\n", "\r\n", "\t", "\xa0", "\u3000", "é", "e\u0301", "α", "Д", "日本", "—", "…",
    "“", "”", "🧵", "👍", "\u200d", "\ufe0f", "🏽", "🇺", "©", "ſ", "K", "\u202e", "\u200b", "1", "42",
    "a", "Z", "example", "abs", "2401.01234", "ML4Sci", "\ud800"[:0],
])


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_generated_text_agrees_whenever_answered(text):
    _agrees(text)


def test_url_list_matches_x_urls_on_answered_text():
    text = "one https://a.example.org/p two https://b.io/?q=1 three"
    assert fast_parse(text)[2] == x_urls(text) == ("https://a.example.org/p", "https://b.io/?q=1")


def test_preview_of_the_sample_needs_no_twitter_text(tmp_path):
    import subprocess

    code = ("import sys, io, contextlib\nfrom bot.cli import main\n"
            f"sys.argv = ['bot', '--config', {str(ROOT / 'examples' / 'bot.toml')!r}, 'preview', "
            f"{str(ROOT / 'examples' / 'ml4sci-33.txt')!r}]\n"
            "out = io.StringIO()\ntry:\n    with contextlib.redirect_stdout(out):\n        main()\n"
            "except SystemExit:\n    pass\n"
            "print('twitter_text' in sys.modules, '/280 ' in out.getvalue())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("text", ["", " ", "\n"])
def test_empty_and_blank_texts(text):
    assert _agrees(text)


def _strings(node, found: set[str]) -> None:
    if isinstance(node, str):
        if node[:1] in "{[":
            try:
                _strings(json.loads(node), found)
            except ValueError:
                pass
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "full_text", "selftext", "title", "body", "content", "description") and isinstance(value, str):
                found.add(value)
            _strings(value, found)
    elif isinstance(node, list):
        for value in node:
            _strings(value, found)


def test_every_text_in_the_recorded_api_traffic():
    # Real posts, titles and bios from tweepy's, praw's and Mastodon.py's recorded responses.
    found: set[str] = set()
    for path in (FIXTURES / "recorded").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".yaml", ".yml"):
            raw = path.read_text(encoding="utf-8")
            _strings(json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw), found)
    assert len(found) > 200
    answered = sum(_agrees(text) for text in found)
    assert answered > len(found) / 2
