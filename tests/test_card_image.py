"""The Bluesky card's cover image is used only when it is an image small enough for a blob."""

from __future__ import annotations

from bot.platforms.bluesky.publish import MAX_THUMB_BYTES, fetch_image_http
from tests.conftest import FIXTURES


def test_cover_image_fetched_checked_or_skipped(http_server, caplog):
    png = (FIXTURES / "binary" / "pixel.png").read_bytes()
    http_server.route("/cover.png", body=png, headers={"Content-Type": "image/png"})
    http_server.route("/page", body="<html></html>", headers={"Content-Type": "text/html"})
    http_server.route("/huge.png", body=b"\x89PNG" + b"0" * MAX_THUMB_BYTES, headers={"Content-Type": "image/png"})
    http_server.route("/gone.png", status=404)
    assert fetch_image_http(http_server.url("/cover.png"), timeout=5) == (png, "image/png")
    for path in ("/page", "/huge.png", "/gone.png"):
        assert fetch_image_http(http_server.url(path), timeout=5) is None
    messages = [r.getMessage() for r in caplog.records]
    assert any("text/html" in m for m in messages)
    assert any("larger than 1 MB" in m for m in messages)
    assert any("HTTP 404" in m for m in messages)
