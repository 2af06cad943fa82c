"""Highlight selection on the real sample issue: headlines, then flagged items, then the rest."""

from __future__ import annotations

import dataclasses

import pytest

from bot.compose.highlights import Highlight, match_headlines, select_highlights
from bot.errors import BotError
from bot.newsletter import read_feed, read_issue
from bot.newsletter.model import Link
from tests.conftest import FIXTURES, SAMPLE_ISSUE


@pytest.fixture(scope="module")
def sample():
    return read_issue(str(SAMPLE_ISSUE))


def test_headlines_first_in_title_order_then_flagged(sample):
    chosen = select_highlights(sample, count=8)
    assert [(h.item.index, h.reason) for h in chosen] == [
        (2, "headline: AI models that cost $1B USD to train"),
        (8, "headline: Transformers continue eating the world"),
        (13, "headline: Blockchain for research papers"),
        (5, "flagged 📱"),
        (6, "flagged 💸"),
        (7, "flagged 💻"),
        (9, "flagged 🌎"),
        (10, "flagged 🪐"),
    ]
    assert chosen[0].item.text.startswith("NVIDIA VP predicts")
    assert chosen[1].item.text.startswith("Keeping up with the transformers")
    assert chosen[2].item.text.startswith("An actually useful application of blockchain")


def test_every_item_once_in_full_order(sample):
    chosen = select_highlights(sample, count=100)
    assert [h.item.index for h in chosen] == [
        2,
        8,
        13,
        5,
        6,
        7,
        9,
        10,
        17,
        19,
        20,
        1,
        3,
        4,
        11,
        12,
        14,
        15,
        16,
        18,
    ]
    assert [h.reason for h in chosen].count("in order") == 9
    assert len({h.item.index for h in chosen}) == 20


def test_count_trims(sample):
    assert [h.item.index for h in select_highlights(sample, count=2)] == [2, 8]
    assert select_highlights(sample, count=0) == []
    with pytest.raises(BotError) as error:
        select_highlights(sample, count=-1)
    assert str(error.value) == "the number of highlights must be 0 or more, not -1"


def test_pick_chooses_items_in_the_given_order(sample):
    chosen = select_highlights(sample, count=3, pick=[17, 1, 17, 20, 2])
    assert chosen == [
        Highlight(item=sample.items[16], reason="picked"),
        Highlight(item=sample.items[0], reason="picked"),
        Highlight(item=sample.items[19], reason="picked"),
        Highlight(item=sample.items[1], reason="picked"),
    ]


@pytest.mark.parametrize("bad", [0, 21, -3])
def test_pick_rejects_unknown_indexes(sample, bad):
    with pytest.raises(BotError) as error:
        select_highlights(sample, count=3, pick=[1, bad])
    assert str(error.value) == f"no item #{bad} in {sample.title!r} (items are numbered 1-20)"


def test_highlight_is_frozen(sample):
    highlight = select_highlights(sample, count=1)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        highlight.reason = "changed"  # type: ignore[misc]


def test_ties_prefer_items_with_links(sample):
    # Two items that match "blockchain" equally well: the one with a link wins, wherever it is.
    items = list(sample.sections[3].items)
    plain = dataclasses.replace(items[0], index=13, text="Blockchain news")
    linked = dataclasses.replace(
        items[1], index=14, text="Blockchain news", links=(Link("https://example.org/chain", "news"),)
    )
    section = dataclasses.replace(sample.sections[3], items=(plain, linked))
    issue = dataclasses.replace(sample, title="ML4Sci #1: Blockchain", sections=(section,))
    assert [(h, i.index) for h, i in match_headlines(issue)] == [("Blockchain", 14)]


def test_issue_without_headlines_or_flags_keeps_reading_order():
    feed = read_feed(str(FIXTURES / "newsletters" / "substack-feed-synthetic.xml"))
    essay = feed[0]  # no numbered title, no markers
    assert [(h.item.index, h.reason) for h in select_highlights(essay, count=3)] == [
        (1, "in order"),
        (2, "in order"),
        (3, "in order"),
    ]


def test_a_headline_nothing_matches_is_skipped(sample):
    issue = dataclasses.replace(
        sample, title="ML4Sci #33: Quantum gravity; Blockchain for research papers"
    )
    assert [(h, i.index) for h, i in match_headlines(issue)] == [("Blockchain for research papers", 13)]
