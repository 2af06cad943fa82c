"""Provide :class:`Settings`: one place that resolves every setting.

Precedence, highest first: a CLI option, the environment (real variables, then ``.env``),
``bot.toml``, the built-in default. Secrets come only from the environment or ``.env``, never
from ``bot.toml``, and are handed out one at a time by :meth:`Settings.secret`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import platforms as registry
from bot.errors import ConfigError, MissingCredential
from bot.timeutil import parse_duration

PLATFORMS = registry.ids(harvesting=True)
POST_PLATFORMS = registry.ids(posting=True)

#: Every secret the bot reads, so logs and output can be scrubbed of their values.
SECRET_VARS = (
    *registry.secret_variables(),
    # Apprise URLs for review notices carry tokens and passwords (comma-separated); each URL
    # and its secret parts are scrubbed too (secret_values).
    "BOT_NOTIFY_URLS",
    # Required by bot serve when it listens beyond loopback.
    "BOT_SERVE_TOKEN",
)

# name -> (environment variable or None, path in bot.toml, default)
_FIELDS: dict[str, tuple[str | None, tuple[str, ...], Any]] = {
    "db": ("BOT_DB", ("bot", "db"), "ml4sci.db"),
    "http_timeout": ("BOT_HTTP_TIMEOUT", ("bot", "http_timeout"), 20.0),
    # No defaults: a newsletter is named by its settings, else by its own feed or page.
    "newsletter_name": (None, ("newsletter", "name"), None),
    "newsletter_url": ("BOT_NEWSLETTER_URL", ("newsletter", "url"), None),
    "feed_url": ("BOT_FEED_URL", ("newsletter", "feed_url"), None),
    "subscribe_url": (None, ("newsletter", "subscribe_url"), None),
    "highlights": (None, ("compose", "highlights"), 5),
    "numbering": (None, ("compose", "numbering"), True),
    "langs": (None, ("compose", "langs"), ["en"]),
    "platforms": ("BOT_PLATFORMS", ("post", "platforms"), list(registry.DEFAULT_PLATFORMS)),
    "review_delay": (None, ("post", "review_delay"), "30m"),
    "poll_interval": (None, ("run", "poll_interval"), "10m"),
    "post_check_interval": (None, ("run", "post_check_interval"), "1m"),
    "require_approval": (None, ("run", "require_approval"), False),
    "serve_host": (None, ("serve", "host"), "127.0.0.1"),
    "serve_port": (None, ("serve", "port"), 8731),
    "serve_public_url": (None, ("serve", "public_url"), None),
    # each platform's endpoints, from the registry
    **{
        name: (variable, ("endpoints", key), default)
        for p in registry.registry()
        for name, (variable, key, default) in p.endpoints.items()
    },
}


@dataclass(frozen=True)
class Source:
    """One thing to harvest, as declared under ``[[sources]]`` in ``bot.toml``."""

    name: str
    platform: str
    kind: str
    target: str
    interval: dt.timedelta = dt.timedelta(hours=1)
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load`."""

    values: Mapping[str, Any]
    env: Mapping[str, str]
    sources: tuple[Source, ...] = ()
    config_path: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def db_path(self) -> Path:
        return Path(self.values["db"])

    @property
    def review_delay_td(self) -> dt.timedelta:
        return parse_duration(self.values["review_delay"], name="post.review_delay")

    @property
    def poll_interval_td(self) -> dt.timedelta:
        return parse_duration(self.values["poll_interval"], name="run.poll_interval")

    @property
    def post_check_interval_td(self) -> dt.timedelta:
        return parse_duration(self.values["post_check_interval"], name="run.post_check_interval")

    def secret(self, variable: str, *, purpose: str) -> str:
        """Return a secret's value, or raise a one-line error naming the variable."""
        value = self.env.get(variable, "").strip()
        if not value:
            raise MissingCredential(variable, purpose)
        return value

    def optional(self, variable: str) -> str | None:
        """Return a non-secret environment value (a handle, a user agent) or None."""
        value = self.env.get(variable, "").strip()
        return value or None

    def secret_values(self) -> list[str]:
        """Every secret value that is set, for scrubbing output and logs."""
        values = [self.env[v] for v in SECRET_VARS if self.env.get(v, "").strip()]
        if self.env.get("BOT_NOTIFY_URLS", "").strip():
            from bot.notices.urls import secret_parts

            values.extend(secret_parts(self.env["BOT_NOTIFY_URLS"]))
        return values

    def platform_options(self, platform: str) -> dict[str, Any]:
        """A platform's ``[<id>]`` table in bot.toml over the defaults its registry record gives."""
        record = registry.get(platform)
        defaults = record.options
        table = self.raw.get(platform) or {}
        unknown = sorted(set(table) - set(defaults))
        if unknown:
            known = ", ".join(defaults) or "none"
            raise ConfigError(f"unknown setting {platform}.{unknown[0]} in bot.toml (known: {known})")
        merged = {**defaults, **table}
        return record.check_options(merged) if record.check_options else merged

    def source(self, name: str) -> Source:
        for src in self.sources:
            if src.name == name:
                return src
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"unknown source {name!r} (known: {known})")


