"""The plain-text reader on the real sample issue (examples/ml4sci-33.txt) and on edge cases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.newsletter import read_issue
from bot.compose.highlights import title_topics
from bot.newsletter.items import issue_number, split_item
from bot.newsletter.text import looks_like_heading
from tests.conftest import SAMPLE_ISSUE

TITLE = (
    "ML4Sci #33: AI models that cost $1B USD to train; Transformers continue eating the world; "
    "Blockchain for research papers"
)


@pytest.fixture(scope="module")
def sample():
    return read_issue(str(SAMPLE_ISSUE))


def test_title_subtitle_number(sample):
    assert sample.title == TITLE
    assert sample.subtitle == "Also, tales of ML4Sci from the Twitter-verse"
    assert sample.number == 33
    assert sample.source == str(SAMPLE_ISSUE)
    assert sample.url is None and sample.published_at is None and sample.embeds == ()


def test_title_topics(sample):
    assert title_topics(sample.title) == [
        "AI models that cost $1B USD to train",
        "Transformers continue eating the world",
        "Blockchain for research papers",
    ]


def test_sections_in_order(sample):
    assert [s.title for s in sample.sections] == [
        "Department of Machine Learning",
        "Near-Future Science",
        # "Tales of the Twitterverse" held embedded tweets, lost in the plain-text copy: a
        # heading with no stories under it is no section.
        "The Science of Science",
        "Out in the World of Tech",
        "Policy and Regulation",
    ]
    assert [len(s.items) for s in sample.sections] == [8, 4, 4, 2, 2]


def test_items_are_numbered_in_reading_order(sample):
    assert [item.index for item in sample.items] == list(range(1, 21))
    assert sample.items[0].text == "Paperswithoutcode: a new platform to identify unreproducible papers"
    assert sample.items[7].text.startswith("Keeping up with the transformers: a new arxiv preprint")
    assert sample.items[-1].section == "Policy and Regulation"


def test_markers_and_tags(sample):
    by_index = {item.index: item for item in sample.items}
    nvidia = by_index[2]
    assert (nvidia.marker, nvidia.tag) == ("🤯", None)
    assert nvidia.text.startswith(
        "NVIDIA VP predicts the next big language model is going to cost $1B USD"
    )
    assert (by_index[3].marker, by_index[3].tag) == (None, "Medium")
    assert by_index[3].text.startswith("ML-in-production: “How We Scaled Bert")
    assert (by_index[4].marker, by_index[4].tag) == (None, "Arxiv")
    assert (by_index[6].marker, by_index[6].tag, by_index[6].text) == (
        "💸",
        "VentureBeat",
        "A nice overview of the difficulties in building GPT-3 business models",
    )
    assert (by_index[9].marker, by_index[9].tag) == ("🌎", "Arxiv")
    assert (by_index[12].tag, by_index[19].tag) == ("Nature Communications", "CSET@Georgetown")
    # "[paper][code][data]" at the end of an item is not a tag.
    assert by_index[11].tag is None and by_index[11].text.endswith("[paper][code][data]")
    assert [i.marker for i in sample.items if i.marker] == [
        "🤯",
        "📱",
        "💸",
        "💻",
        "🌎",
        "🪐",
        "🎲",
        "💰",
        "🤐",
    ]


def test_boilerplate_is_gone(sample):
    texts = [item.text for item in sample.items]
    everything = " ".join(texts) + " ".join(s.title for s in sample.sections)
    for gone in (
        "Charles Yang and I",
        "send us a",
        "COVID-19",
        "Thanks for Reading",
        "archive of all past issues",
        "ml4science@gmail.com",
    ):
        assert gone not in everything


def test_parsing_is_fast(sample):
    read_issue(str(SAMPLE_ISSUE))  # warm
    start = time.perf_counter()
    for _ in range(10):
        read_issue(str(SAMPLE_ISSUE))
    per_parse = (time.perf_counter() - start) / 10
    assert per_parse < 0.05


@pytest.mark.parametrize(
    "line",
    [
        "Department of Machine Learning",
        "Tales of the Twitterverse:",
        "🌎Out in the World of Tech",
        "Near-Future Science",
        "The Science of Science",
        "Policy and Regulation",
    ],
)
def test_headings(line):
    assert looks_like_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "Paperswithoutcode: a new platform to identify unreproducible papers",
        "Keeping up with the transformers: a new arxiv preprint demonstrates the first all-transformer GAN",
        "Also, tales of ML4Sci from the Twitter-verse",
        "Thanks for Reading!",
        "[Reuters] “Google fires second AI ethics leader”",
        "See https://example.org/Report",
    ],
)
def test_not_headings(line):
    assert not looks_like_heading(line)


def test_split_item():
    assert split_item("💸[VentureBeat] A nice overview") == ("💸", "VentureBeat", "A nice overview")
    assert split_item("[Arxiv] 🤯 A result") == ("🤯", "Arxiv", "A result")
    assert split_item("👩‍🔬 A lab story") == ("👩‍🔬", None, "A lab story")
    # A bracketed sentence, or a bracket with nothing after it, is not a source tag.
    assert split_item("[The technical report can be found here] now") == (
        None,
        None,
        "[The technical report can be found here] now",
    )
    assert split_item("[paper]") == (None, None, "[paper]")


def test_issue_numbers_and_headlines():
    assert issue_number("ML4Sci #33: A; B") == 33
    assert issue_number("Issue 12 — notes") == 12
    assert issue_number("ML4Sci: no number") is None
    assert title_topics("ML4Sci #7: One topic") == ["One topic"]
    assert title_topics("Robots; drones; rockets") == ["Robots", "drones", "rockets"]


def test_hard_wrapped_paragraphs_and_bare_urls(tmp_path: Path):
    path = tmp_path / "wrapped.txt"
    path.write_text(
        "ML4Sci #40: Wrapped lines\n"
        "A subtitle\n\n"
        "Department of Machine Learning\n"
        "🤯[Arxiv] A long item that an email client wrapped at seventy-two characters\n"
        "and that continues here, see https://arxiv.org/abs/2101.00001.\n"
        "A second item starts with a capital letter.\n",
        encoding="utf-8",
    )
    issue = read_issue(str(path))
    first, second = issue.items
    assert first.text == (
        "A long item that an email client wrapped at seventy-two characters and that continues "
        "here, see https://arxiv.org/abs/2101.00001."
    )
    assert (first.marker, first.tag) == ("🤯", "Arxiv")
    assert [link.url for link in first.links] == ["https://arxiv.org/abs/2101.00001"]
    assert second.text == "A second item starts with a capital letter."


def test_an_essay_keeps_its_lede(tmp_path: Path):
    prose = "A long paragraph of argument about lab robots and the people who build them. " * 4
    path = tmp_path / "essay.txt"
    path.write_text(
        f"On lab robots\nA subtitle\nThe lede paragraph, kept. {prose}\nFirst Part\n{prose}\n", encoding="utf-8"
    )
    issue = read_issue(str(path))
    assert issue.kind == "essay"
    assert [(s.section, s.headline) for s in issue.stories] == [("", "The lede paragraph, kept."), ("First Part", "First Part")]
