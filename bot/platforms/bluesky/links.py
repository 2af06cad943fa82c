"""Provide Bluesky link handling: URL detection, the app's short form of a URL, and link facets.

Bluesky does not detect links on the server: the client sends the text and, for each link, a
facet with UTF-8 byte offsets and the full URL. The official app shows a long URL shortened
(``toShortUrl`` in bluesky-social/social-app ``src/lib/strings/url-helpers.ts``) and counts the
300-grapheme limit on that shortened text, so we do the same.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import msgspec

from bot.compose.model import Facet
from bot.weburl import is_web_url

# The http(s) half of @atproto/api's rich-text URL detection: a URL starts the text, follows
# whitespace or an opening parenthesis, and runs to the next whitespace. Bare domains
# ("example.com") are not linked: the app needs its TLD list for those, and we only post URLs
# we wrote with a scheme.
_URL = re.compile(r"(?:^|(?<=[\s(]))https?://\S+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?"

# WHATWG URL percent-encode sets (beyond C0 controls and non-ASCII, which are always encoded).
_FRAGMENT_SET = ' "<>`'
_QUERY_SET = " \"#<>'"  # the "special-query" set: http(s) are special schemes
_PATH_SET = ' "#<>?`{}'
_DEFAULT_PORTS = {"http": 80, "https": 443}
SHORT_PATH_MAX = 15  # longer path+query+hash is cut...
SHORT_PATH_KEEP = 13  # ...to this many characters plus "..."


class Found(msgspec.Struct, frozen=True):
    """A URL found in a text: its code-point span and the URL itself."""

    start: int
    end: int
    url: str


class Rendered(msgspec.Struct, frozen=True):
    """A text as Bluesky shows it: long URLs shortened, one link facet per URL."""

    text: str
    facets: tuple[Facet, ...]

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(facet.uri for facet in self.facets)


def find_urls(text: str) -> list[Found]:
    """The http(s) URLs in ``text``, trimmed of trailing punctuation as the Bluesky app does."""
    found = []
    for match in _URL.finditer(text):
        url = match.group(0)
        if url[-1] in _TRAILING_PUNCTUATION:
            url = url[:-1]
        if url.endswith(")") and "(" not in url:
            url = url[:-1]
        if is_web_url(url):  # not "https:///x" or "http://[::1": a facet links a real URL
            found.append(Found(match.start(), match.start() + len(url), url))
    return found


def to_short_url(url: str) -> str:
    """The URL as the Bluesky app displays it: no scheme, path+query+hash cut past 15 characters.

    Non-http(s) or unparsable URLs are returned unchanged, as in the app.
    """
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            return url
        host = _host(parts.hostname or "", parts.port, scheme=scheme)
    except (ValueError, UnicodeError):
        return url
    if not host:
        return url
    path = _encode(_remove_dot_segments(parts.path.replace("\\", "/") or "/"), _PATH_SET)
    rest = (
        ("" if path == "/" else path)
        + ("?" + _encode(parts.query, _QUERY_SET) if parts.query else "")
        + ("#" + _encode(parts.fragment, _FRAGMENT_SET) if parts.fragment else "")
    )
    if len(rest) > SHORT_PATH_MAX:
        return host + rest[:SHORT_PATH_KEEP] + "..."
    return host + rest


def render(text: str) -> Rendered:
    """``text`` with each URL shown short and covered by a facet carrying the full URL."""
    pieces: list[str] = []
    facets: list[Facet] = []
    offset = 0  # UTF-8 bytes written so far
    last = 0
    for found in find_urls(text):
        before = text[last : found.start]
        shown = to_short_url(found.url)
        offset += len(before.encode("utf-8"))
        end = offset + len(shown.encode("utf-8"))
        pieces.extend((before, shown))
        facets.append(Facet(byte_start=offset, byte_end=end, uri=found.url))
        offset, last = end, found.end
    pieces.append(text[last:])
    return Rendered("".join(pieces), tuple(facets))


def _host(hostname: str, port: int | None, *, scheme: str) -> str:
    """The WHATWG ``URL.host``: lowercased, IDNA-encoded, bracketed IPv6, non-default port."""
    if not hostname:
        return ""
    if not hostname.isascii():
        # Python's codec is IDNA 2003; browsers use UTS #46. They agree on ordinary names.
        hostname = hostname.encode("idna").decode("ascii")
    host = f"[{hostname}]" if ":" in hostname else hostname.lower()
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host += f":{port}"
    return host


def _encode(value: str, extra: str) -> str:
    """Percent-encode C0 controls, non-ASCII and ``extra``; existing escapes stay as they are."""
    out = []
    for char in value:
        if ord(char) < 0x20 or ord(char) > 0x7E or char in extra:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """Resolve ``.`` and ``..`` segments as the URL parser does (``/a/./b/../c`` → ``/a/c``)."""
    segments = path.split("/")[1:]
    kept: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment in (".", "%2e", "%2E"):
            if last:
                kept.append("")
        elif segment.lower() in ("..", ".%2e", "%2e.", "%2e%2e"):
            if kept:
                kept.pop()
            if last:
                kept.append("")
        else:
            kept.append(segment)
    return "/" + "/".join(kept)
