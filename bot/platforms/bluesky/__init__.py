"""Provide Bluesky's registry record: harvesting through the AppView, posting with applyWrites."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot import config_types as types
from bot.errors import BotError, MissingCredential
from bot.platforms.base import Platform, lazy

if TYPE_CHECKING:
    from bot.platforms.protocols import LengthRules, Publisher
    from sqlite_utils import Database

    from bot.settings import Settings
    from bot.timeutil import Clock
    from collectors.base import Collector

# A post's URL or at:// URI; compiled on first use (re's own cache), when a reference is read.
_REF = r"^(at://\S+|https?://(www\.)?bsky\.app/profile/[^/\s]+/post/[A-Za-z0-9]+/?)$"


def _collectors_module() -> Any:
    try:
        from collectors import bluesky
    except ImportError as exc:
        raise BotError(f"Bluesky harvesting is unavailable: {exc}") from None
    return bluesky


def _handle(settings: Settings, purpose: str) -> str:
    handle = settings.optional("BLUESKY_HANDLE")
    if not handle:
        raise MissingCredential("BLUESKY_HANDLE", purpose)
    return handle


def _collector(settings: Settings, db: Database, policy: Any) -> Collector:
    from bot.sessions import load_session, save_session

    handle = _handle(settings, "Bluesky harvest")
    password = settings.secret("BLUESKY_APP_PASSWORD", purpose="Bluesky harvest")
    collector: Collector = _collectors_module().BlueskyCollector(
        pds_url=settings.bluesky_pds_url,
        appview_url=settings.bluesky_appview_url,
        handle=handle,
        password=password,
        session=load_session(db, "bluesky", handle),
        on_session=lambda text: save_session(db, "bluesky", handle, text),
        timeout=settings.http_timeout,
        policy=policy,
    )
    return collector


def _transformer(settings: Settings) -> Any:
    return _collectors_module().to_rows


def _publisher(settings: Settings, db: Database, clock: Clock) -> Publisher:
    from bot.platforms.bluesky.publish import BlueskyPublisher

    return BlueskyPublisher(
        db=db,
        pds_url=settings.bluesky_pds_url,
        handle=_handle(settings, "posting to Bluesky"),
        password=settings.secret("BLUESKY_APP_PASSWORD", purpose="posting to Bluesky"),
        timeout=settings.http_timeout,
        clock=clock,
    )


def _rules() -> LengthRules:
    from bot.platforms.bluesky.rules import BlueskyRules

    return BlueskyRules()


def _post_ids(ref: str, author_id: Callable[[str], str]) -> list[str]:
    """A bsky.app URL's handle is resolved through the harvested authors, never online."""
    from collectors.bluesky_refs import parse_ref

    if "bsky.app/" not in ref and not ref.startswith("at://"):
        return []
    try:
        return ["bsky:" + parse_ref(ref, resolve_handle=lambda h: author_id(h).removeprefix("bsky:"))]
    except ValueError:
        return []


PLATFORM = Platform(
    id="bluesky",
    name="Bluesky",
    id_prefix="bsky",
    secrets=("BLUESKY_APP_PASSWORD",),
    endpoints={
        "bluesky_pds_url": ("BLUESKY_PDS_URL", "bluesky_pds_url", "https://bsky.social"),
        "bluesky_appview_url": ("BLUESKY_APPVIEW_URL", "bluesky_appview_url", None),
    },
    source_kinds=("search", "account", "feed", "list"),
    source_options={
        "max_pages": types.positive_count, "sort": types.text, "since": types.text,
        "until": types.text, "lang": types.text, "author": types.text, "domain": types.text,
        "url": types.text, "tag": types.string_or_strings, "mentions": types.text,
        "filter": types.text, "include_pins": types.boolean,
    },
    digest_heading="On Bluesky",
    recognise=lambda ref: bool(re.match(_REF, ref, re.IGNORECASE)),
    post_ids=_post_ids,
    collector=_collector,
    rate_headers=lazy("collectors.bluesky", "RATE_HEADERS"),
    transformer=_transformer,
    publisher=_publisher,
    rules=_rules,
    link_card=True,
    ref_help="a bsky.app post URL or at:// URI",
    handle_variable="BLUESKY_HANDLE",
    handle_suffix=".bsky.social",
)
