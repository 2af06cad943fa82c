"""Provide what ``bot preview`` says about the stories: which were chosen and why, which were
left out, and the numbered list ``--stories`` prints (the numbers ``--pick`` takes)."""

from __future__ import annotations

from typing import Any

from bot.compose.plan import Plan
from bot.newsletter.model import Issue, Story

_SHOWN = 90


def _short(text: str, limit: int = _SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def story_line(story: Story) -> str:
    section = f"{story.section} · " if story.section else ""
    link = story.main_link or "(no link)"
    return f"{story.number:>3}. {section}{_short(story.headline or story.text)}\n       → {link}"


def list_text(issue: Issue) -> str:
    """Every story, numbered, with its section, headline and main link (and why that link)."""
    stories = issue.stories
    lines = [f"{len(stories)} stories in {issue.title!r} ({issue.kind}):"]
    for story in stories:
        lines.append(story_line(story) + (f"  ({story.why_link})" if story.main_link else ""))
    return "\n".join(lines) + "\n"


def choice_lines(plan: Plan) -> list[str]:
    """The chosen stories with their reasons, then those left out, by number."""
    lines = ["Stories chosen (posted in the issue's order):"]
    for h in plan.highlights:
        lines.append(f"  {h.story.number:>3}. {_short(h.story.headline)} — {h.reason}")
    if not plan.highlights:
        lines.append("  (none)")
    if plan.left_out:
        lines.append("Left out: " + ", ".join(f"{x.story.number}" + ("*" if x.reason == "no substance" else "") for x in plan.left_out)
                     + ("  (* no substance: a few words and no link)" if any(x.reason == "no substance" for x in plan.left_out) else ""))
    return lines


def choice_json(plan: Plan, issue: Issue) -> list[dict[str, Any]]:
    """Every story with ``chosen`` and the reason, for ``--format json``."""
    chosen = {h.story.number: h.reason for h in plan.highlights}
    left = {x.story.number: x.reason for x in plan.left_out}
    return [
        {
            "number": s.number,
            "section": s.section,
            "headline": s.headline,
            "main_link": s.main_link,
            "why_link": s.why_link,
            "chosen": s.number in chosen,
            "reason": chosen.get(s.number) or left.get(s.number, ""),
        }
        for s in issue.stories
    ]
