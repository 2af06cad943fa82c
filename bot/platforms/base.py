"""Provide :class:`Platform`: everything the bot knows about one network, in one frozen record.

A platform package (``bot/platforms/<id>/``) builds one record; :mod:`bot.platforms` lists the
packages. Nothing outside a platform's own modules names a platform: it asks the registry.
Factories import their SDKs only when called, so reading the registry costs no SDK import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from sqlite_utils import Database

    from bot.platforms.protocols import LengthRules, Publisher
    from bot.settings import Settings
    from bot.timeutil import Clock
    from collectors.base import Collector, Rows
    from collectors.ratelimit import RateHeaders


def lazy(module: str, name: str) -> Callable[..., Any]:
    """A factory answering ``module.name``, importing the module only when first called (a
    record must not load its SDK: ``bot --help`` reads every record). Arguments are ignored."""

    def load(*_args: Any) -> Any:
        return getattr(importlib.import_module(module), name)

    return load


def parses(module: str) -> Callable[[str], bool]:
    """A recogniser: whether ``module.parse_ref`` reads the reference."""

    def recognise(ref: str) -> bool:
        return importlib.import_module(module).parse_ref(ref) is not None

    return recognise


CollectorFactory = Callable[["Settings", "Database", Any], "Collector"]
PublisherFactory = Callable[["Settings", "Database", "Clock"], "Publisher"]


class Platform(msgspec.Struct, frozen=True):
    """One network: its names, settings, sources, references and factories."""

    id: str  #: as in bot.toml, the database's ``platform`` column and the CLI
    name: str  #: for people: "X", "Bluesky"
    id_prefix: str  #: qualifies harvested ids: ``x:146…``, ``bsky:at://…``
    #: environment variables holding secrets (scrubbed from every output)
    secrets: tuple[str, ...] = ()
    #: settings field -> (environment variable, key under [endpoints], default)
    endpoints: dict[str, tuple[str, str, str | None]] = msgspec.field(default_factory=dict)
    #: the source kinds a ``[[sources]]`` entry may give (exactly one of them)
    source_kinds: tuple[str, ...] = ()
    #: the digest's section heading ("On X", "From Reddit")
    digest_heading: str = ""
    #: threads have titles of their own (a Reddit submission), not a first line
    titled: bool = False
    #: the community a thread URL belongs to (a subreddit), shown in the digest
    community: Callable[[str | None], str | None] | None = None
    #: how the digest writes a community's name: "r/" + "MachineLearning"
    community_prefix: str = ""
    #: whether a thread URL or id is this platform's (``bot thread REF``)
    recognise: Callable[[str], bool] = lambda ref: False
    #: the qualified post ids a URL or URI stands for, read without the network
    post_ids: Callable[[str, Callable[[str], str]], list[str]] = lambda ref, resolve_handle: []
    collector: CollectorFactory | None = None
    #: the pure body -> rows function (``bot harvest --load``), needing no credentials
    transformer: Callable[[Settings], Callable[[Any], Rows]] | None = None
    publisher: PublisherFactory | None = None
    rules: Callable[[], LengthRules] | None = None
    #: where its answers say how much of a rate-limit window is left and when it reopens
    rate_headers: Callable[[], RateHeaders] | None = None
    #: link cards belong to the thread's opening post (Bluesky makes them on the client)
    link_card: bool = False
    #: what ``bot thread`` accepts, for its error message
    ref_help: str = ""
    #: the environment variable naming the posting account's handle (shown on review cards),
    #: and what follows the newsletter's name in the handle made when it is not set
    handle_variable: str = ""
    handle_suffix: str = ""
    #: the keys its own ``[<id>]`` table in bot.toml may hold, with their defaults
    options: dict[str, Any] = msgspec.field(default_factory=dict)
    #: the options its ``[[sources]]`` may carry, each with its type check (bot.config_types)
    source_options: dict[str, Any] = msgspec.field(default_factory=dict)
    #: checks and normalises that table (raising a one-line ConfigError); None: taken as written
    check_options: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    #: what creating one post with this text costs in US dollars, under the platform's options
    #: (a platform that charges per request); None: posting is free
    price: Callable[[str, dict[str, Any]], float] | None = None
    #: what one harvested page's rows cost to read, with the resources its collector read beside
    #: the body (``Page.extra_reads``), as (resources charged, US dollars), under the platform's
    #: options; None: reading is free
    read_price: Callable[[Any, dict[str, Any], dict[str, int]], tuple[int, float]] | None = None
    #: the values its ``links`` option takes, most links first ("every", "opening", "none");
    #: the preview prices each; () for a platform that keeps every link
    link_policies: tuple[str, ...] = ()

    @property
    def posts(self) -> bool:
        return self.publisher is not None

    @property
    def harvests(self) -> bool:
        return self.collector is not None
