"""The review page in a real browser (Debian's chromium, headless, driven by Playwright), as an
author uses it: open the issue, push a post past its limit and watch the counter turn red and
the save be refused, fix it, save, approve; then bot post sends the edited text to the fake X.
Also: the token beyond loopback, CSRF, and the Host check."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.db import open_db
from tests.conftest import FIXTURES, ROOT
from tests.fakes.x_posting import XPostingServer
from tests.support.browser import chromium_page, cover_png

PAGE = FIXTURES / "newsletters" / "substack-post-page-synthetic.html"
KEY = "https://ml4sci.substack.com/p/ml4sci-100-protein-design"
FIXED = "🤯 Diffusion models design a million protein candidates, and the lab made 96: https://arxiv.org/abs/2107.00001 2/6"
RED = "rgb(209, 36, 47)"
SCREENSHOTS = ROOT / "docs"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def issue_file(tmp_path, http_server) -> Path:
    """The synthetic Substack page, its cover image served on loopback."""
    http_server.route("/cover.png", body=cover_png(), headers={"Content-Type": "image/png"})
    text = PAGE.read_text(encoding="utf-8")
    start = text.index('og:image" content="') + len('og:image" content="')
    end = text.index('"', start)
    path = tmp_path / "issue.html"
    path.write_text(text[:start] + http_server.url("/cover.png") + text[end:], encoding="utf-8")
    return path


def bot(db_path: Path, *args: str, env: dict[str, str] | None = None, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "--db", str(db_path), *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                          capture_output=True, text=True, timeout=120, check=False)


class Served:
    def __init__(self, db_path: Path, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--db", str(db_path), "serve", "--port", str(self.port), *args],
            cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.communicate()[1])
                time.sleep(0.05)  # waiting for the child process to listen
        raise RuntimeError("bot serve did not start")

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> str:
        self.process.terminate()
        return self.process.communicate(timeout=30)[0]


@pytest.fixture
def x():
    with XPostingServer() as server:
        yield server
        server.check()


def test_edit_past_the_limit_is_refused_then_fixed_saved_approved_and_posted(tmp_path, db_path, issue_file, x):
    env = {"BLUESKY_HANDLE": "ml4sci.bsky.social", "X_HANDLE": "ml4sci"}
    (tmp_path / "bot.toml").write_text('[newsletter]\nname = "ML4Sci"\n', encoding="utf-8")
    assert bot(db_path, "draft", str(issue_file), "-o", str(tmp_path / "d.txt"), cwd=tmp_path, env=env).returncode == 0
    served = Served(db_path, tmp_path, env=env)
    try:
        with chromium_page() as page:
            page.goto(served.url("/"))
            assert page.locator("ul.issues li").count() == 1
            page.click("text=#100 ML4Sci #100")
            page.wait_for_selector("article.post")
            assert page.locator('section[data-platform="x"] article.post').count() == 6
            assert page.locator('section[data-platform="bluesky"] .who').first.inner_text().split()[:2] == [
                "ML4Sci", "@ml4sci.bsky.social"]
            assert page.locator(".linkcard img").first.evaluate("img => img.naturalWidth") == 600
            page.screenshot(path=str(tmp_path / "review-page.png"))

            area = page.locator('textarea[name="x-1"]')
            counter = page.locator('section[data-platform="x"] article.post').nth(1).locator(".counter")
            # 92: the highlight carries no link under the default [x] links = "opening"
            assert counter.inner_text() == "92/280" and "over" not in counter.get_attribute("class")
            area.fill("Far too long for one post. " * 12 + "2/6")
            page.wait_for_function("() => document.querySelectorAll('section[data-platform=x] article.post')[1]"
                                   ".querySelector('.counter').classList.contains('over')")
            assert counter.inner_text() == "327/280"
            assert counter.evaluate("el => getComputedStyle(el).color") == RED
            assert page.locator("#over-summary").inner_text() == "1 post over the limit"
            assert page.locator("#approve-button").is_disabled()  # unsaved edits: save first
            page.click("#save")
            page.wait_for_selector(".notice.error")
            page.screenshot(path=str(tmp_path / "review-over-limit.png"))
            assert page.locator(".notice.error").inner_text() == (
                "x post 2/6 (story 1) cannot fit in 280 (X weighted length): it measures 327 "
                "(X weighted length); nothing was stored")
            assert page.locator('textarea[name="x-1"]').input_value().startswith("Far too long")  # kept
            assert "over" in counter.get_attribute("class")  # still red as the page comes back
            assert page.locator("#approve-button").is_disabled()  # what is shown is not stored
            assert open_db(db_path).execute("select count(*) from drafts").fetchone()[0] == 0

            page.locator('textarea[name="x-1"]').fill(FIXED)
            page.wait_for_function("() => !document.querySelectorAll('section[data-platform=x] article.post')[1]"
                                   ".querySelector('.counter').classList.contains('over')")
            assert page.locator("#over-summary").inner_text() == ""
            page.click("#save")
            page.wait_for_selector(".notice.ok")
            assert page.locator(".notice.ok").inner_text().startswith("Stored")
            assert page.locator("#state").inner_text().lower() == "drafted"
            page.click("#hold-button")
            page.wait_for_selector("text=Held: bot run does not post it until it is released or approved.")
            assert page.locator("#state").inner_text().lower() == "held"
            page.click("#approve-button")
            page.wait_for_selector("text=Approved: bot run posts it at its next check.")
            assert page.locator("#state").inner_text().lower() == "approved"
    finally:
        served.stop()
    status = bot(db_path, "status", cwd=tmp_path)
    assert "#100 ML4Sci #100: Protein design at scale; Robot chemists; Open w: approved" in status.stdout
    posted = bot(db_path, "post", str(issue_file), "--platform", "x", "--yes", cwd=tmp_path,
                 env={**x.credentials.env(x.base_url), "BOT_HTTP_TIMEOUT": "5"})
    assert posted.returncode == 0, posted.stderr
    assert "using the stored draft of issue #100" in posted.stderr
    texts = [t.submitted for t in x.chain(x.tweets[0].id)]
    assert len(texts) == 6 and texts[1] == FIXED
    served = Served(db_path, tmp_path, env=env)  # once posting started, the page is read-only
    try:
        status, page_html, _ = request(served.url("/issue/" + quote(KEY, safe="")))
    finally:
        served.stop()
    assert status == 200 and "Posting has started on x: that text can no longer change." in page_html
    assert page_html.count("readonly>") == 6 and 'id="save"' in page_html  # Bluesky's is still open
    if os.environ.get("UPDATE_SCREENSHOTS"):
        for name in ("review-page.png", "review-over-limit.png"):
            shutil.copy(tmp_path / name, SCREENSHOTS / name)
    assert (tmp_path / "review-over-limit.png").stat().st_size > 10_000


def request(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method,
                                                           headers=headers or {}), timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def test_a_post_without_the_page_csrf_token_is_refused(tmp_path, db_path, issue_file):
    assert bot(db_path, "draft", str(issue_file), "-o", "-", cwd=tmp_path).returncode == 0
    served = Served(db_path, tmp_path)
    try:
        status, body, _ = request(served.url("/act/approve"), method="POST",
                                  data=f"key={KEY}".encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 403 and "CSRF token" in body
        status, body, _ = request(served.url("/api/measure"), method="POST", data=b'{"platform":"x","text":"hi"}',
                                  headers={"Content-Type": "application/json", "Origin": "http://evil.test"})
        assert status == 403 and "another site" in body
        status, body, _ = request(served.url("/"), headers={"Host": "rebound.evil.test"})
        assert status == 421
    finally:
        served.stop()
    assert "approved" not in bot(db_path, "status", cwd=tmp_path).stdout


def test_beyond_loopback_a_token_is_required(tmp_path, db_path):
    refused = bot(db_path, "serve", "--host", "0.0.0.0", "--port", str(free_port()), cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Error: bot serve on 0.0.0.0 needs a token: set BOT_SERVE_TOKEN (or listen on 127.0.0.1)")
    token = "sekrit-servetoken-5150"
    served = Served(db_path, tmp_path, "--host", "0.0.0.0", env={"BOT_SERVE_TOKEN": token})
    try:
        assert request(served.url("/"))[0] == 401
        assert request(served.url("/?token=wrong"))[0] == 401
        assert request(served.url("/"), headers={"Authorization": f"Bearer {token}"})[0] == 200
        with chromium_page() as page:  # ?token= once: a cookie, and the address loses the token
            page.goto(served.url(f"/?token={token}"))
            assert page.url == served.url("/") and "Issues to review" in page.content()
    finally:
        out = served.stop()
    assert token not in out
