"""Provide logging set-up that never lets a secret through.

Every record passes :class:`Scrub`, which replaces each configured secret value with
``***`` in the message, its arguments and any exception text, whichever handler it goes to.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

REDACTED = "***"


class Scrub(logging.Filter):
    """Replace secret values in a log record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.scrub(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


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
