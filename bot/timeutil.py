"""Provide time helpers: ISO-8601 UTC text, durations like ``30m``, and an injectable clock."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from bot.errors import ConfigError

UTC = dt.timezone.utc
Clock = Callable[[], dt.datetime]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware, in UTC."""
    return dt.datetime.now(UTC)


def iso(moment: dt.datetime | None = None) -> str:
    """Format a moment as ISO-8601 UTC text with a ``Z`` suffix (the storage format)."""
    moment = moment or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> dt.datetime:
    """Parse ISO-8601 text (``Z`` or an offset); naive times are taken as UTC."""
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_duration(value: str | int | float, *, name: str = "duration") -> dt.timedelta:
    """Parse ``90``, ``90s``, ``30m``, ``2h``, ``7d`` or ``1w`` into a timedelta."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return dt.timedelta(seconds=value)
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigError(
                f"invalid {name} {value!r}: use a number with s, m, h, d or w (e.g. 30m)"
            )
        number, unit = match.groups()
        return dt.timedelta(seconds=float(number) * _UNITS[(unit or "s").lower()])
    except (OverflowError, ValueError):  # beyond timedelta's 999,999,999 days, or NaN
        raise ConfigError(f"invalid {name} {value!r}: too long (at most 999999999d)") from None


def before(moment: dt.datetime, span: dt.timedelta) -> dt.datetime:
    """``moment - span``, or the earliest time there is when ``span`` reaches back beyond it
    (``--since 99999999d`` means "everything", not an OverflowError).
    """
    try:
        return moment - span
    except OverflowError:
        return dt.datetime.min.replace(tzinfo=moment.tzinfo)
