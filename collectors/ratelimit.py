"""Provide :class:`Policy`: bounded waiting on rate limits and bounded retries on failures.

Each platform says how long to wait in headers of its own, described by its collector's
:class:`RateHeaders` (which header counts what is left, which one says when the window
reopens, and in what form: epoch seconds, seconds from now, or an ISO time); any may send
``retry-after`` (seconds or an HTTP date). A policy turns those into a wait, sleeps only while
the wait is within ``max_wait`` and the run's total stays within ``max_total_wait``, and
otherwise raises :class:`~collectors.base.RateLimited` saying when to try again. The clock and
the sleeper are injected so tests never sleep.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Literal

import msgspec

from collectors.base import RateLimited


def utc_iso(epoch: float) -> str:
    """Format epoch seconds as ISO-8601 UTC text ending in ``Z``."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class RateHeaders(msgspec.Struct, frozen=True):
    """Where one platform's answers say how much of the window is left and when it reopens."""

    remaining: str  #: e.g. ``x-rate-limit-remaining``
    reset: str  #: e.g. ``x-rate-limit-reset``
    form: Literal["epoch", "seconds", "iso"]  #: how ``reset`` is written
    #: seconds added to an epoch reset: the reset second itself may still be inside the old window
    slack: float = 0.0
    #: the reset header wins over ``retry-after`` (Bluesky sends both, the reset is exact)
    reset_first: bool = False

    def delay(self, headers: Mapping[str, str], *, now: float) -> float | None:
        """Seconds until the platform accepts requests again, or None if it did not say."""
        found = (self._reset(headers, now), _retry_after(headers, now))
        for seconds in (found if self.reset_first else reversed(found)):
            if seconds is not None:
                return max(0.0, seconds)
        return None

    def reset_at(self, headers: Mapping[str, str], *, now: float) -> float | None:
        """When (epoch seconds) the window reopens, as the platform said: an absolute reset is
        kept as it is, however far the local clock is from the platform's."""
        found = self._reset(headers, now)
        if found is not None and self.form != "seconds":
            return found + now - self.slack
        seconds = self.delay(headers, now=now)
        return now + seconds if seconds is not None else None

    def used_up(self, headers: Mapping[str, str]) -> bool:
        remaining = _number(headers.get(self.remaining))
        return remaining is not None and remaining <= 0

    def _reset(self, headers: Mapping[str, str], now: float) -> float | None:
        value = headers.get(self.reset)
        if value is None:
            return None
        if self.form == "iso":
            try:
                moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
            except ValueError:
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return moment.timestamp() - now
        number = _number(value)
        if number is None:
            return None
        return number - now + self.slack if self.form == "epoch" else number


class Policy(msgspec.Struct):
    """How long a run may wait for a platform, and how often it retries a failure."""

    max_wait: float = 60.0  # seconds, for any single wait
    max_total_wait: float = 300.0  # seconds, summed over the whole run
    retries: int = 3  # extra attempts after a 5xx or a dropped connection
    backoff: float = 1.0  # first retry delay in seconds; doubles each time
    max_backoff: float = 30.0
    clock: Callable[[], float] = time.time
    sleeper: Callable[[float], None] = time.sleep
    waited: float = 0.0
    #: when each platform's window opens again, learnt from ``remaining: 0`` headers
    blocked_until: dict[str, float] = msgspec.field(default_factory=dict)

    def wait(self, seconds: float, *, platform: str, reason: str) -> None:
        """Sleep ``seconds`` if the policy allows it, else raise :class:`RateLimited`."""
        seconds = max(0.0, seconds)
        if seconds > self.max_wait or self.waited + seconds > self.max_total_wait:
            retry_at = utc_iso(self.clock() + seconds)
            raise RateLimited(platform, retry_at, f"{reason}; would wait {seconds:.0f}s")
        if seconds:
            self.waited += seconds
            self.sleeper(seconds)

    def before_request(self, platform: str) -> None:
        """Wait for a window the platform said was used up, before asking again."""
        until = self.blocked_until.get(platform)
        if until is None:
            return
        remaining = until - self.clock()
        if remaining > 0:
            self.wait(remaining, platform=platform, reason="rate limit window used up")
        self.blocked_until.pop(platform, None)

    def observe(self, platform: str, headers: Mapping[str, str], rate: RateHeaders) -> None:
        """Remember a window that the last response said is used up."""
        if rate.used_up(headers):
            delay = rate.delay(headers, now=self.clock())
            if delay is not None:
                self.blocked_until[platform] = self.clock() + delay

    def on_too_many(self, platform: str, headers: Mapping[str, str], rate: RateHeaders) -> None:
        """Handle a 429: wait as told (within bounds) or raise :class:`RateLimited`."""
        delay = rate.delay(headers, now=self.clock())
        if delay is None:
            # No reset header: never guess a long wait, and never loop on it.
            delay = self.backoff_delay(0)
        self.wait(delay, platform=platform, reason="HTTP 429 Too Many Requests")

    def backoff_delay(self, attempt: int) -> float:
        """The delay before retry number ``attempt`` (0-based): exponential, capped."""
        return min(self.max_backoff, self.backoff * (2**attempt))

    def sleep_backoff(self, attempt: int, *, platform: str, reason: str) -> None:
        """Sleep before a retry, counting it against the run's total."""
        self.wait(self.backoff_delay(attempt), platform=platform, reason=reason)


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """``retry-after``: seconds, or an HTTP date."""
    retry_after = headers.get("retry-after")
    if not retry_after:
        return None
    seconds = _number(retry_after)
    if seconds is None:
        try:
            seconds = email.utils.parsedate_to_datetime(retry_after).timestamp() - now
        except (TypeError, ValueError):
            return None
    return seconds


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None
