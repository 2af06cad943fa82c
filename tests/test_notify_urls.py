"""BOT_NOTIFY_URLS is a secret: each URL and every part of it that may be a credential is
scrubbed from output and logs, whichever service's URL shape puts it where."""

from __future__ import annotations

from bot.notices.urls import secret_parts, split_urls
from bot.settings import load


def test_credentials_anywhere_in_an_apprise_url_are_secret():
    parts = secret_parts(
        "mailtos://bot:sekrit-mailpw@smtp.example.org?to=me@example.org,"
        " discord://123456789012345678/sekritWebhookToken_abcdefgh"
        "\ntgram://123456:sekrit-bottoken/987654, json://example.org/hooks?token=sekrit-query-tok"
    )
    for secret in ("sekrit-mailpw", "123456789012345678", "sekritWebhookToken_abcdefgh",
                   "sekrit-bottoken", "sekrit-query-tok"):
        assert secret in parts
    assert "hooks" not in parts and "smtp.example.org" not in parts and "example.org" not in parts
    assert len(split_urls("a://x, b://y\nc://z")) == 3


def test_settings_scrub_the_urls_and_their_parts():
    settings = load(None, dotenv=None, environ={
        "BOT_NOTIFY_URLS": "ntfys://sekrit-ntfytoken-77@ntfy.sh/ml4sci-review"})
    values = settings.secret_values()
    assert "ntfys://sekrit-ntfytoken-77@ntfy.sh/ml4sci-review" in values
    assert "sekrit-ntfytoken-77" in values
