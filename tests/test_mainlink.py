"""A story's main link, chosen on evidence, and the kinds of links that never are one."""

from __future__ import annotations

import pytest

from bot.newsletter.linkkinds import link_kind
from bot.newsletter.mainlink import Placed, choose_main_link
from bot.newsletter.model import Link


def placed(text: str, *links: tuple[str, str], headline_end: int = 0) -> list[Placed]:
    out = []
    for shown, url in links:
        start = text.index(shown)
        out.append(Placed(Link(url, shown, start, start + len(shown)), text, headline=start < headline_end))
    return out


def test_a_label_beats_the_headline_link():
    text = "gemma-2-27b by google: a model. Read more in the technical report here."
    links = placed(text, ("gemma-2-27b", "https://huggingface.co/google/gemma-2-27b"),
                   ("technical report here", "https://example.org/report.pdf"), headline_end=11)
    assert choose_main_link(links) == ("https://example.org/report.pdf", "labelled 'technical report here'")


@pytest.mark.parametrize("label", ["Paper", "Code", "link", "[link]", "Read more", "here", "PDF", "data"])
def test_labels(label):
    text = f"A result worth knowing, and some context (see an aside). {label}"
    links = placed(text, ("an aside", "https://example.org/aside"), (label, "https://example.org/main"))
    assert choose_main_link(links)[0] == "https://example.org/main"


def test_the_headline_link_then_the_tag_then_the_first_content_link():
    text = "A new model beats the old one, says a blog post; the arxiv preprint has details."
    links = placed(text, ("A new model", "https://example.org/model"), ("blog post", "https://blog.example.org/p"),
                   ("arxiv preprint", "https://arxiv.org/abs/1"), headline_end=30)
    assert choose_main_link(links) == ("https://example.org/model", "on the headline")
    assert choose_main_link(links[1:], tag="Arxiv") == ("https://arxiv.org/abs/1", "named by its tag [Arxiv]")
    assert choose_main_link(links[1:]) == ("https://blog.example.org/p", "first link to content")


def test_asides_footnotes_profiles_and_buttons_are_never_the_main_link():
    text = "Big news (via Jane) today, by Jane Doe, footnote 1, share it, subscribe, comments, get the app, photo."
    links = placed(
        text,
        ("via Jane", "https://example.org/jane-post"),
        ("Jane Doe", "https://substack.com/@janedoe"),
        ("1", "https://example.substack.com/p/x#footnote-1"),
        ("share it", "https://example.substack.com/p/x?utm_source=substack&utm_medium=email&action=share"),
        ("subscribe", "https://example.substack.com/subscribe"),
        ("comments", "https://example.substack.com/p/x/comments"),
        ("get the app", "https://substack.com/app"),
    )
    photo = Placed(Link("https://substackcdn.com/image/fetch/w_1456/x.png", "photo", 95, 100, image=True), text)
    assert choose_main_link([*links, photo]) == (None, "no link to content")


@pytest.mark.parametrize(("url", "kind"), [
    ("https://arxiv.org/abs/2301.00001", "content"),
    ("https://twitter.com/someone/status/1", "content"),
    ("https://github.com/org/repo", "content"),
    ("https://twitter.com/someone", "profile"),
    ("https://bsky.app/profile/a.bsky.social", "profile"),
    ("https://fediscience.org/@someone", "profile"),
    ("https://huggingface.co/google", "profile"),
    ("https://huggingface.co/blog/gemma2", "content"),
    ("https://www.linkedin.com/in/someone", "profile"),
    ("https://x.substack.com/subscribe?utm_medium=web", "subscribe"),
    ("https://x.substack.com/p/post/comments", "comment"),
    ("https://twitter.com/intent/tweet?text=x", "share"),
    ("https://www.facebook.com/sharer/sharer.php?u=x", "share"),
    ("https://apps.apple.com/app/id1", "app"),
    ("https://example.org/figure.png", "image"),
    ("#footnote-3", "footnote"),
    ("mailto:me@example.org", "mail"),
    ("javascript:alert(1)", "other"),
    ("https://example.org/", "home"),
])
def test_link_kinds(url, kind):
    assert link_kind(url) == kind
