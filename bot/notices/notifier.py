"""Provide :class:`Notifier`: one notice to every URL in ``BOT_NOTIFY_URLS``, never an error.

Each URL is its own Apprise service, so one that fails (refused, timed out, a typo) is one
warning naming it in Apprise's privacy form (passwords and tokens masked) and scrubbed of
every secret, while the others still get the notice and posting goes on.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import msgspec

from bot.log import Scrub
from bot.notices.urls import secret_parts, split_urls

log = logging.getLogger("bot.notices")


class Delivery(msgspec.Struct, frozen=True):
    delivered: int = 0
    failed: int = 0


class Notice(msgspec.Struct, frozen=True):
    """A notice: a title, a plain-text body and optionally an HTML page to attach."""

    kind: str  # new, posted, refused, stuck
    title: str
    body: str
    html: str | None = None
    attachment_name: str = "preview.html"


class Notifier:
    """Sends notices to Apprise URLs; with none configured, sending is a no-op."""

    def __init__(self, urls: Sequence[str], *, secrets: Sequence[str] = ()) -> None:
        self.urls = list(urls)
        self._scrub = Scrub([*secrets, *secret_parts(",".join(self.urls))])

    @classmethod
    def from_settings(cls, settings) -> Notifier:
        value = settings.env.get("BOT_NOTIFY_URLS", "")
        return cls(split_urls(value), secrets=settings.secret_values())

    def __bool__(self) -> bool:
        return bool(self.urls)

    def send(self, notice: Notice) -> Delivery:
        """Deliver ``notice`` to every URL; count what was accepted and what was not."""
        if not self.urls:
            return Delivery()
        import apprise

        # Our one warning per failed notifier replaces Apprise's own (which may quote a URL).
        logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)
        title, body = self._scrub.scrub(notice.title), self._scrub.scrub(notice.body)
        with tempfile.TemporaryDirectory(prefix="ml4sci-notice-") as tmp:
            attach = None
            if notice.html is not None:
                path = Path(tmp) / notice.attachment_name
                path.write_text(self._scrub.scrub(notice.html), encoding="utf-8")
                attach = apprise.AppriseAttachment(str(path))
            delivered = failed = 0
            for number, url in enumerate(self.urls, 1):
                if self._one(apprise, number, url, title=title, body=body, attach=attach):
                    delivered += 1
                else:
                    failed += 1
        return Delivery(delivered, failed)

    def _one(self, apprise, number: int, url: str, *, title: str, body: str, attach) -> bool:
        service = apprise.Apprise()
        if not service.add(url):
            log.warning("notice %r not sent: BOT_NOTIFY_URLS entry %d is not an Apprise URL",
                        title, number)
            return False
        where = self._scrub.scrub(_where(service[0].url(privacy=True)))
        try:
            ok = service.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT,
                                attach=attach)
        except Exception as exc:  # a notifier's bug must not stop posting either
            ok = False
            log.debug("notifier %d raised %s", number, type(exc).__name__)
        if not ok:
            log.warning("notice %r not delivered to %s (BOT_NOTIFY_URLS entry %d)", title,
                        where, number)
        return bool(ok)


def _where(url: str) -> str:
    """A notifier named by its scheme, host and port only: no user, path or query, where
    Apprise URLs keep their tokens."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname or ''}{port}"
    except ValueError:
        return url.split(":", 1)[0]
