"""Bluesky links: the app's short display form, URL detection, and byte-offset facets.

The ``toShortUrl``/``shortenLinks`` expectations marked "app" are the cases of
bluesky-social/social-app ``__tests__/lib/string.test.ts``, so we show links as the app does.
"""

from __future__ import annotations

import pytest

from bot.platforms.bluesky.links import find_urls, render, to_short_url
from bot.compose.model import Facet


@pytest.mark.parametrize(
    "url,short",
    [
        # app
        ("https://bsky.app", "bsky.app"),
        ("https://bsky.app/3jk7x4irgv52r", "bsky.app/3jk7x4irgv52r"),
        ("https://bsky.app/3jk7x4irgv52r2313y182h9", "bsky.app/3jk7x4irgv52..."),
        ("https://very-long-domain-name.com/foo", "very-long-domain-name.com/foo"),
        (
            "https://very-long-domain-name.com/foo?bar=baz#andsomemore",
            "very-long-domain-name.com/foo?bar=baz#...",
        ),
        # the 15-character edge: "/" + 14 stays, "/" + 15 is cut to 13 + "..."
        ("https://a.org/" + "b" * 14, "a.org/" + "b" * 14),
        ("https://a.org/" + "b" * 15, "a.org/" + "b" * 12 + "..."),
        # path "/" counts as empty; query and hash count
        ("https://a.org/", "a.org"),
        ("https://a.org?q=1", "a.org?q=1"),
        ("http://a.org/#top", "a.org#top"),
        # WHATWG URL normalisation: lower-case host, default port dropped, others kept
        ("HTTPS://Example.COM:443/Path", "example.com/Path"),
        ("http://example.com:8080/x", "example.com:8080/x"),
        ("https://example.com/a/./b/../c", "example.com/a/c"),
        # non-ASCII is percent-encoded before it is measured; IDN hosts become punycode
        ("https://de.wikipedia.org/wiki/Düsseldorf", "de.wikipedia.org/wiki/D%C3%BC..."),
        ("https://bücher.de/", "xn--bcher-kva.de"),
        ("http://[::1]:3000/", "[::1]:3000"),
        # not http(s), or not a URL: left alone
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("at://did:plc:abc/app.bsky.feed.post/3k", "at://did:plc:abc/app.bsky.feed.post/3k"),
        ("https://example.com:notaport/", "https://example.com:notaport/"),
    ],
)
def test_to_short_url(url, short):
    assert to_short_url(url) == short


@pytest.mark.parametrize(
    "text,urls",
    [
        (
            "start https://middle.com/foo/bar?baz=bux#hash end",
            ["https://middle.com/foo/bar?baz=bux#hash"],
        ),
        ("https://newline1.com\nhttps://newline2.com", ["https://newline1.com", "https://newline2.com"]),
        (
            "punctuation https://foo.com, https://bar.com/whatever; https://baz.com.",
            ["https://foo.com", "https://bar.com/whatever", "https://baz.com"],
        ),
        ("parenthetical (https://foo.com)", ["https://foo.com"]),
        ("except for https://foo.com/thing_(cool)", ["https://foo.com/thing_(cool)"]),
        ("not a link: xhttps://foo.com or https:// alone", []),
    ],
)
def test_find_urls_like_the_app(text, urls):
    found = find_urls(text)
    assert [f.url for f in found] == urls
    assert all(text[f.start : f.end] == f.url for f in found)


@pytest.mark.parametrize(
    "text,shown,uris",
    [
        # app (shortenLinks)
        (
            "start https://middle.com/foo/bar?baz=bux#hash end",
            "start middle.com/foo/bar?baz=... end",
            ["https://middle.com/foo/bar?baz=bux#hash"],
        ),
        (
            "https://newline1.com/very/long/url/here\nhttps://newline2.com/very/long/url/here",
            "newline1.com/very/long/ur...\nnewline2.com/very/long/ur...",
            ["https://newline1.com/very/long/url/here", "https://newline2.com/very/long/url/here"],
        ),
        (
            "Classic article https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/",
            "Classic article socket3.wordpress.com/2018/02/03/d...",
            ["https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/"],
        ),
    ],
)
def test_render_shortens_and_keeps_full_uris(text, shown, uris):
    rendered = render(text)
    assert rendered.text == shown
    assert rendered.links == tuple(uris)
    data = shown.encode("utf-8")
    for facet, uri in zip(rendered.facets, uris, strict=True):
        assert data[facet.byte_start : facet.byte_end].decode("utf-8") == to_short_url(uri)


def test_facet_offsets_are_utf8_bytes_after_emoji_and_cjk():
    url = "https://example.org/papers/2024/graph-neural-networks"
    text = f"👨‍👩‍👧‍👦 日本語 🇯🇵 résumé → {url} and https://a.io"
    rendered = render(text)
    data = rendered.text.encode("utf-8")
    first, second = rendered.facets
    assert data[first.byte_start : first.byte_end].decode("utf-8") == "example.org/papers/2024/..."
    assert data[second.byte_start : second.byte_end].decode("utf-8") == "a.io"
    assert (first.uri, second.uri) == (url, "https://a.io")
    # The prefix is 25 + 1 + 9 + 1 + 8 + 1 + 8 + 1 + 3 + 1 bytes: code-point offsets would be wrong.
    assert first.byte_start == 58
    assert rendered.text.index("example.org") == 24  # code points: 7 + 1 + 3 + 1 + 2 + 1 + 6 + 1 + 1 + 1


def test_text_without_links_has_no_facets():
    # Bare domains are left as text: we only link URLs we wrote with a scheme.
    text = "no links here, just example.com as text"
    assert render(text).text == text
    assert render(text).facets == () and render("plain").links == ()


def test_facet_lexicon_shape():
    facet = Facet(byte_start=3, byte_end=10, uri="https://example.com")
    assert facet.to_lexicon() == {
        "$type": "app.bsky.richtext.facet",
        "index": {"$type": "app.bsky.richtext.facet#byteSlice", "byteStart": 3, "byteEnd": 10},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com"}],
    }
