"""The Markdown reader on two real Substack exports (Interconnects, CC BY 4.0) and on edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.newsletter import read_issue
from bot.newsletter.markdown import front_matter
from bot.newsletter.model import Embed, Link, Story
from tests.conftest import FIXTURES

EXPORT_2020 = FIXTURES / "newsletters" / "interconnects-2020-07-17-automating-code-twitters-hack.md"
EXPORT_2023 = FIXTURES / "newsletters" / "interconnects-2023-03-20-gpt4-quiet-parts.md"


@pytest.fixture(scope="module")
def issue_2020():
    return read_issue(str(EXPORT_2020))


@pytest.fixture(scope="module")
def issue_2023():
    return read_issue(str(EXPORT_2023))


def test_front_matter(issue_2023):
    assert issue_2023.title == "GPT4: The quiet parts and the state of ML"
    assert issue_2023.subtitle == (
        "Checking in on the state of the ML field: technical progress, societal implications, and more."
    )
    assert issue_2023.published_at == "2023-03-20T14:30:20Z"  # email_sent_at beats the bare date
    assert issue_2023.number is None
    assert issue_2023.key.startswith("sha256:")  # no URL or guid in an export


def test_2020_sections(issue_2020):
    # Headings inside the YouTube embeds ("An error occurred.") and inside block quotes are not sections.
    assert [s.title for s in issue_2020.sections] == [
        "Automating Code",
        "What is it",
        "How this works",
        "Why it matters",
        "Robotics & Generative Text",
        "Twitter's Hack",
        "What you need to know",
        "A history of Twitter blips",
        "Geopolitical and Automation Implications",
        "'Snacks'",
        "Stretch, the robot",
        "Self-supervised Robots",
        "Multiple levels to recommender systems",
        "The tangentially related",
    ]
    # Prose sections with few story starters: an essay, read as its sections.
    assert issue_2020.kind == "essay"
    assert [s.headline for s in issue_2020.stories] == [s.title for s in issue_2020.sections]
    what = next(s for s in issue_2020.stories if s.headline == "What is it")
    assert what.text.startswith("What is it: ")
    # An essay's section is about the essay: it carries none of the links in its prose.
    assert (what.main_link, what.why_link) == (None, "an essay's section: no link of its own")
    last = issue_2020.stories[-1]
    assert last.text.endswith("A hair cut robot on Youtube.")


def test_2020_tweet_without_lead_in_becomes_an_item(issue_2020):
    tweet = Embed(
        platform="x",
        url="https://twitter.com/TwitterSupport/status/1283591846464233474",
        id="1283591846464233474",
        author="TwitterSupport",
        author_name="Twitter Support",
        text=(
            "We detected what we believe to be a coordinated social engineering attack by people who "
            "successfully targeted some of our employees with access to internal systems and tools."
        ),
        created_at="2020-07-16T02:38:38Z",
        section="Twitter's Hack",
    )
    hack = next(s for s in issue_2020.sections if s.title == "Twitter's Hack")
    (story,) = hack.stories
    # A section over an embedded post and nothing else: the post is its text, and its link.
    assert story.embeds == (tweet,)
    assert story.headline == "Twitter's Hack"
    assert story.text == f"Twitter's Hack: {tweet.text}"
    assert story.main_link == tweet.url
    assert issue_2020.embeds == (tweet,)


def test_2020_links_escapes_and_emphasis(issue_2020):
    why = next(s for s in issue_2020.stories if s.headline == "Why it matters")
    assert "Nerd corner: The training amount for this model was 50 petaflop/s-days (what exactly does this mean?)" in why.text
    nerd = Story.of(1, "", why.text[why.text.index("Nerd corner"):], links=why.links[-4:])
    assert nerd.text.startswith(
        "Nerd corner: The training amount for this model was 50 petaflop/s-days (what exactly does this "
        "mean?) amounts to over $12million for training costs alone [Source]."
    )
    assert [link.text for link in nerd.links] == ["peta", "flop/s", "Source", "here"]
    assert why.main_link is None
    # Wikipedia's text-fragment URL has an unbalanced "(": the link still ends at its ")".
    assert nerd.links[0].url == (
        "https://en.wikipedia.org/wiki/Peta-#:~:text=Peta%20(%2F%CB%88p%C9%9Bt,"
        "%CF%80%CE%AD%CE%BD%CF%84%CE%B5%2C%20meaning%20%22five%22."
    )
    assert "Human Compatible: Artificial Intelligence and the Problem of Control - Stuart Russell" in issue_2020.stories[-1].text


def test_2020_closing_ask_dropped_but_content_mentioning_subscribe_kept(issue_2020):
    texts = [i.text for i in issue_2020.items]
    assert not any("Forwarded this?" in t for t in texts)
    assert any("Please subscribe if you want to see the issue analyzing ethics" in t for t in texts)


def test_2023_sections_quotes_footnotes(issue_2023):
    first = issue_2023.stories[0]
    assert (first.section, first.headline) == ("Technical impressions", "Technical impressions")
    # The lede before the first heading introduces a post with lists of stories: no story.
    assert not any(s.text.startswith("We all knew GPT4 was coming") for s in issue_2023.stories)
    texts = [s.text for s in issue_2023.stories]
    assert not any("Our evaluations suggest RLHF" in t for t in texts)  # a block quote
    assert not any("Claude, as of a few months ago" in t for t in texts)  # a footnote
    assert "inference cost usually scales linearly with context length. " in first.text  # anchor "1" gone
    assert first.links[0].url == "https://cdn.openai.com/papers/gpt-4.pdf"  # "[The technical report can be found here]"
    assert first.main_link is None and first.tag is None  # an essay's section links the essay


def test_2023_two_tweets_on_their_list_item(issue_2023):
    memes = next(i for i in issue_2023.items if "Top quality GP4 memes are on the menu:" in i.text)
    assert memes.section == "The hilarious parts"
    assert [(e.id, e.author, e.author_name, e.text, e.created_at) for e in memes.embeds] == [
        (
            "1613306673447473152",
            "jamesr66a",
            "James Reed",
            "biden reporting on the parameter count of GPT-4",
            "2023-01-11T22:47:39Z",
        ),
        ("1636638029480706052", "untitled01ipynb", "LLMeowbooks", "", "2023-03-17T07:58:08Z"),
    ]
    assert [e.url for e in issue_2023.embeds] == [
        "https://twitter.com/jamesr66a/status/1613306673447473152",
        "https://twitter.com/untitled01ipynb/status/1636638029480706052",
    ]
    last = issue_2023.items[-1]
    assert last.headline == "Wrap up"
    assert last.text.endswith("I shared the doc I use for my developer environment (the commands we always forget).")
    assert last.links[-1] == Link("https://www.craft.do/s/WaF8mlClNnheaM", "doc")


def test_front_matter_parser():
    meta, body = front_matter("---\ntitle: \"A \\\"quoted\\\" title\"\nsubtitle: 'It''s'\n---\nBody\n")
    assert meta == {"title": 'A "quoted" title', "subtitle": "It's"}
    assert body == "Body\n"


def test_markdown_without_front_matter_takes_its_h1_as_title(tmp_path: Path):
    path = tmp_path / "notes.md"
    path.write_text(
        "# ML4Sci #41: Lasers; Lenses\n\n## Department of Machine Learning\n\n"
        "* 🔭[Arxiv] A [telescope paper](https://arxiv.org/abs/1) with `code` and __bold__ text\n"
        "  continued on an indented line.\n\n"
        "  A second paragraph of the same item.\n\n"
        "Not part of the item.\n\n"
        "```\n# not a heading\n```\n",
        encoding="utf-8",
    )
    issue = read_issue(str(path))
    assert (issue.title, issue.number) == ("ML4Sci #41: Lasers; Lenses", 41)
    first, second = issue.items
    assert (first.marker, first.tag) == ("🔭", "Arxiv")
    assert first.text == (
        "A telescope paper with code and bold text continued on an indented line. "
        "A second paragraph of the same item."
    )
    assert first.links == (Link("https://arxiv.org/abs/1", "telescope paper"),)
    assert second.text == "Not part of the item."
    assert [s.title for s in issue.sections] == ["Department of Machine Learning"]
