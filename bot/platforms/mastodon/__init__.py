"""Provide Mastodon's registry record: one instance's timelines and threads, posting reply chains."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.platforms.base import Platform, lazy, parses

if TYPE_CHECKING:
    from bot.platforms.protocols import LengthRules, Publisher
    from sqlite_utils import Database

    from bot.settings import Settings
    from bot.timeutil import Clock
    from collectors.base import Collector

VISIBILITIES = ("public", "unlisted", "private", "direct")


def _collector(settings: Settings, db: Database, policy: Any) -> Collector:
    from collectors.mastodon import MastodonCollector

    return MastodonCollector(
        base_url=settings.mastodon_base_url,
        # Public timelines and threads need no token; accounts, lists and our instance's
        # limits do, and the instance answers 401 without one.
        access_token=settings.optional("MASTODON_ACCESS_TOKEN"),
        timeout=settings.http_timeout,
        policy=policy,
    )


def _publisher(settings: Settings, db: Database, clock: Clock) -> Publisher:
    from bot.errors import ConfigError
    from bot.platforms.mastodon.publish import MastodonAdapter
    from bot.publish.driver import ReplyChainDriver

    visibility = settings.platform_options("mastodon")["visibility"]
    if visibility not in VISIBILITIES:
        raise ConfigError(f"mastodon.visibility is {visibility!r} (use {', '.join(VISIBILITIES)})")
    adapter = MastodonAdapter(
        base_url=settings.mastodon_base_url,
        access_token=settings.secret("MASTODON_ACCESS_TOKEN", purpose="posting to Mastodon"),
        visibility=visibility, timeout=settings.http_timeout, clock=clock,
    )
    return ReplyChainDriver(adapter, db=db, clock=clock)


def _rules() -> LengthRules:
    from bot.platforms.mastodon.rules import MastodonRules

    return MastodonRules()


def _post_ids(ref: str, author_id: Any) -> list[str]:
    """A status URL is its id: ``mastodon:https://INSTANCE/@user/ID``."""
    from collectors.mastodon import parse_ref
    from collectors.mastodon_rows import PREFIX

    ref = ref.removeprefix(PREFIX)
    return [PREFIX + ref.strip()] if parse_ref(ref) else []


PLATFORM = Platform(
    id="mastodon",
    name="Mastodon",
    id_prefix="mastodon",
    secrets=("MASTODON_ACCESS_TOKEN",),
    endpoints={"mastodon_base_url": ("MASTODON_BASE_URL", "mastodon_base_url", "https://mastodon.social")},
    source_kinds=("hashtag", "account", "list"),
    digest_heading="On Mastodon",
    recognise=parses("collectors.mastodon"),
    post_ids=_post_ids,
    collector=_collector,
    rate_headers=lazy("collectors.mastodon", "RATE_HEADERS"),
    transformer=lazy("collectors.mastodon_rows", "to_rows"),
    publisher=_publisher,
    rules=_rules,
    ref_help="a Mastodon status URL (https://INSTANCE/@user/ID)",
    options={"visibility": "public"},
)
