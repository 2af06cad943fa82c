"""Composing an issue's highlights into one exact thread per platform."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import msgspec
import pytest

from bot.compose.length import RULES, grapheme_length, utf8_length
from bot.platforms.x.rules import x_length
from bot.compose.model import Card, Thread
from bot.compose.thread import compose_threads, subscribe_link, thread_to_dict
from bot.errors import ComposeError
from bot.newsletter.model import Issue, Story, Link, Section
from tests.conftest import SAMPLE_ISSUE

ISSUE_URL = "https://ml4sci.substack.com/p/ml4sci-33-ai-models-that-cost-1b"
HOME = "https://ml4sci.substack.com"
NUMBER = re.compile(r" (\d+)/(\d+)$")


def sample_issue(**changes) -> Issue:
    """Issue #33 as the reader gives it (items copied from examples/ml4sci-33.txt), with links added."""
    department = Section(
        "Department of Machine Learning",
        (
            Story.of(
                2,
                "Department of Machine Learning",
                "NVIDIA VP predicts the next big language model is going to cost $1B USD to train. "
                "Training AI models is approaching the same order of magnitude of cost as the Manhattan "
                "project. Lots of lessons here: the democratizing access of computers and software, the "
                "monolithic scale of tech companies and the impossibly high barriers to building "
                "performant AI models, and of course, the coming shifts in the geopolitical landscape.",
                marker="🤯",
                links=(
                    Link(
                        "https://www.hpcwire.com/2021/03/05/nvidia-vp-1b-language-model-training/",
                        "predicts",
                    ),
                ),
            ),
            Story.of(
                6,
                "Department of Machine Learning",
                "A nice overview of the difficulties in building GPT-3 business models",
                marker="💸",
                tag="VentureBeat",
                links=(Link("https://venturebeat.com/2021/02/27/gpt-3-business-models/", "overview"),),
            ),
        ),
    )
    science = Section(
        "Near-Future Science",
        (
            Story.of(
                9,
                "Near-Future Science",
                "“Integrating Machine Learning for Planetary Science: Perspectives for the Next Decade” "
                "- a particularly striking figure of the amount of ML incorporated into NASA research",
                marker="🌎",
                tag="Arxiv",
                links=(Link("https://arxiv.org/abs/2007.15129", "Integrating"),),
            ),
            Story.of(
                12,
                "Near-Future Science",
                "Converting patent data into experimental synthesis procedures. Most of the worlds "
                "latent scientific knowledge is locked in people’s brains or in pdf’s - NLP is helping "
                "to unlock these pools of knowledge",
                tag="Nature Communications",
            ),
        ),
    )
    issue = Issue(
        title="ML4Sci #33: AI models that cost $1B USD to train; Transformers continue eating the "
        "world; Blockchain for research papers",
        subtitle="Also, tales of ML4Sci from the Twitter-verse",
        number=33,
        url=ISSUE_URL,
        image="https://substackcdn.com/image/fetch/ml4sci-33.png",
        sections=(department, science),
    )
    return msgspec.structs.replace(issue, **changes)


def compose(issue: Issue | None = None, items=None, **options) -> dict[str, Thread]:
    issue = issue or sample_issue()
    options.setdefault("newsletter_name", "ML4Sci")  # the name settings give the sample
    return compose_threads(issue, issue.items if items is None else items, **options)


def assert_exact(thread: Thread) -> None:
    """Every post's recorded measures are the platform's own, and within its limits."""
    rules = RULES[thread.platform]
    for post in thread.posts:
        assert post.limit == rules.limit
        assert post.byte_length == utf8_length(post.text)
        if thread.platform == "x":
            assert post.length == x_length(post.text) <= 280
        else:
            assert post.length == grapheme_length(post.text) <= 300
            assert post.byte_length <= 3000
            data = post.text.encode("utf-8")
            for facet in post.facets:
                assert 0 <= facet.byte_start < facet.byte_end <= len(data)
                data[facet.byte_start : facet.byte_end].decode("utf-8")  # slices on character boundaries
        assert post.text == unicodedata.normalize("NFC", post.text)


def test_one_thread_per_platform_in_order():
    threads = compose(platforms=("bluesky", "x"))
    assert list(threads) == ["bluesky", "x"]
    assert [t.platform for t in threads.values()] == ["bluesky", "x"]
    assert all(t.langs == ("en",) and t.warnings == () for t in threads.values())
    assert list(compose(platforms=("x",))) == ["x"]


@pytest.mark.parametrize("platform", ["x", "bluesky"])
def test_thread_shape_on_the_sample(platform):
    thread = compose()[platform]
    assert_exact(thread)
    roles = [(p.role, p.item_index) for p in thread.posts]
    assert roles == [
        ("opening", None),
        ("highlight", 2),
        ("highlight", 6),
        ("highlight", 9),
        ("highlight", 12),
        ("closing", None),
    ]
    total = len(thread.posts)
    for n, post in enumerate(thread.posts, 1):
        assert NUMBER.search(post.text).groups() == (str(n), str(total))


