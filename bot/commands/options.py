"""Provide the options ``bot preview`` and ``bot post`` share, so they choose the same thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from bot.errors import BotError
from bot.settings import POST_PLATFORMS


def issue_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--platform``, ``--pick``, ``--highlights`` and ``--url``."""
    for option in reversed(
        [
            click.option(
                "--platform", type=click.Choice(POST_PLATFORMS), multiple=True,
                help="Only this platform (repeatable; default: [post].platforms).",
            ),
            click.option(
                "--pick", multiple=True, metavar="N[,N...]",
                help="Use these stories (by number: see --stories) as highlights, in this order.",
            ),
            click.option(
                "--highlights", type=click.IntRange(0, 25), default=None,
                help="How many highlight posts (default: [compose].highlights).",
            ),
            click.option(
                "--url", default=None,
                help="The issue's canonical URL, for files that do not carry one.",
            ),
            click.option(
                "--entry", default=None, metavar="N|GUID|URL",
                help="Which entry of a feed (1 = newest, or its guid or link; default: the newest).",
            ),
        ]
    ):
        command = option(command)
    return command


def parse_pick(values: tuple[str, ...]) -> list[int] | None:
    """``--pick 3 --pick 5,7`` → ``[3, 5, 7]``."""
    picked: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or int(part) < 1:
                raise BotError(f"--pick takes story numbers (1, 2, ...), not {part!r}")
            picked.append(int(part))
    return picked or None


def write_output(path: str, text: str) -> None:
    """Write a page or draft to ``path``; a missing directory or a read-only place is one line."""
    from pathlib import Path

    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BotError(f"cannot write {path}: {exc.strerror or exc}") from None


def draft_note(issue: Any, planned: Any) -> str:
    """What bot preview and bot post say when they use the author's stored draft."""
    which = f"#{issue.number}" if issue.number is not None else issue.key
    return (f"using the stored draft of issue {which} (saved {planned.draft_saved_at}; "
            f"bot draft --edit changes it, bot draft --discard {which.lstrip('#')} drops it)")


def existing_db(app: Any) -> Any:
    """The database if its file exists, else None: previewing a file creates no database."""
    path = app.settings.db_path
    return app.db if str(path) == ":memory:" or path.exists() else None
