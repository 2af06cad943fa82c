"""Provide :class:`FeedServer`: a newsletter feed on loopback that tests publish issues to.

It serves RSS 2.0 in Substack's shape (``content:encoded`` with sections and items), with an
ETag and Last-Modified, and answers conditional GETs with 304 while nothing changed. It can
also be made to fail: a 500, a malformed body, or no answer at all.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
from dataclasses import dataclass

from tests.support.http_server import Answer, LoopbackServer, Request


@dataclass(frozen=True)
class FeedIssue:
    number: int
    published: dt.datetime

    @property
    def url(self) -> str:
        return f"https://ml4sci.substack.com/p/ml4sci-{self.number}"

    @property
    def title(self) -> str:
        return f"ML4Sci #{self.number}: Lab robots; Protein design"

    def item_xml(self) -> str:
        body = (
            f"<h3>Department of Machine Learning</h3>"
            f'<p>🤖 Issue {self.number}: a <a href="https://arxiv.org/abs/2501.{self.number:05d}">paper on '
            f"lab robots</a> that plan their own experiments.</p>"
            f'<p>[Arxiv] <a href="https://arxiv.org/abs/2502.{self.number:05d}">Protein design</a> with '
            f"diffusion models, issue {self.number}.</p>"
            f"<h3>Thanks for Reading!</h3><p>Bye.</p>"
        )
        return (
            f"<item><title><![CDATA[{self.title}]]></title>"
            f"<description><![CDATA[Subtitle of issue {self.number}]]></description>"
            f"<link>{self.url}</link><guid isPermaLink=\"false\">{self.url}</guid>"
            f"<pubDate>{email.utils.format_datetime(self.published)}</pubDate>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        )


class FeedServer:
    """``/feed`` on a :class:`LoopbackServer`; mutate ``issues`` or ``failure`` between polls."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.issues: list[FeedIssue] = []
        self.failure: str | None = None  # "500", "malformed", "hang"
        server.handler("/feed", self._answer)

    @property
    def url(self) -> str:
        return self.server.url("/feed")

    def publish(self, number: int, published: dt.datetime) -> FeedIssue:
        issue = FeedIssue(number, published)
        self.issues.append(issue)
        return issue

    @property
    def polls(self) -> list[Request]:
        return self.server.requests_for("/feed")

    def body(self) -> bytes:
        items = "".join(i.item_xml() for i in sorted(self.issues, key=lambda i: -i.published.timestamp()))
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>ML4Sci</title><link>https://ml4sci.substack.com</link>"
            f"<description>{html.escape('ML for science')}</description>{items}</channel></rss>"
        ).encode("utf-8")

    def _answer(self, request: Request) -> Answer:
        if self.failure == "500":
            return Answer(500, {"Content-Type": "text/plain"}, b"internal error")
        if self.failure == "malformed":
            return Answer(200, {"Content-Type": "application/rss+xml"}, b"<rss><channel><item><title>cut")
        if self.failure == "hang":
            return Answer(hang=True)
        body = self.body()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        newest = max((i.published for i in self.issues), default=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        modified = email.utils.format_datetime(newest, usegmt=True)
        if request.headers.get("If-None-Match") == etag:
            return Answer(304, {"ETag": etag, "Last-Modified": modified})
        return Answer(200, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag,
                            "Last-Modified": modified}, body)
