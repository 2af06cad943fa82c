"""Provide :class:`Billing`: the fake X's 2026 rules, pay-per-use and the reply restriction.

What X's developer docs say (``xdevplatform/docs`` at 2871328, 2026-08-22) and how the fake
plays it:

* Prices (``pricing.mdx``, effective 2026-04-20): a post $0.015, one with a URL $0.20, a
  summoned reply $0.01; owned reads (``GET /2/users/{id}/tweets`` of the app's own account)
  $0.001 per post returned. ``ledger`` holds every charge; ``spent()`` adds them up.
* Credits run out: after ``credit_posts`` more created posts, a create is refused with 402
  and a problem body about credits, and nothing is created. X's docs give no body for this;
  the one below is OUR MODEL of it in X's documented problem format (``type``/``title``/``detail``).
* A usage cap (``usage_capped``): 429 with X's ``usage-capped`` problem type.
* ``not_enrolled``: 403 with X's ``client-forbidden`` problem type, reason ``client-not-enrolled``.
* Replies (since 2026-02-23, ``changelog.mdx``): programmatic replies only when the original
  post's author "summoned" the replier (an @mention or a quote), else "the reply request will
  be rejected". ``reply_policy``: ``"self"`` (replies to the account's own posts pass: the
  docs do not say that they do, nor that they do not), ``"summoned"`` (a reply passes only to
  a post that @mentions the account: a self-reply is refused) or ``"open"`` (the 2024 API).
  X's docs do not give the body verbatim: :data:`REPLY_NOT_PERMITTED` is OUR MODEL of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.common import Reply

PROBLEMS = "https://api.x.com/2/problems/"
PRICE_POST, PRICE_URL_POST, PRICE_SUMMONED, PRICE_OWNED_READ = 0.015, 0.200, 0.010, 0.001


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status, **extra}


#: OUR MODEL of X's refusal of an unsummoned reply (X documents the rule, not the body).
REPLY_NOT_PERMITTED = problem(
    403, "Forbidden",
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
    "engaged by the author of the post you are replying to.",
    PROBLEMS + "client-forbidden", reason="reply-not-permitted")
#: OUR MODEL of a request refused for want of credits (X documents the rule, not the body).
NO_CREDITS = problem(
    402, "Insufficient credits",
    "Your account's credit balance is too low for this request. Add credits in the Developer "
    "Console (console.x.com).", PROBLEMS + "insufficient-credits")
#: X's documented usage-cap problem type, with the fields X's cap errors carry.
USAGE_CAPPED = problem(429, "UsageCapExceeded", "Usage cap exceeded: Monthly product cap",
                       PROBLEMS + "usage-capped", period="Monthly", scope="Product")
#: X's documented client-forbidden type; ``client-not-enrolled`` is the reason X's MCP docs name.
NOT_ENROLLED = problem(
    403, "Client Forbidden",
    "When authenticating requests to the X API v2 endpoints, you must use keys and tokens from an "
    "App that is enrolled in a package (Pay-per-use) and environment (Production).",
    PROBLEMS + "client-forbidden", reason="client-not-enrolled",
    registration_url="https://console.x.com", required_enrollment="Pay-per-use")


@dataclass
class Billing:
    """The account's credits, caps, enrolment and reply rule, and what each request cost."""

    username: str
    reply_policy: str = "self"
    credit_posts: int | None = None  # posts the balance still pays for; None: plenty
    usage_capped: bool = False
    usage_cap_reset: int | None = None  # epoch seconds, sent as x-rate-limit-reset
    not_enrolled: bool = False
    ledger: list[tuple[str, float]] = field(default_factory=list)

    def spent(self) -> float:
        return round(sum(usd for _, usd in self.ledger), 6)

    def gate(self, *, create: bool) -> Reply | None:
        """A refusal that comes before anything else is looked at, or None."""
        if self.not_enrolled:
            return Reply(body=NOT_ENROLLED, status=403)
        if self.usage_capped:
            headers = {"x-rate-limit-reset": str(self.usage_cap_reset)} if self.usage_cap_reset else {}
            return Reply(body=USAGE_CAPPED, status=429, headers=headers)
        if create and self.credit_posts is not None and self.credit_posts <= 0:
            return Reply(body=NO_CREDITS, status=402)
        return None

    def reply_refused(self, parent_text: str, parent_author_is_us: bool) -> bool:
        if self.reply_policy == "open":
            return False
        if self.reply_policy == "self" and parent_author_is_us:
            return False
        return not re.search(rf"@{re.escape(self.username)}\b", parent_text, re.IGNORECASE)

    def charge_create(self, text: str, *, has_url: bool, reply: bool) -> None:
        summoned = reply and self.reply_policy == "summoned"
        price = PRICE_SUMMONED if summoned else PRICE_URL_POST if has_url else PRICE_POST
        self.ledger.append(("POST /2/tweets", price))
        if self.credit_posts is not None:
            self.credit_posts -= 1

    def charge_owned_reads(self, count: int) -> None:
        self.ledger.append(("GET /2/users/:id/tweets", round(count * PRICE_OWNED_READ, 6)))
