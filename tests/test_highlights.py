"""Highlight selection on the real sample issue: title topics, then flagged stories and research
links, then the rest; posted in the issue's order, never padded with stories without substance."""

from __future__ import annotations

import msgspec

import pytest

from bot.compose.highlights import Highlight, choose, match_headlines, select_highlights, title_topics
from bot.errors import BotError
from bot.newsletter import read_issue
from bot.newsletter.model import Issue, Link, Section, Story
from tests.conftest import SAMPLE_ISSUE


@pytest.fixture(scope="module")
def sample():
    return read_issue(str(SAMPLE_ISSUE))


def test_headlines_first_then_flagged_posted_in_issue_order(sample):
    chosen = select_highlights(sample, count=8)
    # Ranked: the three title topics, then flagged stories; posted in the issue's order.
    assert [(h.story.number, h.reason) for h in chosen] == [
        (2, "headline: AI models that cost $1B USD to train"),
        (5, "flagged 📱"),
        (6, "flagged 💸"),
        (7, "flagged 💻"),
        (8, "headline: Transformers continue eating the world"),
        (9, "flagged 🌎"),
        (10, "flagged 🪐"),
        (13, "headline: Blockchain for research papers"),
    ]
    assert [h.story.number for h in select_highlights(sample, count=3)] == [2, 8, 13]
    by_number = {h.story.number: h.story for h in chosen}
    assert by_number[2].text.startswith("NVIDIA VP predicts")
    assert by_number[8].text.startswith("Keeping up with the transformers")
    assert by_number[13].text.startswith("An actually useful application of blockchain")


def test_every_story_with_substance_once_in_issue_order(sample):
    chosen, left = choose(sample, count=100)
    assert [h.story.number for h in chosen] == list(range(1, 21))
    assert [h.reason for h in chosen].count("in order") == 9
    assert left == []


def test_stories_without_substance_are_never_padding(sample):
    thin = Story.of(21, "Links", "Elsewhere")  # a few words and no link
    section = Section("Links", (thin,))
    issue = msgspec.structs.replace(sample, sections=(*sample.sections, section))
    chosen, left = choose(issue, count=100)
    assert 21 not in [h.story.number for h in chosen]
    assert [(x.story.number, x.reason) for x in left] == [(21, "no substance")]


def test_count_trims(sample):
    assert [h.story.number for h in select_highlights(sample, count=2)] == [2, 8]
    assert select_highlights(sample, count=0) == []
    with pytest.raises(BotError) as error:
        select_highlights(sample, count=-1)
    assert str(error.value) == "the number of highlights must be 0 or more, not -1"


def test_pick_chooses_items_in_the_given_order(sample):
    chosen = select_highlights(sample, count=3, pick=[17, 1, 17, 20, 2])
    assert chosen == [
        Highlight(story=sample.items[16], reason="picked"),
        Highlight(story=sample.items[0], reason="picked"),
        Highlight(story=sample.items[19], reason="picked"),
        Highlight(story=sample.items[1], reason="picked"),
    ]


@pytest.mark.parametrize("bad", [0, 21, -3])
def test_pick_rejects_unknown_indexes(sample, bad):
    with pytest.raises(BotError) as error:
        select_highlights(sample, count=3, pick=[1, bad])
    assert str(error.value) == (
        f"no story #{bad} in {sample.title!r} (stories are numbered 1-20; bot preview --stories lists them)"
    )


def test_highlight_is_frozen(sample):
    highlight = select_highlights(sample, count=1)[0]
    with pytest.raises(AttributeError):
        highlight.reason = "changed"  # type: ignore[misc]


def test_ties_prefer_items_with_links(sample):
    # Two items that match "blockchain" equally well: the one with a link wins, wherever it is.
    items = list(sample.sections[3].items)
    plain = msgspec.structs.replace(items[0], number=13, text="Blockchain news")
    linked = msgspec.structs.replace(
        items[1], number=14, text="Blockchain news", links=(Link("https://example.org/chain", "news"),),
        main_link="https://example.org/chain",
    )
    section = msgspec.structs.replace(sample.sections[3], stories=(plain, linked))
    issue = msgspec.structs.replace(sample, title="ML4Sci #1: Blockchain", sections=(section,))
    assert [(h, i.index) for h, i in match_headlines(issue)] == [("Blockchain", 14)]


def test_stories_with_links_come_before_those_without():
    stories = [
        Story.of(1, "S", "A story without any link, but long enough to have substance in it."),
        Story.of(2, "S", "A story with a link.", links=(Link("https://example.org/a", "a link", 13, 19),)),
        Story.of(3, "S", "Another story without any link, long enough to say something real."),
    ]
    issue = Issue(title="Weekly notes", sections=(Section("S", tuple(stories)),))
    assert [(h.story.number, h.reason) for h in select_highlights(issue, count=2)] == [
        (1, "in order"),
        (2, "has a link"),
    ]


def test_a_headline_nothing_matches_is_skipped(sample):
    issue = msgspec.structs.replace(
        sample, title="ML4Sci #33: Quantum gravity; Blockchain for research papers"
    )
    assert [(h, i.index) for h, i in match_headlines(issue)] == [("Blockchain for research papers", 13)]


def test_title_topics_split_on_every_separator():
    assert title_topics("Artifacts Log 2: Gemma 2, more Chinese LLMs, and domain-specific training") == [
        "Gemma 2",
        "more Chinese LLMs",
        "domain-specific training",
    ]
    assert title_topics("ML4Sci #7: Robots | drones · rockets; lasers") == ["Robots", "drones", "rockets", "lasers"]
    assert title_topics("One topic") == ["One topic"]
