"""Bluesky's limits: 300 extended grapheme clusters and 3,000 UTF-8 bytes of the text as shown."""

from __future__ import annotations

import unicodedata

import pytest

from bot.compose.length import RULES, grapheme_length, graphemes, utf8_length
from bot.platforms.bluesky.rules import BLUESKY_BYTE_LIMIT, BLUESKY_GRAPHEME_LIMIT, bluesky_fits

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # man, woman, girl, boy joined by ZWJ: 7 code points, 25 bytes
BLUESKY = RULES["bluesky"]


@pytest.mark.parametrize(
    "text,clusters",
    [
        pytest.param(FAMILY, 1, id="zwj-family"),
        pytest.param("👩🏽\u200d💻", 1, id="zwj-with-skin-tone"),
        pytest.param("🇯🇵", 1, id="flag"),
        pytest.param("🇯🇵🇺🇸🇫🇷", 3, id="three-flags-pair-up"),
        pytest.param("👍🏽", 1, id="skin-tone"),
        pytest.param("👍🏿👍🏻", 2, id="two-skin-tones"),
        pytest.param("❤️", 1, id="variation-selector"),
        pytest.param("1️⃣", 1, id="keycap"),
        pytest.param("e\u0301", 1, id="combining-acute"),
        pytest.param("a\u0301\u0302\u0303\u0304", 1, id="stacked-combining-marks"),
        pytest.param("Z\u0351\u036b\u0343\u036a", 1, id="zalgo-cluster"),
        pytest.param("日本語のテキスト", 8, id="cjk"),
        pytest.param("한국어", 3, id="hangul-syllables"),
        pytest.param("\u1100\u1161\u11a8", 1, id="hangul-jamo-lvt"),
        pytest.param("\r\n", 1, id="crlf"),
        pytest.param("நி", 1, id="tamil-vowel-sign"),
        pytest.param("ที่", 1, id="thai-marks"),
    ],
)
def test_extended_grapheme_clusters(text, clusters):
    assert grapheme_length(text) == clusters
    assert "".join(graphemes(text)) == text


def test_indic_conjuncts_follow_unicode_15_1():
    # क्षि = KA + VIRAMA + SSA + vowel sign I. Since Unicode 15.1 (rule GB9c) a virama between
    # two consonants joins them, so the conjunct with its vowel sign is one cluster. Older
    # rules (and the ``grapheme`` package) say 2: "क्" + "षि".
    assert [unicodedata.name(c) for c in "क्षि"] == [
        "DEVANAGARI LETTER KA",
        "DEVANAGARI SIGN VIRAMA",
        "DEVANAGARI LETTER SSA",
        "DEVANAGARI VOWEL SIGN I",
    ]
    assert graphemes("क्षि") == ["क्षि"]
    # अनुच्छेद ("paragraph"): अ, नु, च्छे (CA + VIRAMA + CHA + E joined by GB9c), द.
    assert graphemes("अनुच्छेद") == ["अ", "नु", "च्छे", "द"]
    # A virama before a non-consonant does not join: "क्" then "अ".
    assert graphemes("क्अ") == ["क्", "अ"]


def test_bytes_are_utf8():
    assert utf8_length(FAMILY) == 25
    assert utf8_length("日本") == 6
    assert utf8_length("é") == 2 and utf8_length("e\u0301") == 3


def test_300_graphemes_fit_and_301_do_not():
    assert bluesky_fits("a" * BLUESKY_GRAPHEME_LIMIT)
    assert not bluesky_fits("a" * (BLUESKY_GRAPHEME_LIMIT + 1))
    # Multi-code-point clusters count once each: 300 accented letters (600 code points) fit.
    decomposed = "e\u0301" * BLUESKY_GRAPHEME_LIMIT
    assert len(decomposed) == 600 and bluesky_fits(decomposed)
    assert not bluesky_fits(decomposed + "e\u0301")
    assert bluesky_fits("🇯🇵" * 300) and not bluesky_fits("🇯🇵" * 301)


def test_the_byte_limit_can_bind_before_the_grapheme_limit():
    assert bluesky_fits(FAMILY * 120)  # 120 graphemes, exactly 3,000 bytes
    assert utf8_length(FAMILY * 120) == BLUESKY_BYTE_LIMIT
    assert not bluesky_fits(FAMILY * 121)  # 121 graphemes, 3,025 bytes
    assert grapheme_length(FAMILY * 300) == 300 and not bluesky_fits(FAMILY * 300)
    assert BLUESKY.cost(FAMILY) == (1, 25)


def test_length_is_of_the_text_as_shown_with_short_urls():
    url = "https://example.com/" + "a" * 400
    text = f"Read {url}"
    # 5 + "example.com" + "/aaaaaaaaaaaa" + "..." = 5 + 11 + 13 + 3
    assert BLUESKY.measure(text) == 32
    assert BLUESKY.fits(text)
    assert not bluesky_fits(text)  # the raw text would not fit: the app never shows it


def test_describe_names_both_measures():
    assert BLUESKY.describe(FAMILY * 2 + " ok") == "5 graphemes, 53 bytes"
    assert BLUESKY.describe_limit() == "300 graphemes and 3000 UTF-8 bytes"
