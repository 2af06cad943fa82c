"""Provide Debian's chromium driven by Playwright, headless, and a cover image to show.

The browser is the system's (``/usr/bin/chromium``, installed by tests/run.sh from Debian's
packages), never one Playwright downloads; every request that leaves 127.0.0.1 is aborted, so
a page can only show what the loopback servers serve.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path(os.environ.get("BOT_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium_page(*, width: int = 1320, height: int = 1000) -> Iterator:
    """A fresh page in a fresh profile; loopback only."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: tests/run.sh installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="ml4sci-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": width, "height": height})
        try:
            context.route("**/*", lambda route: route.continue_()
                          if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort())
            page = context.new_page()
            yield page
        finally:
            context.close()


def cover_png(width: int = 600, height: int = 315) -> bytes:
    """A small gradient PNG, the issue's cover image on the cards."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes((20 + 60 * x // width, 80 + 90 * y // height, 160 + 80 * x // width))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))