def test_opening_post_has_number_title_subtitle_and_link():
    x, bsky = compose()["x"].posts[0], compose()["bluesky"].posts[0]
    assert x.text.startswith("ML4Sci #33: AI models that cost $1B USD to train;")
    assert "Also, tales of ML4Sci from the Twitter-verse" in x.text
    assert ISSUE_URL in x.text and x.links == (ISSUE_URL,)
    # Bluesky shows the link as the app does and carries the full URL in a facet and a card.
    assert "ml4sci.substack.com/p/ml4sci-33-..." in bsky.text
    assert bsky.links == (ISSUE_URL,)
    (facet,) = bsky.facets
    assert (
        bsky.text.encode()[facet.byte_start : facet.byte_end] == b"ml4sci.substack.com/p/ml4sci-33-..."
    )
    assert bsky.card == Card(
        uri=ISSUE_URL,
        title=sample_issue().title,
        description="Also, tales of ML4Sci from the Twitter-verse",
        image_url="https://substackcdn.com/image/fetch/ml4sci-33.png",
    )
    assert all(p.card is None for p in compose()["bluesky"].posts[1:])
    assert all(p.card is None and p.facets == () for p in compose()["x"].posts)


def test_highlight_posts_carry_marker_tag_text_and_first_link():
    x = compose()["x"].posts
    assert x[2].text.startswith("💸 [VentureBeat] A nice overview of the difficulties")
    assert x[2].links == ("https://venturebeat.com/2021/02/27/gpt-3-business-models/",)
    assert x[3].text.startswith("🌎 [Arxiv] “Integrating Machine Learning")
    assert x[4].text.startswith("[Nature Communications] Converting patent data") and x[4].links == ()
    # One post per story: the long story is cut at a sentence end, and keeps its link.
    assert x[1].text.startswith("🤯 NVIDIA VP predicts")
    assert x[1].links == ("https://www.hpcwire.com/2021/03/05/nvidia-vp-1b-language-model-training/",)
    assert "Manhattan project.\nhttps://www.hpcwire.com/" in x[1].text


def test_closing_post_links_the_substack_subscribe_page():
    x, bsky = compose()["x"].posts[-1], compose()["bluesky"].posts[-1]
    assert x.links == ("https://ml4sci.substack.com/subscribe",)
    assert x.text.startswith("Thanks for reading ML4Sci #33! Subscribe for every new issue:\n")
    assert bsky.links == ("https://ml4sci.substack.com/subscribe",)
    assert (
        bsky.text.encode()[bsky.facets[0].byte_start : bsky.facets[0].byte_end]
        == b"ml4sci.substack.com/subscribe"
    )


def test_closing_posts_differ_between_issues():
    """Regression: X refuses a text the account posted before ("duplicate content"), and the
    closing post was the same every week."""
    closings = {
        compose(msgspec.structs.replace(sample_issue(), number=n))["x"].posts[-1].text for n in (33, 34)
    }
    assert len(closings) == 2
    untitled = compose(msgspec.structs.replace(sample_issue(), number=None))["x"].posts[-1].text
    assert untitled.startswith("Thanks for reading ML4Sci: ML4Sci #33: AI models")


def test_subscribe_link_choice():
    assert (
        subscribe_link(ISSUE_URL, fallback_url=HOME, subscribe_url="https://x.org/join")
        == "https://x.org/join"
    )
    assert subscribe_link(ISSUE_URL, fallback_url=None, subscribe_url=None) == f"{HOME}/subscribe"
    assert subscribe_link(None, fallback_url=HOME, subscribe_url=None) == f"{HOME}/subscribe"
    assert subscribe_link("https://blog.example.org/p/1", fallback_url=None, subscribe_url=None) == (
        "https://blog.example.org"
    )
    assert subscribe_link(
        "https://blog.example.org/p/1", fallback_url="https://blog.example.org/news", subscribe_url=None
    ) == ("https://blog.example.org/news")
    assert subscribe_link(None, fallback_url=None, subscribe_url=None) is None
    closing = compose(subscribe_url="https://example.org/join")["x"].posts[-1]
    assert closing.links == ("https://example.org/join",)


def test_an_issue_without_url_links_the_fallback_and_warns():
    threads = compose(sample_issue(url=None), fallback_url=HOME)
    for thread in threads.values():
        assert thread.warnings == (f"the issue has no URL: the opening post links {HOME} instead",)
        assert thread.posts[0].links == (HOME,)
    assert threads["bluesky"].posts[0].card.uri == HOME


