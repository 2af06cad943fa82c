"""Provide review notices: what ``bot run`` tells the author, through Apprise.

:mod:`bot.notices.notifier` sends (a failing notifier is one log line, never an error),
:mod:`bot.notices.messages` writes the notices, :mod:`bot.notices.urls` knows which parts of
``BOT_NOTIFY_URLS`` are secret.
"""
