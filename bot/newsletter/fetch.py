"""Provide :func:`fetch`: one HTTP GET with a timeout, a User-Agent and conditional headers.

The timeout bounds each wait for the server; a total deadline (by default
:data:`DEADLINE_FACTOR` times the timeout) bounds the whole GET, so a server that sends a
byte a second (each read well within the timeout) cannot keep ``bot preview`` or ``bot run``'s
feed poll busy for ever. The GET runs in a worker thread, which stops reading at the deadline.

``requests`` is imported on first use so ``bot --help`` never pays for it. Every failure is a
:class:`~bot.errors.FetchError` whose one line names the URL (with secret-looking query values
masked, since a private feed URL may carry a token).
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

from bot import __version__
from bot.errors import FetchError

USER_AGENT = f"ml4sci-bot/{__version__} (newsletter reader)"
MAX_BYTES = 20 * 1024 * 1024  # a newsletter page or feed is well under this
SHOWN_URL = 200  # characters of a URL an error or Issue.source shows
DEADLINE_FACTOR = 3  # the whole GET may take this many timeouts
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.9, "
    "application/json;q=0.8, text/*;q=0.7, */*;q=0.5"
)
_SECRET_PARAM = re.compile(r"token|key|secret|signature|sig|auth|password|session", re.IGNORECASE)


class Fetched(msgspec.Struct, frozen=True):
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
    """The URL with its password and secret-looking query values replaced by ``***``, cut to
    :data:`SHOWN_URL` characters (an error never echoes a 10,000-character URL whole).
    """
    from bot.weburl import shown

    return shown(_masked(url), SHOWN_URL)


def _masked(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        return url
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
    deadline: float | None = None,
) -> Fetched:
    """GET ``url``; a 304 comes back as ``Fetched(status=304)``, any other error status raises.

    ``timeout`` bounds each wait for the server, ``deadline`` (seconds, default
    ``DEADLINE_FACTOR * timeout``) the whole GET.
    """
    limit = deadline if deadline is not None else DEADLINE_FACTOR * timeout
    stop_at = time.monotonic() + limit
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["fetched"] = _get(
                url, timeout=timeout, etag=etag, modified=modified, max_bytes=max_bytes,
                stop_at=stop_at, limit=limit,
            )
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=work, name="fetch", daemon=True).start()
    if not finished.wait(limit + 0.5):  # headers dripping in: the worker ends with the server
        raise _too_slow(display_url(url), limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["fetched"]


def _too_slow(shown: str, limit: float) -> FetchError:
    return FetchError(f"cannot fetch {shown}: not finished within {limit:g} s (the server is too slow)")


def _get(
    url: str,
    *,
    timeout: float,
    etag: str | None,
    modified: str | None,
    max_bytes: int,
    stop_at: float,
    limit: float,
) -> Fetched:
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
            body = _read_body(response, shown=shown, max_bytes=max_bytes, stop_at=stop_at, limit=limit)
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
    except (ValueError, UnicodeError) as exc:  # urllib3 refusing a URL requests let through
        raise FetchError(f"cannot fetch {shown}: not a valid URL ({type(exc).__name__})") from None


def _read_body(response, *, shown: str, max_bytes: int, stop_at: float, limit: float) -> bytes:
    """The body, read as it arrives (``read1``: never waiting to fill a large buffer), so the
    deadline is checked after every packet.
    """
    import requests
    import urllib3

    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > stop_at:
            raise _too_slow(shown, limit)
        try:
            chunk = response.raw.read1(65536, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(str(exc)) from None
        except urllib3.exceptions.ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(str(exc)) from None
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(str(exc)) from None
        if not chunk:
            break
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
