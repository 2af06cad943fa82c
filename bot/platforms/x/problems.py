"""Provide :func:`stop_verdict`: X's 2026 refusals, recognised by X's problem body.

X API v2 errors are RFC 7807 problems (``response-codes-and-errors.mdx``): ``type`` (a URI under
``https://api.x.com/2/problems/``), ``title``, ``detail``, sometimes more (``reason``). We
recognise each by its ``type``, ``title``, ``reason`` or ``detail``, never by the status alone:

* **credits**: requests are blocked while the balance is too low (``pricing.mdx``). X gives no
  body for it; we recognise a problem whose ``type`` or ``title`` speaks of credits (402 or 403).
* **usage cap**: ``type`` ``.../usage-capped`` ("Usage cap exceeded", a 429).
* **not enrolled**: ``type`` ``.../client-forbidden`` ("App not enrolled or lacks required
  access"), ``reason`` ``client-not-enrolled`` in X's MCP docs.
* **a reply X will not take**: since 2026-02-23 a self-serve app may reply only when the original
  post's author "summoned" it (an @mention or a quote), else "the reply request will be
  rejected" (a 403). X documents the rule, not the body, nor whether replying to one's own post
  counts; OUR MODEL of the body (``tests/fakes/x_billing.py``) is a 403 problem whose ``reason``
  is ``reply-not-permitted``, and we also take any 403 whose ``detail`` says a reply is not
  allowed or permitted, or speaks of being mentioned or summoned.
"""

from __future__ import annotations

import re
from typing import Any

from bot.publish.driver import Verdict, one_line, response_headers, response_status

_REPLY_REFUSED = re.compile(
    r"\brepl(?:y|ies|ying)\b.*\b(?:not (?:allowed|permitted)|mentioned|summon)", re.IGNORECASE)
_CREDITS = re.compile(r"credit", re.IGNORECASE)


def problem(exc: Exception) -> dict[str, Any]:
    """The problem body of an error's HTTP response ({} if it has none)."""
    response = getattr(exc, "response", None)
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return {}
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and "type" not in body:
        first = body["errors"][0] if body["errors"] else {}
        return first if isinstance(first, dict) else {}
    return body if isinstance(body, dict) else {}


def stop_verdict(exc: Exception, *, now: float) -> Verdict | None:
    """A :class:`Verdict` for X's credits, usage cap, enrolment and reply refusals, else None."""
    body = problem(exc)
    if not body:
        return None
    status = response_status(exc)
    kind, title = str(body.get("type", "")), str(body.get("title", ""))
    reason, detail = str(body.get("reason", "")), str(body.get("detail", ""))
    said = one_line(f"{title}: {detail}" if detail else title)
    if status in (402, 403) and (_CREDITS.search(kind.rsplit("/", 1)[-1]) or _CREDITS.search(title)):
        return Verdict("stopped", said, limit="X's credit balance is too low",
                       hint="add credits in X's Developer Console (console.x.com)")
    if kind.endswith("/usage-capped"):
        from bot.platforms.x.publish import resume_time

        retry_at, _which = resume_time(response_headers(exc), now=now)
        period = str(body.get("period", "")).lower()
        return Verdict("stopped", said, retry_at=retry_at,
                       limit=f"X's {period + ' ' if period else ''}usage cap is exceeded",
                       hint="wait for the cap to reset or raise it in X's Developer Console")
    if status == 403 and (reason == "reply-not-permitted" or _REPLY_REFUSED.search(detail)):
        return Verdict("thread_refused", said,
                       hint='X takes replies only where the original author summoned the account; '
                            'set [x] format = "single" to post later issues as one post')
    if reason == "client-not-enrolled" or kind.endswith("/client-forbidden"):
        return Verdict("stopped", said, limit="X refused the app as not enrolled",
                       hint="in X's Developer Console move the app to Pay-per-use and Production")
    return None
