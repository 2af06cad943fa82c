"""Provide :class:`Settings`: one place that resolves every setting.

Precedence, highest first: a CLI option, the environment (real variables, then ``.env``),
``bot.toml``, the built-in default. Secrets come only from the environment or ``.env``, never
from ``bot.toml``, and are handed out one at a time by :meth:`Settings.secret`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from bot import config_types as types
from bot import platforms as registry
from bot.errors import ConfigError, MissingCredential
from bot.timeutil import parse_duration
from bot.weburl import shown

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

# name -> (environment variable or None, path in bot.toml, default, type check)
_FIELDS: dict[str, tuple[str | None, tuple[str, ...], Any, types.Check]] = {
    "db": ("BOT_DB", ("bot", "db"), "ml4sci.db", types.path),
    "http_timeout": ("BOT_HTTP_TIMEOUT", ("bot", "http_timeout"), 20.0, types.positive_number),
    # No defaults: a newsletter is named by its settings, else by its own feed or page.
    "newsletter_name": (None, ("newsletter", "name"), None, types.optional(types.text)),
    "newsletter_url": ("BOT_NEWSLETTER_URL", ("newsletter", "url"), None, types.optional(types.web_url)),
    "feed_url": ("BOT_FEED_URL", ("newsletter", "feed_url"), None, types.optional(types.feed_source)),
    "subscribe_url": (None, ("newsletter", "subscribe_url"), None, types.optional(types.web_url)),
    "highlights": (None, ("compose", "highlights"), 5, types.count),
    "numbering": (None, ("compose", "numbering"), True, types.boolean),
    "langs": (None, ("compose", "langs"), ["en"], types.strings),
    "platforms": (
        "BOT_PLATFORMS", ("post", "platforms"), list(registry.DEFAULT_PLATFORMS), types.strings
    ),
    "review_delay": (None, ("post", "review_delay"), "30m", types.duration(positive=False)),
    "poll_interval": (None, ("run", "poll_interval"), "10m", types.duration(positive=True)),
    "post_check_interval": (
        None, ("run", "post_check_interval"), "1m", types.duration(positive=True)
    ),
    "require_approval": (None, ("run", "require_approval"), False, types.boolean),
    "serve_host": (None, ("serve", "host"), "127.0.0.1", types.text),
    "serve_port": (None, ("serve", "port"), 8731, types.port),
    "serve_public_url": (None, ("serve", "public_url"), None, types.optional(types.web_url)),
    # each platform's endpoints, from the registry: http(s) URLs only
    **{
        name: (variable, ("endpoints", key), default,
               types.web_url if default is not None else types.optional(types.web_url))
        for p in registry.registry()
        for name, (variable, key, default) in p.endpoints.items()
    },
}

#: Tables read elsewhere (their own module checks them), with their keys, for the typo hint.
_OTHER_KEYS = {
    ("harvest", "max_wait"): types.duration(positive=False),
    ("harvest", "max_total_wait"): types.duration(positive=False),
    # each platform that charges for reads has a daily harvest budget (bot.harvest.budget)
    **{("harvest", f"{p.id}_max_cost_per_day"): types.dollars for p in registry.registry() if p.read_price},
}
# bot.digest.options checks its keys itself; each platform's [<id>] table, platform_options
_OWN_TABLES = ("digest", *registry.ids())

_SOURCE_KINDS = {p.id: p.source_kinds for p in registry.registry() if p.source_kinds}


class Source(msgspec.Struct, frozen=True):
    """One thing to harvest, as declared under ``[[sources]]`` in ``bot.toml``."""

    name: str
    platform: str
    kind: str
    target: str
    interval: dt.timedelta = dt.timedelta(hours=1)
    options: Mapping[str, Any] = msgspec.field(default_factory=dict)


class Settings(msgspec.Struct, frozen=True):
    """Resolved settings; build with :func:`load`."""

    values: Mapping[str, Any]
    env: Mapping[str, str]
    sources: tuple[Source, ...] = ()
    config_path: Path | None = None
    raw: Mapping[str, Any] = msgspec.field(default_factory=dict)
    #: what the CLI prints as ``Warning: ...`` lines: unknown keys, with the nearest known one
    warnings: tuple[str, ...] = ()

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
        """Every secret that is set, in every form output could show it, for scrubbing."""
        return secret_values(self.env)

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


def secret_values(env: Mapping[str, str]) -> list[str]:
    """The secrets in ``env`` in each form that can reach output (see :func:`bot.log.secret_forms`),
    and Reddit's HTTP basic-auth header value, which carries the client secret base64-encoded.
    """
    from bot.log import secret_forms

    forms: set[str] = set()
    for variable in SECRET_VARS:
        value = env.get(variable, "")
        if isinstance(value, str) and value.strip():
            forms |= secret_forms(value)
    notify = env.get("BOT_NOTIFY_URLS", "")
    if isinstance(notify, str) and notify.strip():  # each Apprise URL's tokens and passwords
        from bot.notices.urls import secret_parts

        for part in secret_parts(notify):
            forms |= secret_forms(part)
    client_id, client_secret = env.get("REDDIT_CLIENT_ID", ""), env.get("REDDIT_CLIENT_SECRET", "")
    if isinstance(client_secret, str) and client_secret.strip():
        pair = f"{str(client_id).strip()}:{client_secret.strip()}".encode("utf-8", "replace")
        import base64

        forms.add(base64.b64encode(pair).decode("ascii"))
    return sorted(forms, key=len, reverse=True)


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
    label = path.name if path else "bot.toml"
    values: dict[str, Any] = {}
    for name, (variable, toml_path, default, check) in _FIELDS.items():
        # Each value given is checked, not only the one in effect: a wrong type in bot.toml
        # is wrong even while an environment variable or an option overrides it.
        value = default
        found = _dig(data, toml_path, label=label)
        if found is not None:
            value = _checked(check, found, f"{label}: {'.'.join(toml_path)}", False)
        if variable and env.get(variable, "").strip():
            value = _checked(check, env[variable].strip(), variable, True)
        if overrides and overrides.get(name) is not None:
            value = _checked(check, overrides[name], f"--{name}", True)
        values[name] = value
    for toml_path, check in _OTHER_KEYS.items():
        found = _dig(data, toml_path, label=label)
        if found is not None:
            _checked(check, found, f"{label}: {'.'.join(toml_path)}", False)
    _normalise(values)
    sources = _read_sources(data.get("sources", []), label=label)
    return Settings(
        values=values,
        env=env,
        sources=tuple(source for source, _ in sources),
        config_path=path,
        raw=data,
        warnings=(*_unknown_keys(data, label=label), *(w for _, found in sources for w in found)),
    )


def _checked(check: types.Check, value: Any, where: str, from_env: bool) -> Any:
    try:
        return check(value, from_env)
    except types.Wrong as wrong:
        raise ConfigError(f"{where} must be {wrong.expected}, not {_show(value)}") from None


def _show(value: Any) -> str:
    return shown(repr(value))


def _unknown_keys(data: Mapping[str, Any], *, label: str) -> list[str]:
    """A warning per key of bot.toml that nothing reads, naming the nearest known key."""
    known = {".".join(p) for _, p, _, _ in _FIELDS.values()} | {".".join(p) for p in _OTHER_KEYS}
    tables = {k.partition(".")[0] for k in known} | {"sources", *_OWN_TABLES}
    found: list[str] = []
    for key, value in data.items():
        if key in ("sources", *_OWN_TABLES):
            continue
        if key in tables and isinstance(value, Mapping):
            found += [f"{key}.{inner}" for inner in value if f"{key}.{inner}" not in known]
        elif key not in tables:
            found.append(key)
    warnings = []
    for key in found:
        near = types.nearest(key, sorted(known | tables) if "." not in key else sorted(known))
        hint = f" (did you mean {near}?)" if near else ""
        warnings.append(f"{label}: unknown key {key} is ignored{hint}")
    return warnings


def _environment(environ: Mapping[str, str] | None, dotenv: str | Path | None) -> dict[str, str]:
    env: dict[str, str] = {}
    if dotenv and Path(dotenv).is_file():
        from dotenv import dotenv_values

        try:
            text = Path(dotenv).read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            line = Path(dotenv).read_bytes()[: exc.start].count(b"\n") + 1
            raise ConfigError(
                f"{dotenv} is not UTF-8 text: byte 0x{exc.object[exc.start]:02x} on line {line}"
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read {dotenv}: {exc.strerror or exc}") from None
        import io

        env.update({k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None})
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


def _dig(data: Mapping[str, Any], path: tuple[str, ...], *, label: str) -> Any:
    node: Any = data
    for depth, key in enumerate(path):
        if not isinstance(node, Mapping):
            table = ".".join(path[:depth])
            raise ConfigError(f"{label}: [{table}] must be a table, not {_show(node)}")
        if key not in node:
            return None
        node = node[key]
    return node


def _normalise(values: dict[str, Any]) -> None:
    for platform in values["platforms"]:
        if platform not in POST_PLATFORMS:
            raise ConfigError(
                f"unknown platform {platform!r} in post.platforms (use {', '.join(POST_PLATFORMS)})"
            )


#: the options each platform's sources may carry, with their types (its registry record says)
_SOURCE_OPTIONS: dict[str, dict[str, types.Check]] = {
    p.id: dict(p.source_options) for p in registry.registry() if p.source_kinds
}
_SOURCE_KEYS = ("name", "platform", "interval")


def _read_sources(entries: Any, *, label: str) -> list[tuple[Source, list[str]]]:
    if not isinstance(entries, list):
        raise ConfigError(f"{label}: sources must be an array of tables ([[sources]]), not {_show(entries)}")
    read = [_source(entry, index, label=label) for index, entry in enumerate(entries, 1)]
    names = [source.name for source, _ in read]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"duplicate source names in {label}: {', '.join(dupes)}")
    return read


def _source(entry: Any, index: int, *, label: str) -> tuple[Source, list[str]]:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{label}: source #{index} must be a table ([[sources]]), not {_show(entry)}")
    if not entry.get("name") and entry.get("name") != 0:
        raise ConfigError(f"source #{index} in {label} has no name")
    name = _checked(types.text, entry["name"], f"{label}: source #{index} name", False)
    where = f"{label}: source {name!r}"
    platform = entry.get("platform")
    if platform not in _SOURCE_KINDS:
        raise ConfigError(
            f"source {name!r}: unknown platform {_show(platform)} (use {', '.join(_SOURCE_KINDS)})"
        )
    kinds = [k for k in _SOURCE_KINDS[platform] if k in entry]
    if len(kinds) != 1:
        wanted = " or ".join(_SOURCE_KINDS[platform])
        raise ConfigError(f"source {name!r}: give exactly one of {wanted}")
    kind = kinds[0]
    target = _checked(types.text, entry[kind], f"{where} {kind}", False)
    interval = _checked(types.duration(positive=True), entry.get("interval", "1h"),
                        f"{where} interval", False)
    allowed = _SOURCE_OPTIONS[platform]
    options: dict[str, Any] = {}
    warnings: list[str] = []
    for key, value in entry.items():
        if key in (*_SOURCE_KEYS, kind):
            continue
        if key in allowed:
            options[key] = _checked(allowed[key], value, f"{where} {key}", False)
            continue
        options[key] = value  # kept: the platform's collector decides (and may refuse it)
        near = types.nearest(key, [*_SOURCE_KEYS, *_SOURCE_KINDS[platform], *allowed])
        hint = f" (did you mean {near}?)" if near else ""
        warnings.append(f"{where}: unknown key {key}{hint}")
    source = Source(
        name=name, platform=platform, kind=kind, target=target,
        interval=parse_duration(interval, name=f"{name}.interval"), options=options,
    )
    return source, warnings