def test_an_issue_without_any_url_has_no_link_and_no_card():
    threads = compose(sample_issue(url=None))
    for thread in threads.values():
        assert "no URL and no newsletter URL" in thread.warnings[0]
        assert thread.posts[0].links == ()
        assert thread.posts[-1].links == ()
        assert_exact(thread)
    assert threads["bluesky"].posts[0].card is None


def test_without_numbering_there_are_no_labels():
    for thread in compose(numbering=False).values():
        assert not any(NUMBER.search(p.text) for p in thread.posts)
        assert_exact(thread)


def test_numbering_width_is_counted_when_the_thread_reaches_10_posts():
    issue = sample_issue()
    short = [Story.of(20 + i, "S", f"Short highlight number {i} about science.") for i in range(8)]
    tight = Story.of(40, "S", "v" * 200 + " " + "u" * 75)  # 276: room for " 9/9", not for " 10/10"
    nine = compose(issue, [*short[:6], tight])["x"]  # 1 + 7 + 1 posts
    assert len(nine.posts) == 9
    assert nine.posts[7].text == "v" * 200 + " " + "u" * 75 + " 8/9" and nine.posts[7].length == 280
    # One more highlight makes 10 posts: the two-digit label no longer leaves room for the
    # tight story, which is cut at a word with an ellipsis. Counting first and labelling after
    # would have sent " 10/10" on a 282-character post.
    ten = compose(issue, [*short[:7], tight])["x"]
    assert len(ten.posts) == 10
    assert [NUMBER.search(p.text).group(0) for p in ten.posts] == [f" {i}/10" for i in range(1, 11)]
    assert ten.posts[8].text == "v" * 200 + "… 9/10"
    assert_exact(ten)


def test_highlights_may_be_items_or_highlight_records():
    @dataclass(frozen=True)
    class Chosen:
        item: Story
        reason: str

    issue = sample_issue()
    wrapped = [Chosen(item, "picked") for item in issue.items]
    assert compose(issue, wrapped) == compose(issue, issue.items)
    with pytest.raises(TypeError, match="must be a Story"):
        compose(issue, ["not an item"])


def test_unknown_platform_is_a_compose_error():
    with pytest.raises(ComposeError, match=r"unknown platform 'threads' to compose for \(use x, bluesky, mastodon\)"):
        compose(platforms=("x", "threads"))


def test_an_unfittable_word_names_the_post_and_item():
    issue = sample_issue()
    items = [*issue.items[:1], Story.of(7, "S", "ACGT" * 80 + " is a gene.")]
    with pytest.raises(ComposeError) as error:
        compose(issue, items, platforms=("x",))
    # Posts: 1 opening, 2 story 2, 3 a story whose first word cannot fit even alone.
    assert str(error.value).startswith("post 3 (story 7) cannot fit in 280 (X weighted length)")


def test_a_title_too_long_for_the_opening_is_shortened_with_a_warning():
    long_title = "ML4Sci #33: " + "; ".join(f"headline number {i} about transformers" for i in range(12))
    threads = compose(sample_issue(title=long_title))
    for name, thread in threads.items():
        opening = thread.posts[0]
        assert "…" in opening.text and ISSUE_URL in opening.links
        assert opening.text.startswith("ML4Sci #33: headline number 0")
        assert any("title was shortened" in w for w in thread.warnings), name
        assert_exact(thread)


def test_headline_adds_name_and_number_only_when_missing():
    opening = compose(sample_issue(title="AI models that cost $1B"))["x"].posts[0]
    assert opening.text.startswith("ML4Sci #33: AI models that cost $1B")
    opening = compose(sample_issue(title="AI models", number=None), newsletter_name="Weekly")["x"].posts[
        0
    ]
    assert opening.text.startswith("Weekly: AI models")


def test_text_is_cleaned_nfc_single_spaced_and_without_refused_characters():
    item = Story.of(3, "S", "Cafe\u0301   au\n\nlait\ufeff is\u00a0great", marker="☕")
    post = compose(sample_issue(), [item])["x"].posts[1]
    assert post.text == "☕ Café au lait is great 2/3"


def test_the_first_web_link_is_the_one_posted():
    links = (Link("mailto:author@example.org"), Link("https://a.example/1"), Link("https://b.example/2"))
    post = compose(sample_issue(), [Story.of(3, "S", "Two papers", links=links)])["bluesky"].posts[1]
    assert post.links == ("https://a.example/1",)
    assert post.text == "Two papers\na.example/1 2/3"


def test_no_highlights_gives_opening_and_closing_with_a_warning():
    for thread in compose(sample_issue(), []).values():
        assert [p.role for p in thread.posts] == ["opening", "closing"]
        assert "Highlights below" not in thread.posts[0].text
        assert thread.warnings == ("no highlights: the thread has only the opening and closing posts",)


