"""Provide X's registry record: harvesting through the API v2 (tweepy), posting reply chains."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot import config_types as types
from bot.platforms.base import Platform, lazy, parses
from bot.platforms.x import options as x_options

if TYPE_CHECKING:
    from bot.platforms.protocols import LengthRules, Publisher
    from sqlite_utils import Database

    from bot.settings import Settings
    from bot.timeutil import Clock
    from collectors.base import Collector

POST_SECRETS = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")


def _collector(settings: Settings, db: Database, policy: Any) -> Collector:
    from collectors.x import XCollector

    return XCollector(
        bearer_token=settings.secret("X_BEARER_TOKEN", purpose="X harvest"),
        base_url=settings.x_api_base_url,
        timeout=settings.http_timeout,
        policy=policy,
        db=db,
    )


def _publisher(settings: Settings, db: Database, clock: Clock) -> Publisher:
    from bot.platforms.x.publish import XAdapter
    from bot.publish.driver import ReplyChainDriver

    purpose = "posting to X"
    key, secret, token, token_secret = (settings.secret(v, purpose=purpose) for v in POST_SECRETS)
    adapter = XAdapter(
        consumer_key=key, consumer_secret=secret, access_token=token, access_token_secret=token_secret,
        base_url=settings.x_api_base_url, timeout=settings.http_timeout, clock=clock,
        options=settings.platform_options("x"),
    )
    return ReplyChainDriver(adapter, db=db, clock=clock)


def _rules() -> LengthRules:
    from bot.platforms.x.rules import XRules

    return XRules()


def _post_ids(ref: str, author_id: Any) -> list[str]:
    from collectors.x import parse_ref

    tweet = parse_ref(ref) or (ref if ref.isdigit() else None)  # a bare number is a tweet id
    return [f"x:{tweet}"] if tweet else []


PLATFORM = Platform(
    id="x",
    name="X",
    id_prefix="x",
    secrets=("X_BEARER_TOKEN", *POST_SECRETS),
    endpoints={"x_api_base_url": ("X_API_BASE_URL", "x_api_base_url", "https://api.x.com")},
    source_kinds=("search", "account"),
    source_options={"limit": types.positive_count},
    digest_heading="On X",
    recognise=parses("collectors.x"),
    post_ids=_post_ids,
    collector=_collector,
    rate_headers=lazy("collectors.x", "RATE_HEADERS"),
    transformer=lazy("collectors.x", "to_rows"),
    publisher=_publisher,
    rules=_rules,
    ref_help="an X status URL",
    handle_variable="X_HANDLE",
    options=x_options.DEFAULTS,
    check_options=x_options.check,
    price=x_options.price,
    read_price=x_options.read_price,
    link_policies=x_options.LINKS,
)
