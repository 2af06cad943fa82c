"""Provide the errors a user can act on.

The CLI prints a :class:`BotError` as one line (``Error: ...``) and exits non-zero; anything
else is a bug and gets a one-line summary too, with the traceback behind ``--debug``.
"""

from __future__ import annotations


class BotError(Exception):
    """An error whose message tells the user what is wrong and what to do."""

    exit_code = 1


class ConfigError(BotError):
    """``bot.toml`` or a setting is invalid."""


class InputError(BotError):
    """A newsletter source (file, URL, feed) cannot be read as an issue."""


class FetchError(BotError):
    """A URL could not be fetched (HTTP error, timeout, refused connection)."""


class MissingCredential(BotError):
    """A secret the requested platform needs is not set."""

    def __init__(self, variable: str, purpose: str) -> None:
        self.variable = variable
        super().__init__(
            f"missing credential: set {variable} in the environment or .env (needed for {purpose})"
        )


class ComposeError(BotError):
    """A post cannot be made to fit its platform."""
