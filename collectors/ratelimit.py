"""Provide :class:`Policy`: bounded waiting on rate limits and bounded retries on failures.

The platforms say how long to wait in different headers: X sends ``x-rate-limit-reset``
(epoch seconds) and ``x-rate-limit-remaining``; Reddit sends ``x-ratelimit-reset`` (seconds
from now) and ``x-ratelimit-remaining``; either may send ``retry-after`` (seconds or an HTTP
date). A policy turns those into a wait, sleeps only while the wait is within ``max_wait``
and the run's total stays within ``max_total_wait``, and otherwise raises
:class:`~collectors.base.RateLimited` saying when to try again. The clock and the sleeper
are injected so tests never sleep.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from collectors.base import RateLimited


def utc_iso(epoch: float) -> str:
    """Format epoch seconds as ISO-8601 UTC text ending in ``Z``."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Policy:
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
    blocked_until: dict[str, float] = field(default_factory=dict)

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

    def observe(self, platform: str, headers: Mapping[str, str]) -> None:
        """Remember a window that the last response said is used up."""
        remaining = _number(headers.get("x-rate-limit-remaining", headers.get("x-ratelimit-remaining")))
        if remaining is not None and remaining <= 0:
            delay = reset_delay(headers, now=self.clock())
            if delay is not None:
                self.blocked_until[platform] = self.clock() + delay

    def on_too_many(self, platform: str, headers: Mapping[str, str]) -> None:
        """Handle a 429: wait as told (within bounds) or raise :class:`RateLimited`."""
        delay = reset_delay(headers, now=self.clock())
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


def reset_delay(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds until the platform accepts requests again, from whichever header it sent."""
    retry_after = headers.get("retry-after")
    if retry_after:
        seconds = _number(retry_after)
        if seconds is None:
            try:
                seconds = email.utils.parsedate_to_datetime(retry_after).timestamp() - now
            except (TypeError, ValueError):
                seconds = None
        if seconds is not None:
            return max(0.0, seconds)
    epoch = _number(headers.get("x-rate-limit-reset"))  # X: epoch seconds
    if epoch is not None:
        # +1: the reset second itself may still be inside the old window.
        return max(0.0, epoch - now + 1)
    seconds = _number(headers.get("x-ratelimit-reset"))  # Reddit: seconds from now
    if seconds is not None:
        return max(0.0, seconds)
    return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None
