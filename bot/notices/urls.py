"""Provide what is secret in ``BOT_NOTIFY_URLS``: each Apprise URL and its secret parts.

Apprise URLs put credentials anywhere: the user info (``mailtos://user:pass@host``), the path
(``discord://webhook_id/webhook_token``, ``tgram://bottoken/chat``) or the query
(``?pass=…&token=…``). Output and logs are scrubbed of the whole URL and of each such part, so
one leaking alone (an error that quotes only the password) is caught too.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

_HAS_DIGIT = re.compile(r"\d")


def split_urls(value: str) -> list[str]:
    """The URLs of ``BOT_NOTIFY_URLS``: comma- or whitespace-separated."""
    return [part for part in re.split(r"[,\s]+", value or "") if part]


def secret_parts(value: str) -> list[str]:
    """Every URL and the parts of it that may be credentials (at least 4 characters)."""
    out: list[str] = []
    for url in split_urls(value):
        out.append(url)
        try:
            parts = urlsplit(url)
            user, password = parts.username, parts.password
        except ValueError:
            continue
        out.extend(p for p in (user, password) if p)
        host = parts.hostname or ""
        if "." not in host and ":" not in host and len(host) >= 8:  # an id, not a host name
            out.append(host)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        head, colon, tail = netloc.partition(":")
        if colon and not tail.isdigit():  # not a port: a token such as Telegram's "id:secret"
            out.extend((netloc, tail))
        for segment in parts.path.split("/"):
            # A path part long or digit-bearing enough to be a token, not a word like "hooks".
            if len(segment) >= 16 or (len(segment) >= 6 and _HAS_DIGIT.search(segment)):
                out.append(segment)
        out.extend(v for _, v in parse_qsl(parts.query) if v)
    found = {unquote(p) for p in out} | set(out)
    return sorted((p for p in found if len(p) >= 4), key=len, reverse=True)
