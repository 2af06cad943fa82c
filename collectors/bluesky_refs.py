"""Provide :func:`parse_ref` and friends: Bluesky URLs and ``at://`` URIs to DID-based URIs.

People paste ``https://bsky.app/profile/<handle-or-did>/post/<rkey>`` links; the API and our
ids use ``at://<did>/app.bsky.feed.post/<rkey>``. A handle can change and a DID cannot, so a
handle found in a reference is resolved to its DID (``com.atproto.identity.resolveHandle``)
before it becomes an id. Feed generator and list references work the same way.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

POST = "app.bsky.feed.post"
FEED_GENERATOR = "app.bsky.feed.generator"
LIST = "app.bsky.graph.list"
#: the path segment bsky.app uses for each collection: /profile/<actor>/<segment>/<rkey>
_URL_SEGMENTS = {POST: "post", FEED_GENERATOR: "feed", LIST: "lists"}
#: where a handle is resolved when the caller gives no resolver (any PDS or AppView answers)
DEFAULT_RESOLVER_URL = "https://bsky.social"

_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]+")
_HANDLE = re.compile(
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
_BSKY_URL = re.compile(
    r"https?://(?:www\.)?bsky\.app/profile/(?P<actor>[^/?#]+)"
    r"(?:/(?P<segment>[a-z]+)/(?P<rkey>[^/?#]+))?/?(?:[?#].*)?",
    re.IGNORECASE,
)
_AT_URI = re.compile(r"at://(?P<actor>[^/?#]+)(?:/(?P<collection>[^/?#]+)/(?P<rkey>[^/?#]+))?/?")

Resolver = Callable[[str], str]


def parse_ref(
    url_or_uri: str,
    *,
    resolve_handle: Resolver | None = None,
    resolver_url: str = DEFAULT_RESOLVER_URL,
) -> str:
    """Turn a post's bsky.app URL or ``at://`` URI into ``at://<did>/app.bsky.feed.post/<rkey>``.

    A ``bsky:`` prefix (our post ids) is accepted too. Handles are resolved with
    ``resolve_handle`` when given, else by ``com.atproto.identity.resolveHandle`` at
    ``resolver_url``. Raises :class:`ValueError` naming the problem for anything else.
    """
    return parse_record_ref(
        url_or_uri, POST, resolve_handle=resolve_handle, resolver_url=resolver_url
    )


def parse_record_ref(
    ref: str,
    collection: str,
    *,
    resolve_handle: Resolver | None = None,
    resolver_url: str = DEFAULT_RESOLVER_URL,
) -> str:
    """Like :func:`parse_ref` for any collection in ``_URL_SEGMENTS`` (posts, feeds, lists)."""
    what = _URL_SEGMENTS[collection]
    text = ref.strip() if isinstance(ref, str) else ""
    text = text.removeprefix("bsky:")
    url = _BSKY_URL.fullmatch(text)
    at = _AT_URI.fullmatch(text)
    if url and url["segment"]:
        if url["segment"].lower() != what:
            raise ValueError(f"{ref!r} is a Bluesky {url['segment']} link, not a {what} link")
        actor, rkey = url["actor"], url["rkey"]
    elif at and at["collection"]:
        if at["collection"] != collection:
            raise ValueError(f"{ref!r} is an at:// URI of a {at['collection']}, not of a {collection}")
        actor, rkey = at["actor"], at["rkey"]
    else:
        raise ValueError(
            f"not a Bluesky {what} reference: {ref!r} (expected "
            f"https://bsky.app/profile/<handle-or-did>/{what}/<rkey> or at://<did>/{collection}/<rkey>)"
        )
    rkey = urllib.parse.unquote(rkey)
    if not _RKEY.fullmatch(rkey) or rkey in (".", ".."):
        raise ValueError(f"{ref!r}: {rkey!r} is not a valid record key")
    did = actor_did(actor, ref=ref, resolve_handle=resolve_handle, resolver_url=resolver_url)
    return f"at://{did}/{collection}/{rkey}"


def parse_actor(ref: str) -> str:
    """A handle or DID from ``alice.bsky.social``, ``@alice.bsky.social``, a DID or a profile URL."""
    text = ref.strip() if isinstance(ref, str) else ""
    url = _BSKY_URL.fullmatch(text)
    at = _AT_URI.fullmatch(text)
    if url and not url["segment"]:
        text = url["actor"]
    elif at and not at["collection"]:
        text = at["actor"]
    actor = urllib.parse.unquote(text).removeprefix("@")
    if _DID.fullmatch(actor):
        return actor
    if _HANDLE.fullmatch(actor):
        return actor.lower()
    raise ValueError(
        f"not a Bluesky account: {ref!r} (expected a handle such as alice.bsky.social, a DID "
        "or https://bsky.app/profile/<handle>)"
    )


def actor_did(
    actor: str,
    *,
    ref: str,
    resolve_handle: Resolver | None = None,
    resolver_url: str = DEFAULT_RESOLVER_URL,
) -> str:
    """The DID in ``actor``, resolving it first when it is a handle."""
    actor = urllib.parse.unquote(actor).removeprefix("@")
    if _DID.fullmatch(actor):
        return actor
    if not _HANDLE.fullmatch(actor):
        raise ValueError(f"{ref!r}: {actor!r} is neither a handle nor a DID")
    handle = actor.lower()
    resolve = resolve_handle or (lambda h: resolve_handle_http(h, service_url=resolver_url))
    did = resolve(handle)
    if not isinstance(did, str) or not _DID.fullmatch(did):
        raise ValueError(f"{ref!r}: handle {handle!r} resolved to {did!r}, which is not a DID")
    return did


def resolve_handle_http(handle: str, *, service_url: str, timeout: float = 20.0) -> str:
    """Resolve a handle with one plain ``resolveHandle`` GET (no SDK needed)."""
    query = urllib.parse.urlencode({"handle": handle})
    url = f"{service_url.rstrip('/')}/xrpc/com.atproto.identity.resolveHandle?{query}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read())["did"]
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:200]
        raise ValueError(f"cannot resolve Bluesky handle {handle!r}: HTTP {exc.code} {detail}") from None
    except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
        raise ValueError(f"cannot resolve Bluesky handle {handle!r} at {service_url}: {exc}") from None
