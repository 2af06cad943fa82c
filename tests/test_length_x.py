"""X's weighted length: the official twitter-text conformance suite, case by case."""

from __future__ import annotations

import json

import pytest
import yaml

from bot.compose.length import RULES
from bot.platforms.x.rules import (
    X_LIMIT,
    x_config,
    x_config_from_json,
    x_length,
    x_parse,
    x_urls,
    x_valid,
)
from tests.conftest import FIXTURES

SUITE = FIXTURES / "twitter-text"
CASES = yaml.safe_load((SUITE / "validate.yml").read_text(encoding="utf-8"))["tests"]
V3 = x_config_from_json(json.loads((SUITE / "config-v3.json").read_text(encoding="utf-8")))
# The WeightedTweetsCounterTest section predates emoji parsing: config v2 is v3 without it.
V2 = {**V3, "version": 2, "emoji_parsing_enabled": False}
# The plain tweet-validity cases are from the 140-character era: config v1.
V1 = x_config(1)

WEIGHTED_FIELDS = (
    "weightedLength",
    "valid",
    "permillage",
    "displayRangeStart",
    "displayRangeEnd",
    "validRangeStart",
    "validRangeEnd",
)


def _cases(section: str) -> list:
    cases = CASES[section]
    return [pytest.param(case, id=f"{i:02d}-{case['description']}") for i, case in enumerate(cases)]


def test_fixture_config_is_the_official_v3():
    assert V3["max_weighted_tweet_length"] == 280
    assert V3["transformed_url_length"] == 23
    assert V3["emoji_parsing_enabled"] is True
    assert V3["scale"] == 100 and V3["default_weight"] == 200
    # Our default counter uses the library's v3, which must be the same numbers.
    assert x_config(3) == {**V3, "version": 3}


def test_the_sections_are_all_there():
    # A truncated fixture would silently run fewer cases.
    assert len(CASES["WeightedTweetsCounterTest"]) == 20
    assert len(CASES["WeightedTweetsWithDiscountedEmojiCounterTest"]) == 22
    assert len(CASES["UnicodeDirectionalMarkerCounterTest"]) == 2
    assert len(CASES["tweets"]) == 8


@pytest.mark.parametrize("case", _cases("WeightedTweetsCounterTest"))
def test_weighted_tweets_counter(case):
    result = x_parse(case["text"], config=V2).asdict()
    assert {key: result[key] for key in case["expected"]} == case["expected"]
    assert x_length(case["text"], config=V2) == case["expected"]["weightedLength"]


@pytest.mark.parametrize("case", _cases("WeightedTweetsWithDiscountedEmojiCounterTest"))
def test_weighted_tweets_with_discounted_emoji(case):
    result = x_parse(case["text"], config=V3).asdict()
    assert {key: result[key] for key in case["expected"]} == case["expected"]
    # The default counter the bot uses is this same v3.
    assert x_length(case["text"]) == case["expected"]["weightedLength"]
    assert x_valid(case["text"]) is case["expected"]["valid"]


@pytest.mark.parametrize("case", _cases("UnicodeDirectionalMarkerCounterTest"))
def test_unicode_directional_markers(case):
    result = x_parse(case["text"], config=V3).asdict()
    assert {key: result[key] for key in case["expected"]} == case["expected"]
    assert x_valid(case["text"]) is case["expected"]["valid"]


@pytest.mark.parametrize("case", _cases("tweets"))
def test_tweet_validity_v1(case):
    assert x_valid(case["text"], config=V1) is case["expected"]


def test_expected_fields_cover_the_full_result():
    # Every weighted case states every field, so the comparisons above check them all.
    for section in ("WeightedTweetsCounterTest", "WeightedTweetsWithDiscountedEmojiCounterTest"):
        for case in CASES[section]:
            assert set(case["expected"]) <= set(WEIGHTED_FIELDS)
            assert "weightedLength" in case["expected"] and "valid" in case["expected"]


def test_emoji_parsing_is_what_separates_v2_from_v3():
    family = "👨‍👩‍👧‍👦"  # 7 code points
    assert x_length(family) == 2
    assert x_length(family, config=V2) == 2 * 4 + 1 * 3  # four emoji at 2, three ZWJ (U+200D) at 1


def test_every_url_counts_23_whatever_its_length():
    short, long = "https://a.co", "https://example.com/" + "x" * 200
    assert x_length(short) == x_length(long) == 23
    assert x_length(f"see {long} and {short}") == len("see ") + 23 + len(" and ") + 23
    assert x_urls(f"see {long} and example.org") == (long, "example.org")


def test_nfc_normalisation_counts_decomposed_accents_once():
    decomposed = "e\u0301" * 10
    assert x_length(decomposed) == 10


def test_limit_edges_and_refused_characters():
    assert x_valid("a" * X_LIMIT) and not x_valid("a" * (X_LIMIT + 1))
    assert x_length("日" * 140) == 280 and x_valid("日" * 140) and not x_valid("日" * 141)
    assert not x_valid("")
    assert not x_valid("fine text\ufeff")
    assert RULES["x"].cost("ok\uffff") == (X_LIMIT + 1,)
