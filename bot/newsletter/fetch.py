"""Provide :func:`fetch`: one HTTP GET with a timeout, a User-Agent and conditional headers.

``requests`` is imported on first use so ``bot --help`` never pays for it. Every failure is a
:class:`~bot.errors.FetchError` whose one line names the URL (with secret-looking query values
masked, since a private feed URL may carry a token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot import __version__
from bot.errors import FetchError

USER_AGENT = f"ml4sci-bot/{__version__} (newsletter reader)"
MAX_BYTES = 20 * 1024 * 1024  # a newsletter page or feed is well under this
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.9, "
    "application/json;q=0.8, text/*;q=0.7, */*;q=0.5"
)
_SECRET_PARAM = re.compile(r"token|key|secret|signature|sig|auth|password|session", re.IGNORECASE)


@dataclass(frozen=True)
class Fetched:
    """What a GET returned: the final URL, status, body and the headers readers need."""

    url: str
    status: int
    body: bytes = b""
    content_type: str = ""  # media type only, lower case
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def is_url(source: str) -> bool:
    return source[:8].lower().startswith(("http://", "https://"))


def display_url(url: str) -> str:
    """The URL with its password and secret-looking query values replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1))
    if not parts.query:
        return urlunsplit(parts)
    query = [
        (k, "***" if _SECRET_PARAM.search(k) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """Split a Content-Type header into its media type and charset parameter."""
    if not value:
        return "", None
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def fetch(
    url: str,
    *,
    timeout: float = 20.0,
    etag: str | None = None,
    modified: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET ``url``; a 304 comes back as ``Fetched(status=304)``, any other error status raises."""
    import requests

    shown = display_url(url)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as response:
            if response.status_code == 304:
                return Fetched(
                    url=response.url,
                    status=304,
                    etag=response.headers.get("ETag") or etag,
                    last_modified=response.headers.get("Last-Modified") or modified,
                )
            if response.status_code >= 400:
                reason = f" {response.reason}" if response.reason else ""
                raise FetchError(f"cannot fetch {shown}: HTTP {response.status_code}{reason}")
            body = _read_body(response, shown=shown, max_bytes=max_bytes)
            media, charset = parse_content_type(response.headers.get("Content-Type"))
            return Fetched(
                url=response.url,
                status=response.status_code,
                body=body,
                content_type=media,
                charset=charset,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except requests.exceptions.Timeout:
        raise FetchError(f"cannot fetch {shown}: no answer within {timeout:g} s") from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"cannot fetch {shown}: {_reason(exc, timeout)}") from None


def _read_body(response, *, shown: str, max_bytes: int) -> bytes:  # response: requests.Response
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(
                f"cannot fetch {shown}: the body is larger than {max_bytes // 1_000_000} MB"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(exc: Exception, timeout: float) -> str:
    """A short, human reason for a requests error (its own text nests several exceptions)."""
    import requests

    text = str(exc)
    if "timed out" in text.lower():
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    if isinstance(
        exc,
        (
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return "not a valid URL"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the connection broke off in the middle of the body"
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the server closed the connection without answering"
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if (
        "Name or service not known" in text
        or "getaddrinfo failed" in text
        or "Failed to resolve" in text
    ):
        return "unknown host"
    return type(exc).__name__
