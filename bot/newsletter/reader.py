"""Provide :func:`read_issue` and :func:`read_feed`: any source (a path or an http(s) URL) in,
issues out.

The kind of document (RSS/Atom feed, Substack post JSON, HTML page or fragment, Markdown,
plain text) is told from the content first, then the Content-Type, then the file extension:
a feed saved as ``.txt`` or a page served as ``text/plain`` is still read for what it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import msgspec

from bot.errors import InputError
from bot.newsletter import charset
from bot.newsletter.fetch import display_url, fetch, is_url
from bot.newsletter.model import Issue
from bot.weburl import is_web_url, shown

MAX_FILE_BYTES = 20 * 1024 * 1024
_FEED_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_HTML_TAGS = re.compile(r"<(?:p|div|h[1-6]|ul|ol|li|article|section)[\s>]", re.IGNORECASE)
_MD_SIGNS = re.compile(r"^(?:#{1,6}\s|\s*[-*+]\s+\S.*\]\(|:::)|\]\(https?://", re.MULTILINE)
# A saved email starts with its headers: "Name: value" lines, among them a mail header.
_EMAIL_HEADERS = re.compile(
    r"^(?:[A-Za-z][\w-]*:[^\n]*\n(?:[ \t][^\n]*\n)*)*?(?:From|Subject|Received|Return-Path|Delivered-To|MIME-Version):[^\n]*\n"
    r"(?:(?:[A-Za-z][\w-]*:[^\n]*|[ \t][^\n]*)\n)*?(?:From|Subject|Date|To|Content-Type):",
    re.IGNORECASE,
)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_JSON_TYPES = ("application/json",)


class FeedResult(msgspec.Struct, frozen=True):
    """What :func:`read_feed` found: the issues (newest first) and the validators to send next time.

    It behaves as the list of issues (``len``, iteration, indexing). ``not_modified`` is true
    when the server answered 304 to ``etag``/``modified``: there are no issues then.
    """

    issues: tuple[Issue, ...] = ()
    not_modified: bool = False
    etag: str | None = None
    modified: str | None = None  # the Last-Modified header, as sent
    title: str = ""  # the feed's own title
    source: str = ""
    kind: str = ""  # what the source was read as: feed, json, html, markdown, email or text

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    def __getitem__(self, index: int) -> Issue:
        return self.issues[index]


class _Loaded(msgspec.Struct, frozen=True):
    data: bytes
    source: str  # what error messages and Issue.source show (secrets masked)
    url: str | None = None
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    modified: str | None = None
    not_modified: bool = False


def read_issue(source: str, *, timeout: float = 20.0) -> Issue:
    """Read one issue from a file or URL; from a feed, its newest entry."""
    result = read_feed(source, timeout=timeout)
    if not result.issues:  # a valid feed can be empty; a poller takes that, one issue cannot
        raise InputError(f"feed {result.source} has no entries")
    return titled(result, result.issues[0])


def titled(result: FeedResult, issue: Issue) -> Issue:
    """``issue`` if it has a title; a page, export or email without one is a one-line error
    (a feed entry without one is kept, marked unpostable, for a poller to skip)."""
    if not issue.title and result.kind != "feed":
        raise InputError(
            f"{result.source} has no title (read as {result.kind}): a file name is never a title; "
            "give it one (a <title>, a 'title:' line, a first line or heading)"
        )
    return issue


def read_feed(
    source: str, *, timeout: float = 20.0, etag: str | None = None, modified: str | None = None
) -> FeedResult:
    """Read every issue a source holds (a feed's entries, newest first; one for a page or file).

    With ``etag``/``modified`` from a previous result, a URL is fetched conditionally and a 304
    comes back as ``FeedResult(not_modified=True)``.
    """
    loaded = _load(source, timeout=timeout, etag=etag, modified=modified)
    if loaded.not_modified:
        return FeedResult(
            not_modified=True, etag=loaded.etag, modified=loaded.modified, source=loaded.source
        )
    kind, title, issues = _parse(loaded)
    return FeedResult(
        issues=tuple(issues),
        etag=loaded.etag,
        modified=loaded.modified,
        title=title,
        source=loaded.source,
        kind=kind,
    )


def _load(source: str, *, timeout: float, etag: str | None, modified: str | None) -> _Loaded:
    if is_url(source):
        got = fetch(source, timeout=timeout, etag=etag, modified=modified)
        return _Loaded(
            data=got.body,
            source=display_url(source),
            url=got.url,
            content_type=got.content_type,
            charset=got.charset,
            etag=got.etag,
            modified=got.last_modified,
            not_modified=got.not_modified,
        )
    path = Path(source).expanduser()
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        exists = is_dir = False
    if not exists:
        raise InputError(f"no such file: {shown(source, 200)}")
    if is_dir:
        raise InputError(f"{source} is a directory, not a newsletter file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(
                f"{source} is larger than {MAX_FILE_BYTES // 1_000_000} MB; not a newsletter"
            )
        return _Loaded(data=path.read_bytes(), source=source)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None


def _parse(loaded: _Loaded) -> tuple[str, str, list[Issue]]:
    if not loaded.data.strip():
        raise InputError(f"{loaded.source} is empty")
    binary = charset.binary_kind(loaded.data)
    if binary:
        raise InputError(f"{loaded.source} is {binary}, not a newsletter")
    decoded = charset.decode(loaded.data, declared=loaded.charset)
    kind = detect_kind(decoded.text, content_type=loaded.content_type, name=_name(loaded))
    try:
        title, issues = _read_kind(kind, decoded.text, loaded)
    except RecursionError:  # HTML or JSON nested hundreds deep: one mechanism for every reader
        raise InputError(f"{loaded.source} is nested too deeply to read (as {kind})") from None
    except Exception as exc:
        if type(exc).__name__ != "ParserRejectedMarkup":  # BeautifulSoup's, for html.parser's
            raise  # assertions on broken markup (<![ML4Sci ...]>); anything else is a bug
        raise InputError(f"{loaded.source} cannot be read as {kind}: the HTML parser rejected "
                         "its markup (a broken <![...]> section?)") from None
    issues = [_web_links_only(issue) for issue in issues]
    if kind != "feed" and not any(issue.stories for issue in issues):
        raise InputError(f"no newsletter stories found in {loaded.source} (read as {kind})")
    if kind != "feed":
        issues = [i if i.title else msgspec.structs.replace(i, unpostable="no title") for i in issues]
    if decoded.warnings:
        issues = [msgspec.structs.replace(i, warnings=(*decoded.warnings, *i.warnings)) for i in issues]
    return kind, title, issues


def _web_links_only(issue: Issue) -> Issue:
    """``issue`` with every URL that is not http(s) dropped: its link, home page, cover image,
    story links and embeds. Whatever a reader lets through, a ``javascript:`` or ``data:`` URL
    never reaches the post text, the Bluesky card or the HTML preview's ``href``.
    """
    warnings: list[str] = []
    url, image = issue.url, issue.image
    if url is not None and not is_web_url(url):
        warnings.append(f"the issue's link {shown(repr(url))} is not an http(s) URL; it was left out")
        url = None
    if image is not None and not is_web_url(image):
        image = None
    home = issue.home_url if issue.home_url is None or is_web_url(issue.home_url) else None
    dropped = 0
    sections = []
    for section in issue.sections:
        stories = []
        for story in section.stories:
            links = tuple(link for link in story.links if is_web_url(link.url))
            embeds = tuple(embed for embed in story.embeds if is_web_url(embed.url))
            main = story.main_link if story.main_link is None or is_web_url(story.main_link) else None
            dropped += len(story.links) - len(links)
            if (links, embeds, main) != (story.links, story.embeds, story.main_link):
                story = msgspec.structs.replace(story, links=links, embeds=embeds, main_link=main)
            stories.append(story)
        sections.append(msgspec.structs.replace(section, stories=tuple(stories)))
    if dropped:
        warnings.append(f"{dropped} link(s) that are not http(s) URLs were left out")
    embeds = tuple(embed for embed in issue.embeds if is_web_url(embed.url))
    unchanged = (url, image, home, embeds) == (issue.url, issue.image, issue.home_url, issue.embeds)
    if unchanged and not dropped and tuple(sections) == issue.sections:
        return issue
    return msgspec.structs.replace(
        issue, url=url, image=image, home_url=home, embeds=embeds, sections=tuple(sections),
        warnings=(*issue.warnings, *warnings),
    )


def _name(loaded: _Loaded) -> str:
    return PurePosixPath(urlsplit(loaded.url).path).name if loaded.url else Path(loaded.source).name


def detect_kind(text: str, *, content_type: str = "", name: str = "") -> str:
    """``"feed"``, ``"json"``, ``"email"``, ``"html"``, ``"markdown"`` or ``"text"``, from content first."""
    head = text.lstrip()[:4096]
    suffix = PurePosixPath(name.lower()).suffix
    if suffix == ".eml" or content_type == "message/rfc822" or _EMAIL_HEADERS.match(head):
        return "email"
    if head.startswith(("{", "[")) or (content_type in _JSON_TYPES and not head.startswith("<")):
        return "json"
    root = _FEED_ROOT.search(head)
    if root and not _HTML_START.search(head, 0, root.start()):
        return "feed"
    if content_type in _FEED_TYPES or (head.startswith("<?xml") and not _HTML_START.search(head)):
        return "feed"
    if (
        head.startswith("<")
        or _HTML_START.search(head)
        or content_type in ("text/html", "application/xhtml+xml")
    ):
        return "html"
    if head.startswith("---\n") or suffix in (".md", ".markdown") or content_type == "text/markdown":
        return "markdown"
    if len(_HTML_TAGS.findall(head)) >= 3:
        return "html"
    return "markdown" if _MD_SIGNS.search(text) else "text"


def _read_kind(kind: str, text: str, loaded: _Loaded) -> tuple[str, list[Issue]]:
    # Each reader is imported only when its kind is read: a plain-text preview never loads
    # feedparser or BeautifulSoup.
    fallback = PurePosixPath(_name(loaded)).stem
    if kind == "feed":
        from bot.newsletter import feed

        return feed.parse_feed(text, source=loaded.source)
    if kind == "json":
        from bot.newsletter import exports, substack

        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{loaded.source} is not valid JSON: {exc}") from None
        exported = exports.parse_export(data, source=loaded.source)  # Ghost, beehiiv, Buttondown
        return "", exported if exported is not None else substack.parse_posts(data, source=loaded.source)
    if kind == "email":
        from bot.newsletter import email_reader

        return "", [email_reader.parse_email(text, source=loaded.source)]
    if kind == "html":
        from bot.newsletter import html

        return "", [html.parse_page(text, source=loaded.source, url=loaded.url, fallback_title=fallback)]
    if kind == "markdown":
        from bot.newsletter import markdown

        return "", [markdown.parse_markdown(text, source=loaded.source, fallback_title=fallback)]
    from bot.newsletter import text as plain

    return "", [plain.parse_text(text, source=loaded.source, fallback_title=fallback)]
