"""Provide logging set-up that never lets a secret through.

Every record passes :class:`Scrub`, which replaces each configured secret value with
``***`` in the message, its arguments and any exception text, whichever handler it goes to.
The CLI's error lines and ``--debug`` tracebacks go through the same :class:`Scrub`.

A secret is scrubbed in every form that can reach output (:func:`secret_forms`): as set, as
used (stripped: a ``.env`` value with a trailing space or ``\r`` is sent without it, and
tweepy's debug log prints the header it sent), and URL-encoded.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "***"
#: Shorter secrets are masked only where they stand alone (``Bearer abc``, ``'abc'``), so a
#: one-letter test password does not turn every "b" of the output into ``***``.
_SUBSTRING_MIN = 8


def secret_forms(value: str) -> set[str]:
    """Every form of one secret that can reach output: raw, stripped and URL-encoded."""
    forms = {value, value.strip()}
    for form in list(forms):
        forms.update({quote(form, safe=""), quote_plus(form, safe=""), quote(form)})
    return {f for f in forms if f.strip()}


class Scrub(logging.Filter):
    """Replace secret values in a log record (and, with :meth:`scrub`, in any text)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        unique = {s for s in secrets if s and s.strip()}
        self.secrets = sorted(unique, key=len, reverse=True)
        short = [s for s in self.secrets if len(s) < _SUBSTRING_MIN]
        self._short = (
            re.compile("|".join(rf"(?<![\w-]){re.escape(s)}(?![\w-])" for s in short))
            if short else None
        )

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            if len(secret) >= _SUBSTRING_MIN:
                text = text.replace(secret, REDACTED)
        if self._short is not None:
            text = self._short.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.scrub(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
            for key, value in vars(record).items():  # ``extra`` fields the JSON log shows
                if key not in _PLAIN and isinstance(value, str):
                    setattr(record, key, self.scrub(value))
        return True


_PLAIN = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    _plain = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in self._plain})
        if record.exc_text:
            payload["error"] = record.exc_text
        import json  # only the JSON log format needs it

        return json.dumps(payload, default=str, ensure_ascii=False)


def setup_logging(
    *, level: int = logging.WARNING, fmt: str = "text", secrets: Iterable[str] = ()
) -> Scrub:
    """Configure the root logger on stderr with a scrubbing filter; return the filter."""
    scrub = Scrub(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(scrub)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party libraries log request URLs and headers at DEBUG; keep them quiet.
    for noisy in ("urllib3", "httpx", "httpcore", "requests_oauthlib", "oauthlib", "prawcore"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    return scrub
