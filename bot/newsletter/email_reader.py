"""Provide the email reader: a newsletter as it arrived in an inbox (a saved ``.eml``).

The ``Subject`` is the title, ``From`` names the newsletter (its display name), ``Date`` is
when it was published; the body is the HTML part when there is one (read by the HTML reader,
email chrome and all: "View in browser", preferences and unsubscribe links are furniture),
else the plain-text part. Headers never become stories.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
from typing import Any

import re

import msgspec

from bot.errors import InputError
from bot.newsletter.model import Issue
from bot.timeutil import iso

_VIEW_ONLINE = re.compile(
    r"(?:view|read|open)(?: this)?(?: (?:email|post|issue|newsletter))? (?:in|on) (?:your |the )?(?:browser|web)"
    r"|(?:view|read) (?:it )?online",
    re.IGNORECASE,
)
_VIEW_ONLINE = re.compile(rf"(?:{_VIEW_ONLINE.pattern})\W*<?(https?://\S+)", re.IGNORECASE)
_MAIL_HEADERS = ("from", "to", "subject", "date", "message-id", "mime-version", "received", "return-path", "delivered-to")


def parse_email(text: str, *, source: str) -> Issue:
    message = email.message_from_string(text, policy=email.policy.default)
    if not any(key.lower() in _MAIL_HEADERS for key in message.keys()):
        raise InputError(f"{source} looks like an email but has no mail headers")
    subject = str(message.get("subject") or "").strip()
    name, _address = email.utils.parseaddr(str(message.get("from") or ""))
    published = _date(message.get("date"))
    html_part = message.get_body(preferencelist=("html",))
    if html_part is not None:
        from bot.newsletter.html import parse_page

        issue = parse_page(_content(html_part), source=source)
    else:
        plain = message.get_body(preferencelist=("plain",))
        if plain is None:
            raise InputError(f"{source} is an email without a text or HTML body")
        from bot.newsletter.text import parse_text

        # The subject is the title: the body's first line is not.
        body = _content(plain)
        issue = parse_text(f"{subject}\n\n{body}", source=source)
        online = _VIEW_ONLINE.search(body)
        if online and not issue.url:
            issue = msgspec.structs.replace(issue, url=online.group(1).rstrip(".,;)>"))
    from bot.newsletter.identity import clean_title

    from bot.newsletter.items import issue_number

    newsletter = issue.newsletter or name.strip()
    title = clean_title(subject, newsletter=newsletter) if subject else issue.title
    return msgspec.structs.replace(
        issue,
        title=title,
        number=issue.number or issue_number(title),
        newsletter=newsletter,
        published_at=issue.published_at or published,
    )


def _content(part: Any) -> str:
    try:
        return str(part.get_content())
    except (LookupError, ValueError) as exc:
        raise InputError(f"cannot decode the email body: {exc}") from None


def _date(value: Any) -> str | None:
    if not value:
        return None
    try:
        return iso(email.utils.parsedate_to_datetime(str(value)))
    except (TypeError, ValueError):
        return None
