"""Provide Reddit's registry record: harvesting subreddits and comment trees (praw); no posting."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot import config_types as types
from bot.platforms.base import Platform, lazy, parses

if TYPE_CHECKING:
    from sqlite_utils import Database

    from bot.settings import Settings
    from collectors.base import Collector

DEFAULT_AGENT = "python:ml4sci-bot:0.1 (harvest; set REDDIT_USER_AGENT)"
_SUBREDDIT = re.compile(r"/r/([^/]+)/comments/", re.IGNORECASE)


def _collector(settings: Settings, db: Database, policy: Any) -> Collector:
    from collectors.reddit import RedditCollector

    return RedditCollector(
        client_id=settings.secret("REDDIT_CLIENT_ID", purpose="Reddit harvest"),
        client_secret=settings.secret("REDDIT_CLIENT_SECRET", purpose="Reddit harvest"),
        user_agent=settings.optional("REDDIT_USER_AGENT") or DEFAULT_AGENT,
        base_url=settings.reddit_base_url,
        timeout=settings.http_timeout,
        policy=policy,
    )


def _post_ids(ref: str, author_id: Any) -> list[str]:
    from collectors.reddit import parse_ref

    submission = parse_ref(ref)
    return [f"reddit:t3_{submission}"] if submission else []


def _subreddit(url: str | None) -> str | None:
    match = _SUBREDDIT.search(url or "")
    return match.group(1) if match else None


PLATFORM = Platform(
    id="reddit",
    name="Reddit",
    id_prefix="reddit",
    secrets=("REDDIT_CLIENT_SECRET", "REDDIT_PASSWORD"),
    endpoints={"reddit_base_url": ("REDDIT_BASE_URL", "reddit_base_url", None)},
    source_kinds=("subreddit",),
    source_options={"sort": types.text, "time_filter": types.text, "search": types.text, "limit": types.positive_count},
    digest_heading="From Reddit",
    titled=True,
    community=_subreddit,
    community_prefix="r/",
    recognise=parses("collectors.reddit"),
    post_ids=_post_ids,
    collector=_collector,
    rate_headers=lazy("collectors.reddit", "RATE_HEADERS"),
    transformer=lazy("collectors.reddit", "to_rows"),
    ref_help="a Reddit comments URL",
)
