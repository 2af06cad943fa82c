"""Reading issues over HTTP from a loopback server: feeds, pages, JSON, conditional GETs, failures."""

from __future__ import annotations

import socket
import time

import pytest

from bot.errors import FetchError, InputError
from bot.newsletter import read_feed, read_issue
from bot.newsletter.fetch import USER_AGENT, display_url
from tests.conftest import FIXTURES
from tests.support.http_server import Answer, Request

FEED = (FIXTURES / "newsletters" / "substack-feed-synthetic.xml").read_bytes()
PAGE = (FIXTURES / "newsletters" / "substack-post-page-synthetic.html").read_bytes()
POST = (FIXTURES / "newsletters" / "substack-api-post-synthetic.json").read_bytes()
ETAG = '"feed-v1"'
MODIFIED = "Thu, 18 Sep 2025 13:00:00 GMT"


def test_feed_url(http_server):
    http_server.route(
        "/feed",
        headers={
            "Content-Type": "application/rss+xml; charset=utf-8",
            "ETag": ETAG,
            "Last-Modified": MODIFIED,
        },
        body=FEED,
    )
    result = read_feed(http_server.url("/feed"), timeout=5)
    assert [issue.title for issue in result][1].startswith("ML4Sci #99:")
    assert (result.etag, result.modified, result.not_modified) == (ETAG, MODIFIED, False)
    assert result.source == http_server.url("/feed")
    (request,) = http_server.requests
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("ml4sci-bot/")
    assert "If-None-Match" not in request.headers


def test_conditional_get_answers_304(http_server):
    def conditional(request: Request) -> Answer:
        if request.headers.get("If-None-Match") == ETAG:
            return Answer(304, {"ETag": ETAG})
        return Answer(
            200, {"Content-Type": "application/rss+xml", "ETag": ETAG, "Last-Modified": MODIFIED}, FEED
        )

    http_server.handler("/feed", conditional)
    first = read_feed(http_server.url("/feed"), timeout=5)
    again = read_feed(http_server.url("/feed"), timeout=5, etag=first.etag, modified=first.modified)
    assert again.not_modified is True
    assert again.issues == () and len(again) == 0
    assert (again.etag, again.modified) == (ETAG, MODIFIED)
    sent = http_server.requests[1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (ETAG, MODIFIED)


def test_page_url_uses_its_canonical_url(http_server):
    http_server.route("/p/ml4sci-100", headers={"Content-Type": "text/html; charset=utf-8"}, body=PAGE)
    issue = read_issue(http_server.url("/p/ml4sci-100"), timeout=5)
    assert issue.url == "https://ml4sci.substack.com/p/ml4sci-100-protein-design"
    assert issue.number == 100 and len(issue.items) == 4
    assert issue.source == http_server.url("/p/ml4sci-100")


def test_page_without_canonical_gets_the_final_url_after_redirects(http_server):
    http_server.route("/old", status=301, headers={"Location": "/p/new"})
    http_server.route(
        "/p/new",
        headers={"Content-Type": "text/html; charset=windows-1252"},  # the header's charset, no <meta>
        body="<html><head><title>ML4Sci #12: Caf\u00e9 robots</title></head><body><h3>News</h3>"
        "<p>\u201cA quoted item\u201d about caf\u00e9s</p></body></html>".encode("cp1252"),
    )
    issue = read_issue(http_server.url("/old"), timeout=5)
    assert issue.url == http_server.url("/p/new")
    assert issue.title == "ML4Sci #12: Café robots"
    assert issue.items[0].text == "“A quoted item” about cafés"


def test_kind_comes_from_content_not_name_or_type(http_server):
    http_server.route("/feed.txt", headers={"Content-Type": "text/plain"}, body=FEED)
    http_server.route("/api/v1/posts/ml4sci-98", headers={"Content-Type": "application/json"}, body=POST)
    assert len(read_feed(http_server.url("/feed.txt"), timeout=5)) == 2
    assert read_issue(http_server.url("/api/v1/posts/ml4sci-98"), timeout=5).number == 98


def test_404(http_server):
    url = http_server.url("/missing")
    with pytest.raises(FetchError) as error:
        read_issue(url, timeout=5)
    assert str(error.value) == f"cannot fetch {url}: HTTP 404 Not Found"


def test_500(http_server):
    http_server.route("/feed", status=500, body=b"oops")
    with pytest.raises(FetchError) as error:
        read_feed(http_server.url("/feed"), timeout=5)
    assert str(error.value) == f"cannot fetch {http_server.url('/feed')}: HTTP 500 Internal Server Error"


def test_server_that_never_answers(http_server):
    http_server.route("/slow", hang=True)
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        read_issue(http_server.url("/slow"), timeout=0.5)
    assert str(error.value) == f"cannot fetch {http_server.url('/slow')}: no answer within 0.5 s"
    assert time.monotonic() - started < 5


def test_server_that_drops_the_connection(http_server):
    http_server.route("/drop", close=True)
    with pytest.raises(FetchError) as error:
        read_issue(http_server.url("/drop"), timeout=5)
    assert str(error.value) == (
        f"cannot fetch {http_server.url('/drop')}: the server closed the connection without answering"
    )


def test_connection_refused():
    with socket.socket() as probe:  # a port nothing listens on once this socket closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed"
    with pytest.raises(FetchError) as error:
        read_issue(url, timeout=5)
    assert str(error.value) == f"cannot fetch {url}: connection refused"


def test_empty_body(http_server):
    http_server.route("/empty", headers={"Content-Type": "text/html"}, body=b"")
    with pytest.raises(InputError) as error:
        read_issue(http_server.url("/empty"), timeout=5)
    assert str(error.value) == f"{http_server.url('/empty')} is empty"


def test_secret_query_values_never_reach_messages_or_issues(http_server):
    http_server.route("/feed", headers={"Content-Type": "application/rss+xml"}, body=FEED)
    url = http_server.url("/feed?token=s3cr3t-value&page=2")
    masked = http_server.url("/feed?token=***&page=2")
    assert display_url(url) == masked
    assert display_url("https://reader:hunter22@example.org/feed") == "https://reader:***@example.org/feed"
    assert read_feed(url, timeout=5).source == masked
    assert all(issue.source == masked for issue in read_feed(url, timeout=5))
    with pytest.raises(FetchError) as error:
        read_feed(http_server.url("/gone?token=s3cr3t-value"), timeout=5)
    assert "s3cr3t" not in str(error.value) and "token=***" in str(error.value)
