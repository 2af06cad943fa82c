"""Provide :func:`account_problem`: X's 2026 refusals of a harvesting account, by problem body."""

from __future__ import annotations


def account_problem(exc: Exception) -> str | None:
    """X's 2026 refusals of the account itself, by their problem body (``type``/``title``/``reason``):
    credits too low (a problem about credits: X documents the rule, not the body) and an app not
    enrolled (``client-forbidden``, ``client-not-enrolled``)."""
    try:
        body = exc.response.json()  # type: ignore[attr-defined]
    except Exception:
        return None
    if not isinstance(body, dict):
        return None
    kind, title = str(body.get("type", "")), str(body.get("title", ""))
    if "credit" in kind.rsplit("/", 1)[-1].lower() or "credit" in title.lower():
        return "X's credit balance is too low to read: add credits in X's Developer Console (console.x.com)"
    if body.get("reason") == "client-not-enrolled" or kind.endswith("/client-forbidden"):
        return ("X refused the app as not enrolled (client-not-enrolled): move it to Pay-per-use and "
                "Production in X's Developer Console")
    return None
