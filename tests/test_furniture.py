"""Furniture never reaches a post: page chrome, email chrome and boilerplate, removed before
stories are cut; content that merely mentions such words is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.newsletter import read_issue
from bot.newsletter.blocks import Para
from bot.newsletter.furniture import is_ask, is_chrome, is_greeting, is_nav, is_sign_off, is_sponsor
from bot.newsletter.model import Link

PAGE = """<!doctype html><html><head><title>Weekly #7: Lasers - by Jane Doe</title>
<meta property="og:site_name" content="Weekly"></head><body>
<nav><a href="/">Home</a> <a href="/archive">Archive</a></nav>
<p><a href="https://example.org/issues/7">View in browser</a></p>
<p>Hi friends, welcome to the seventh issue of Weekly!</p>
<p><a href="https://substack.com/@janedoe">Jane Doe</a></p>
<p>Dec 4, 2023</p>
<p>11</p><p>7</p><p>Share</p>
<h2>Research</h2>
<p><strong>Lasers cool atoms faster.</strong> A <a href="https://arxiv.org/abs/2312.1">new paper</a> shows how.<sup>1</sup></p>
<p><a href="https://example.org/home">Home</a> | <a href="https://example.org/about">About</a> | <a href="https://example.org/archive">Archive</a></p>
<p>Sorry, that's not currently available.</p>
<p><strong>Optical clocks tick on.</strong> Read more: <a href="https://example.org/clocks">the story</a>.</p>
<h2>Sponsored by Acme</h2>
<p>Acme makes lasers you can buy today, with a <a href="https://acme.example/buy">discount</a>.</p>
<h2>Elsewhere</h2>
<p><strong>Best paper award goes to a laser study.</strong> The <a href="https://example.org/award">award</a> page.</p>
<p>💕 Your turn: leave a comment below!</p>
<p>Thanks for reading Weekly! Subscribe for free to receive new posts.</p>
<p>Cheers,</p><p>Jane</p>
<p>A footer paragraph that should never be read at all after the sign-off.</p>
<div class="footnote"><p>1. A footnote.</p></div>
<p>Unsubscribe | Manage preferences</p>
</body></html>"""


@pytest.fixture()
def page_issue(tmp_path: Path):
    path = tmp_path / "weekly-7.html"
    path.write_text(PAGE, encoding="utf-8")
    return read_issue(str(path))


def test_only_the_stories_survive_a_page_full_of_furniture(page_issue):
    assert [s.headline for s in page_issue.stories] == [
        "Lasers cool atoms faster.",
        "Optical clocks tick on.",
        "Best paper award goes to a laser study.",
    ]
    everything = json.dumps(page_issue.to_dict(), ensure_ascii=False)
    for furniture in (
        "View in browser", "welcome to the seventh", "Jane Doe", "Dec 4, 2023", '"11"', "Share",
        "Home | About", "not currently available", "Acme", "Your turn", "Subscribe for free",
        "Cheers", "footer paragraph", "A footnote", "Unsubscribe",
    ):
        assert furniture not in everything, furniture
    # The footnote marker is gone from the text it followed.
    assert page_issue.stories[0].text == "Lasers cool atoms faster. A new paper shows how."


def test_the_page_names_itself_and_its_title_loses_the_byline(page_issue):
    assert page_issue.title == "Weekly #7: Lasers"
    assert page_issue.newsletter == "Weekly"
    assert page_issue.number == 7
    assert page_issue.url == "https://example.org/issues/7"  # the "View in browser" link


@pytest.mark.parametrize("text", [
    "Share", "Subscribe now", "Leave a comment", "View in browser", "11", "1.2K likes", "3 min read",
    "Dec 4, 2023", "2023-12-04", "By Jane Doe", "Subject: Weekly #7", "Sorry, that's not currently available.",
    "Upgrade to paid", "Read in app", "Give a gift subscription", "-----",
])
def test_chrome(text):
    assert is_chrome(text)


@pytest.mark.parametrize("text", [
    "Lasers cool atoms faster.", "Share prices of chip makers fell 11% this week.",
    "Best paper award goes to a laser study.", "Comment sections are where science goes to die, says a study.",
])
def test_content_is_not_chrome(text):
    assert not is_chrome(text) and not is_ask(text) and not is_sign_off(text) and not is_sponsor(text)


def test_asks_greetings_sign_offs_and_sponsors():
    assert is_ask("If you enjoy this, forward it to a friend.")
    assert is_ask("Weekly is a reader-supported publication. Become a paid subscriber.")
    assert is_ask("💕 Your turn: what did I miss?")
    assert not is_ask("A " + "long paragraph about science that mentions you could subscribe to journals. " * 6)
    assert is_greeting("Hi friends,") and is_greeting("Welcome to the 42nd issue of Import AI!")
    assert is_sign_off("Thanks for reading!") and is_sign_off("Cheers, Jane") and is_sign_off("Until next week")
    assert not is_sign_off("Best paper award goes to a laser study.")
    assert is_sponsor("Sponsored by Acme") and is_sponsor("This issue is brought to you by Acme")
    assert is_ask("Listen on Apple Podcasts, Spotify, YouTube, and wherever you get your podcasts.")
    assert is_ask("This Week in LiveCode is openly developed on GitHub. If you find any errors, open a PR.")


def test_a_nav_bar_is_links_and_separators_only():
    links = (Link("https://a.org/", "Home", 0, 4), Link("https://a.org/x", "Archive", 7, 14), Link("https://a.org/y", "About", 17, 22))
    assert is_nav(Para("Home | Archive | About", links))
    story = (Link("https://hf.co/m/x", "mamba2", 0, 6), Link("https://hf.co/s", "state-spaces", 10, 22), Link("https://a.org/m", "Mamba", 24, 29))
    assert not is_nav(Para("mamba2 by state-spaces: Mamba v2!", story))
