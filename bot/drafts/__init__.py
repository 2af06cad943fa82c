"""Provide the author's drafts: an issue's threads as text the author edits and stores.

:mod:`bot.drafts.textfile` is the file a person edits (``bot draft -o``/``--apply``/``--edit``),
:mod:`bot.drafts.store` keeps the applied text in the ``drafts`` table and turns it back into
threads with the composer's own measuring code, for ``bot preview``, ``bot post``, ``bot run``
and ``bot serve``.
"""

from __future__ import annotations

import msgspec

from bot.errors import BotError


class DraftError(BotError):
    """A draft cannot be read or stored (a post too long, a file edited out of shape)."""


class DraftPost(msgspec.Struct, frozen=True):
    """One post of a draft: where it goes and the text as the author wrote it (full URLs)."""

    platform: str
    position: int  # 0-based place in the thread
    role: str  # opening, highlight, continuation, closing
    text: str
    story: int | None = None  # the issue item it is about

    def label(self, total: int) -> str:
        """How errors and the file name this post: ``x post 2/7 (story 3)``."""
        story = f" (story {self.story})" if self.story is not None else ""
        return f"{self.platform} post {self.position + 1}/{total}{story}"
