"""The feed and HTML readers on the synthetic Substack feed and post page (see fixtures' SOURCE.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import InputError
from bot.newsletter import read_feed, read_issue
from bot.newsletter.model import Embed, Link
from tests.conftest import FIXTURES

FEED = FIXTURES / "newsletters" / "substack-feed-synthetic.xml"
PAGE = FIXTURES / "newsletters" / "substack-post-page-synthetic.html"


@pytest.fixture(scope="module")
def feed():
    return read_feed(str(FEED))


def _outline(issue):
    return [(s.title, [(i.index, i.marker, i.tag, i.text) for i in s.items]) for s in issue.sections]


def test_feed_has_both_items_newest_first(feed):
    assert feed.title == "ML4Sci"
    assert len(feed) == 2
    assert [i.title for i in feed] == [
        "A newer-style synthetic essay",
        "ML4Sci #99: Example headline one; Example headline two; Example headline three",
    ]
    assert [i.published_at for i in feed] == ["2025-09-18T13:00:00Z", "2021-05-10T14:00:00Z"]
    assert feed.not_modified is False and feed.etag is None


def test_read_issue_takes_the_newest_entry():
    assert read_issue(str(FEED)).title == "A newer-style synthetic essay"


def test_gen1_issue_metadata(feed):
    issue = feed[1]
    assert issue.number == 99
    assert issue.subtitle == "Also, a synthetic sub-headline for the parser tests"
    assert issue.url == issue.guid == "https://ml4sci.substack.com/p/ml4sci-99-example-headline-one"
    assert issue.key == "https://ml4sci.substack.com/p/ml4sci-99-example-headline-one"
    assert issue.image == (
        "https://substack-post-media.s3.amazonaws.com/public/images/"
        "11111111-1111-1111-1111-111111111111_1200x600.png"
    )
    assert issue.source == str(FEED)


def test_gen1_issue_sections_items_and_dropped_widgets(feed):
    assert _outline(feed[1]) == [
        (
            "Department of Machine Learning",
            [
                (
                    1,
                    "🤯",
                    None,
                    "A synthetic item about the cost of training a very large model. "
                    "One or two sentences of commentary follow the link.",
                ),
                (
                    2,
                    None,
                    "Arxiv",
                    "A synthetic paper title on architecture search with a short comment.",
                ),
                (3, None, "Medium", "Serving a language model on CPUs@ExampleCorp"),
            ],
        ),
        ("Near-Future Science", [(4, "🧪", "ACS", "Self-driving labs, a synthetic summary.")]),
        (
            "Tales from the Twitter-verse",
            [
                (
                    5,
                    None,
                    None,
                    'A synthetic lead-in sentence before an embedded tweet (2020-2022 "gen-1" embed markup):',
                ),
                (6, None, None, "A reply in the same thread (second embed, no text, one photo):"),
            ],
        ),
        ("The Science of Science", [(7, "📖", None, "A synthetic note on open-access publishing.")]),
    ]
    everything = repr(feed[1].to_dict())
    for gone in (
        "Share ML4Sci",
        "figure caption",
        "send a ❤️",
        "Hi, I'm",
        "Thanks for Reading",
        "feedback",
    ):
        assert gone not in everything


def test_gen1_links(feed):
    items = feed[1].items
    assert items[0].links == (
        Link("https://example.org/news/large-model-cost", "the cost of training a very large model"),
    )
    assert items[2].links == (
        Link("https://medium.com/@example/serving-models-on-cpus", "Serving a language model on CPUs"),
    )


def test_gen1_tweet_embeds(feed):
    first = Embed(
        platform="x",
        url="https://twitter.com/example_scientist/status/1390000000000000001",
        id="1390000000000000001",
        author="example_scientist",
        author_name="Example Scientist",
        text="A synthetic tweet about running an automated lab overnight. example.org/lab",
        created_at="2021-05-08T16:20:00Z",
        section="Tales from the Twitter-verse",
    )
    second = Embed(
        platform="x",
        url="https://twitter.com/example_scientist/status/1390000000000000002",
        id="1390000000000000002",
        author="example_scientist",
        author_name="Example Scientist",
        text="",
        created_at="2021-05-08T16:21:00Z",
        section="Tales from the Twitter-verse",
    )
    issue = feed[1]
    assert issue.embeds == (first, second)
    assert issue.items[4].embeds == (first,)  # each embed sits on its lead-in item
    assert issue.items[5].embeds == (second,)


def test_gen2_issue(feed):
    issue = feed[0]
    assert issue.number is None
    # Short paragraphs, no list of stories: each section's paragraphs are its stories; the
    # opening paragraph introduces them (not a greeting, but no story either).
    assert _outline(issue) == [
        (
            "First section",
            [(1, None, None, "First section: Example Companies: Alpha Labs, Beta Bio Body text with an inline link.")],
        ),
        ("Second section", [(2, None, None, "Closing paragraph.")]),
    ]
    everything = repr(issue.to_dict())
    for gone in ("Subscribe", "Type your email", "synthetic footnote", "Thanks for reading"):
        assert gone not in everything


def test_gen2_tweet_and_bluesky_embeds(feed):
    tweet = Embed(
        platform="x",
        url="https://x.com/example_lab/status/1968000000000000003",
        id="1968000000000000003",
        author="example_lab",
        author_name="Example Lab",
        text="A synthetic post announcing an open dataset.",
        created_at="2025-09-16T09:30:00Z",
        section="First section",
    )
    bluesky = Embed(
        platform="bluesky",
        url="https://bsky.app/profile/did:plc:exampleexampleexample/post/3lexample2k2x",
        id="at://did:plc:exampleexampleexample/app.bsky.feed.post/3lexample2k2x",
        author="example.bsky.social",
        author_name="Example Person",
        text="A synthetic Bluesky post.",
        created_at="2025-09-15T12:00:00Z",
        section="First section",
    )
    issue = feed[0]
    assert issue.embeds == (tweet, bluesky)
    assert issue.items[0].embeds == (tweet, bluesky)
    assert issue.items[0].links[0] == Link("https://example.org/report", "inline link")
    assert issue.items[0].main_link == "https://example.org/report"  # its own link before the posts


def test_post_page():
    issue = read_issue(str(PAGE))
    assert issue.title == "ML4Sci #100: Protein design at scale; Robot chemists; Open weather models"
    assert issue.subtitle == "Also, a synthetic page for the HTML reader"
    assert issue.number == 100
    assert issue.url == "https://ml4sci.substack.com/p/ml4sci-100-protein-design"
    assert issue.published_at == "2021-07-05T13:00:00Z"
    assert issue.image.endswith("44444444-4444-4444-4444-444444444444_1200x630.png")
    assert _outline(issue) == [
        (
            "Department of Machine Learning",
            [
                (
                    1,
                    "🤯",
                    "Arxiv",
                    "Designing proteins with diffusion models, at a scale of a million candidates.",
                ),
                (2, None, "Blog", "A write-up on open weather models that beat the physics baseline."),
                (3, None, None, "A lead-in to a thread from a lab account:"),
            ],
        ),
        (
            "Near-Future Science",
            [
                (4, "🧪", None, "Robot chemists are leaving the lab bench: a synthetic news story."),
            ],
        ),
    ]
    assert issue.embeds == (
        Embed(
            platform="x",
            url="https://twitter.com/example_robotlab/status/1411000000000000004",
            id="1411000000000000004",
            author="example_robotlab",
            author_name="Example Robot Lab",
            text="Our robot chemist ran 688 experiments in 8 days. https://t.co/abc123",
            section="Department of Machine Learning",
        ),
        Embed(
            platform="bluesky",
            url="https://bsky.app/profile/did:plc:synthetic000000000000001/post/3kexamplepost1",
            id="at://did:plc:synthetic000000000000001/app.bsky.feed.post/3kexamplepost1",
            author="chemist.example.org",
            author_name="Example Chemist",
            text="A synthetic Bluesky post about self-driving labs.",
            section="Near-Future Science",
        ),
    )
    everything = repr(issue.to_dict())
    for gone in (
        "Archive",
        "caption",
        "Type your email",
        "Comments",
        "Substack is the home",
        "forward it",
    ):
        assert gone not in everything


def test_content_encoded_fragment_saved_as_a_file(tmp_path: Path):
    fragment = tmp_path / "fragment.html"
    fragment.write_text(
        '<h2 class="header-anchor-post">Near-Future Science<div class="header-anchor-parent">'
        '<button aria-label="Link"></button></div></h2>'
        '<p>🧪[ACS] <a href="https://pubs.acs.org/doi/10.1021/x">Self-driving labs</a>.<a class="footnote-anchor" '
        'href="#footnote-1" id="footnote-anchor-1">1</a></p>'
        '<ul><li><p>[Arxiv] A nested <a href="/p/older">relative link</a></p></li></ul>'
        '<div class="footnote"><a class="footnote-number" href="#footnote-anchor-1">1</a>'
        '<div class="footnote-content"><p>A footnote.</p></div></div>',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="has no title"):  # a file name is never a title
        read_issue(str(fragment))
    issue = read_feed(str(fragment)).issues[0]
    assert issue.title == "" and issue.unpostable == "no title"
    assert _outline(issue) == [
        (
            "Near-Future Science",
            [
                (1, "🧪", "ACS", "Self-driving labs."),
                (2, None, "Arxiv", "A nested relative link"),
            ],
        ),
    ]
    assert issue.items[1].links == ()  # a relative link with no base URL is not a usable link
