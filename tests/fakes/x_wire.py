"""Provide what the fake X does to text and requests as X does: t.co links, entities,
millisecond timestamps and OAuth 1.0a signatures (moved out of :mod:`tests.fakes.x_posting`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import unicodedata
from typing import Any
from urllib.parse import quote, urlencode

from tests.fakes.common import Request

_TCO_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def shorten(text: str, *, salt: str) -> tuple[str, list[dict[str, Any]]]:
    """``text`` as X stores it: each URL twitter-text finds becomes a t.co link."""
    from bot.platforms.x.twitter_text_loader import load_twitter_text

    load_twitter_text()
    from twitter_text import extract_urls_with_indices

    text = unicodedata.normalize("NFC", text)
    out, urls, last = [], [], 0
    for number, found in enumerate(extract_urls_with_indices(text)):
        start, end = found["indices"]
        digest = hashlib.sha256(f"{salt}:{number}:{found['url']}".encode()).digest()
        code = "".join(_TCO_ALPHABET[b % len(_TCO_ALPHABET)] for b in digest[:10])
        link = f"https://t.co/{code}"
        out.append(text[last:start])
        new_start = sum(len(part) for part in out)
        out.append(link)
        expanded = found["url"] if "://" in found["url"] else f"http://{found['url']}"
        urls.append({"start": new_start, "end": new_start + len(link), "url": link,
                     "expanded_url": expanded, "display_url": found["url"].split("://")[-1][:26]})
        last = end
    out.append(text[last:])
    return "".join(out), urls


def html_escape(text: str) -> str:
    """X API v2 returns ``&``, ``<`` and ``>`` as entities (quotes stay as they are)."""
    return html.escape(text, quote=False)


def iso_ms(epoch: float) -> str:
    import datetime as dt

    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def oauth_valid(request: Request, credentials: Any) -> bool:
    """Whether an OAuth 1.0a HMAC-SHA1 signature holds for the URL the request was sent to."""
    from oauthlib.oauth1.rfc5849 import signature, utils

    header = request.headers.get("authorization", "")
    if not header.startswith("OAuth "):
        return False
    params = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
    if (params.get("oauth_consumer_key") != credentials.consumer_key
            or params.get("oauth_token") != credentials.access_token
            or params.get("oauth_signature_method") != "HMAC-SHA1"):
        return False
    host = request.headers.get("host", "")
    query = urlencode(request.query, quote_via=quote)
    collected = signature.collect_parameters(
        uri_query=query, body=request.form or None, headers={"Authorization": header},
    )
    base = signature.signature_base_string(
        request.method, signature.base_string_uri(f"http://{host}{request.path}"),
        signature.normalize_parameters(collected),
    )
    key = f"{utils.escape(credentials.consumer_secret)}&{utils.escape(credentials.access_token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    expected = base64.b64encode(digest).decode()
    return hmac.compare_digest(expected, params.get("oauth_signature", ""))