def load(
    config: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: str | Path | None = ".env",
) -> Settings:
    """Resolve settings from CLI ``overrides``, the environment, ``bot.toml`` and defaults."""
    env = _environment(environ, dotenv)
    path = _config_path(config, env)
    data = _read_toml(path) if path else {}
    values: dict[str, Any] = {}
    for name, (variable, toml_path, default) in _FIELDS.items():
        value = default
        found = _dig(data, toml_path)
        if found is not None:
            value = found
        if variable and env.get(variable, "").strip():
            value = env[variable].strip()
        if overrides and overrides.get(name) is not None:
            value = overrides[name]
        values[name] = value
    _normalise(values)
    return Settings(
        values=values,
        env=env,
        sources=_sources(data.get("sources", [])),
        config_path=path,
        raw=data,
    )


def _environment(environ: Mapping[str, str] | None, dotenv: str | Path | None) -> dict[str, str]:
    env: dict[str, str] = {}
    if dotenv and Path(dotenv).is_file():
        from dotenv import dotenv_values

        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return env


def _config_path(config: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if config:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        return path
    if env.get("BOT_CONFIG"):
        path = Path(env["BOT_CONFIG"])
        if not path.is_file():
            raise ConfigError(f"config file not found: {path} (from BOT_CONFIG)")
        return path
    default = Path("bot.toml")
    return default if default.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # here, not at the top: bot --help reads no config

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _dig(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _normalise(values: dict[str, Any]) -> None:
    if isinstance(values["platforms"], str):
        values["platforms"] = [p.strip() for p in values["platforms"].split(",") if p.strip()]
    for platform in values["platforms"]:
        if platform not in POST_PLATFORMS:
            raise ConfigError(
                f"unknown platform {platform!r} in post.platforms (use {', '.join(POST_PLATFORMS)})"
            )
    try:
        values["http_timeout"] = float(values["http_timeout"])
        values["highlights"] = int(values["highlights"])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid number in settings: {exc}") from None
    for flag in ("numbering", "require_approval"):
        if isinstance(values[flag], str):
            values[flag] = values[flag].lower() in ("1", "true", "yes", "on")
    try:
        values["serve_port"] = int(values["serve_port"])
    except (TypeError, ValueError):
        raise ConfigError(f"serve.port must be a number, not {values['serve_port']!r}") from None
    parse_duration(values["review_delay"], name="post.review_delay")
    parse_duration(values["poll_interval"], name="run.poll_interval")
    parse_duration(values["post_check_interval"], name="run.post_check_interval")


def _sources(entries: Any) -> tuple[Source, ...]:
    if not isinstance(entries, list):
        raise ConfigError("[[sources]] in bot.toml must be an array of tables")
    sources: list[Source] = []
    for index, entry in enumerate(entries, 1):
        where = f"source #{index}"
        name = entry.get("name")
        if not name:
            raise ConfigError(f"{where} in bot.toml has no name")
        platform = entry.get("platform")
        if platform not in PLATFORMS:
            known = ", ".join(PLATFORMS[:-1]) + f" or {PLATFORMS[-1]}"
            raise ConfigError(f"source {name!r}: unknown platform {platform!r} (use {known})")
        source_kinds = registry.get(platform).source_kinds
        kinds = [k for k in source_kinds if entry.get(k)]
        if len(kinds) != 1:
            wanted = " or ".join(source_kinds)
            raise ConfigError(f"source {name!r}: give exactly one of {wanted}")
        kind = kinds[0]
        options = {
            k: v for k, v in entry.items() if k not in ("name", "platform", "interval", kind)
        }
        sources.append(
            Source(
                name=name,
                platform=platform,
                kind=kind,
                target=str(entry[kind]),
                interval=parse_duration(entry.get("interval", "1h"), name=f"{name}.interval"),
                options=options,
            )
        )
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"duplicate source names in bot.toml: {', '.join(dupes)}")
    return tuple(sources)