def test_a_link_already_in_the_text_is_not_repeated():
    url = "https://example.org/paper"
    item = Story.of(3, "S", f"Read {url} today", links=(Link(url, url),))
    post = compose(sample_issue(), [item])["x"].posts[1]
    assert post.text.count(url) == 1 and post.links == (url,)


def test_bluesky_facets_after_emoji_and_cjk():
    url = "https://example.jp/研究/ロボット?lang=ja"
    item = Story.of(
        3, "S", "👨‍👩‍👧‍👦 ロボット研究の最前線 🇯🇵 (résumé)", marker="🤖", tag="日本", links=(Link(url),)
    )
    post = compose(sample_issue(), [item], platforms=("bluesky",))["bluesky"].posts[1]
    (facet,) = post.facets
    shown = post.text.encode("utf-8")[facet.byte_start : facet.byte_end].decode("utf-8")
    # The app percent-encodes the path, then keeps 13 characters, even mid-escape.
    assert shown == "example.jp/%E7%A0%94%E7..."
    assert facet.uri == url and post.links == (url,)
    assert post.text.startswith("🤖 [日本] 👨‍👩‍👧‍👦 ロボット研究の最前線")


def test_composition_is_deterministic():
    first, second = compose(), compose()
    assert first == second
    dumped = [json.dumps(thread_to_dict(t), ensure_ascii=False, sort_keys=True) for t in first.values()]
    again = [json.dumps(thread_to_dict(t), ensure_ascii=False, sort_keys=True) for t in second.values()]
    assert dumped == again


def test_thread_to_dict_is_the_preview_json_shape():
    from bot.preview import to_json

    bluesky = compose()["bluesky"]
    data = thread_to_dict(bluesky)
    assert data["platform"] == "bluesky" and data["langs"] == ["en"] and data["warnings"] == []
    opening = data["posts"][0]
    assert {"text", "length", "limit", "role", "links", "bytes", "facets", "card"} <= set(opening)
    (facet,) = opening["facets"]
    assert facet["$type"] == "app.bsky.richtext.facet"
    assert facet["index"]["$type"] == "app.bsky.richtext.facet#byteSlice"
    assert opening["text"].encode()[facet["index"]["byteStart"] : facet["index"]["byteEnd"]] == (
        b"ml4sci.substack.com/p/ml4sci-33-..."
    )
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": ISSUE_URL}]
    # X posts have no facets or card; both shapes match what `bot preview --format json` prints.
    x = thread_to_dict(compose()["x"])
    assert "facets" not in x["posts"][0] and x["posts"][1]["item"] == 2
    printed = json.loads(to_json(sample_issue(), compose()))
    assert printed["threads"] == {"x": x["posts"], "bluesky": data["posts"]}


def test_the_bundled_sample_through_the_reader_and_highlight_selection():
    from bot.compose.highlights import select_highlights
    from bot.newsletter.reader import read_issue

    issue = read_issue(str(SAMPLE_ISSUE))
    assert issue.number == 33 and issue.url is None
    highlights = select_highlights(issue, count=5)
    threads = compose_threads(issue, highlights, fallback_url=HOME)
    for thread in threads.values():
        assert_exact(thread)
        assert thread.posts[0].role == "opening" and thread.posts[-1].role == "closing"
        assert [p.item_index for p in thread.posts if p.role == "highlight"] == [
            h.item.index for h in highlights
        ]
        assert thread.warnings == (f"the issue has no URL: the opening post links {HOME} instead",)
        assert thread.posts[0].text.startswith(issue.title)
        # every word of every highlight is in the thread, in order
        words = " ".join(p.text for p in thread.posts if p.item_index is not None)
        for h in highlights:
            assert " ".join(h.item.text.split()[:6]) in words
    assert compose_threads(issue, highlights, fallback_url=HOME) == threads


@pytest.mark.parametrize(
    "text,mentions",
    [
        ("Serving Bert on CPUs”@Roblox", ["@Roblox"]),
        ("thanks @alice and ＠bob_2!", ["@alice", "@bob_2"]),
        ("mail ml4science@gmail.com or #tag@x", []),
        ("a handle too long @abcdefghijklmnopqrstu", []),
    ],
)
def test_x_posts_that_mention_accounts_are_flagged(text, mentions):
    from bot.platforms.x.rules import MENTION as _MENTION

    assert [f"@{m}" for m in _MENTION.findall(text)] == mentions


def test_a_mention_is_a_warning_on_x_only():
    item = Story.of(20, "Department of Machine Learning", "Serving Bert on CPUs”@Roblox", tag="Medium")
    threads = compose(items=[item])
    assert threads["x"].warnings == (
        "post 2 on X mentions @Roblox: X notifies that account (automated mentions are restricted)",
    )
    assert threads["bluesky"].warnings == ()
