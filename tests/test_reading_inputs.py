"""The inputs people have, and the newsletter named as itself: feeds of other newsletters,
Substack HTML inside a Jekyll post, emails, untitled or linkless feed entries, --entry and
--stories; never a hard-coded ML4Sci, never a link that is not http(s)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.db import open_db
from bot.newsletter import read_feed, read_issue
from bot.newsletter.identity import clean_title
from bot.runner import Runner
from bot.settings import load
from tests.conftest import FIXTURES, SAMPLE_ISSUE

ITEM = """<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>
<pubDate>Tue, 0{day} Dec 2026 09:00:00 GMT</pubDate><content:encoded><![CDATA[
<h2>Research</h2><p><strong>Story {n} about telescopes.</strong> A <a href="https://arxiv.org/abs/2612.0000{n}">paper</a>.</p>
<p><strong>Story {n} about microscopes.</strong> The <a href="https://example.org/micro{n}">write-up</a>.</p>
]]></content:encoded></item>"""


def feed_xml(*items: str, channel: str = "The Gradient Weekly") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{channel}</title><link>https://gradientweekly.example.org</link>"
        + "".join(items) + "</channel></rss>"
    )


def item(n: int, *, title: str | None = None, link: str | None = None, guid: str | None = None) -> str:
    link = f"https://gradientweekly.example.org/p/{n}" if link is None else link
    xml = ITEM.format(title=f"Issue {n}: Optics" if title is None else title, link=link,
                      guid=link if guid is None else guid, day=n, n=n)
    return xml.replace("<guid></guid>", "")


@pytest.fixture()
def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "feed.xml"
    path.write_text(feed_xml(item(3), item(2), item(1)), encoding="utf-8")
    return path


def test_another_newsletter_is_named_as_itself_never_ml4sci(cli_run, feed_file):
    result = cli_run("preview", str(feed_file), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["issue"]["newsletter"] == "The Gradient Weekly" and data["issue"]["number"] == 3
    text = json.dumps(data, ensure_ascii=False)
    assert "ML4Sci" not in text and "ml4sci" not in text
    x = data["threads"]["x"]
    assert x[0]["text"].startswith("The Gradient Weekly: Issue 3: Optics\n\n🧵")
    assert "Thanks for reading The Gradient Weekly #3!" in x[-1]["text"]
    # Its own home, not ml4sci's, on Bluesky's closing post (X's closing post has no link under
    # the default [x] links = "opening").
    assert "https://gradientweekly.example.org" in data["threads"]["bluesky"][-1]["links"]
    assert x[-1]["links"] == []
    assert data["warnings"][0].startswith("read entry 1 of 3 of the feed (the newest)")


@pytest.mark.parametrize("entry", ["2", "https://gradientweekly.example.org/p/2"])
def test_entry_chooses_a_feed_entry_by_number_guid_or_link(cli_run, feed_file, entry):
    result = cli_run("preview", str(feed_file), "--entry", entry, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["issue"]["url"] == "https://gradientweekly.example.org/p/2"
    assert data["warnings"][0] == "read entry 2 of 3 of the feed; --entry N picks another"


def test_an_unknown_entry_is_one_line(cli_run, feed_file):
    result = cli_run("preview", str(feed_file), "--entry", "9")
    assert result.exit_code == 1
    assert result.output == f"Error: no entry '9' in {feed_file} (it has 3: 1 = newest, or a guid or link)\n"


def test_stories_lists_the_numbered_stories(cli_run):
    result = cli_run("preview", str(SAMPLE_ISSUE), "--stories")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("20 stories in 'ML4Sci #33:")
    assert lines[1] == "  1. Department of Machine Learning · Paperswithoutcode: a new platform to identify unreproducible papers"
    assert lines[2] == "       → (no link)"
    assert "── X" not in result.stdout  # a list, not a preview


@pytest.mark.parametrize(("title", "link", "why"), [
    ("", None, "no title"),
    (None, "", "no link"),
    (None, "javascript:alert(1)", "no http(s) link ('javascript:alert(1)')"),
])
def test_an_untitled_or_linkless_entry_is_refused_in_one_line(cli_run, tmp_path, title, link, why):
    path = tmp_path / "feed.xml"
    path.write_text(feed_xml(item(4, title=title, link=link)), encoding="utf-8")
    result = cli_run("preview", str(path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert f"has {why}: it is never posted" in result.output
    entry = read_feed(str(path))[0]
    if link is not None:
        assert entry.url is None  # a link that is not http(s) is never the issue's link


def test_untitled_entries_never_share_a_key(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(feed_xml(item(5, title="", link="", guid=""), item(6, title="", link="", guid="")), encoding="utf-8")
    first, second = read_feed(str(path))
    assert first.key != second.key and first.key.startswith("sha256:")


def test_bot_run_skips_an_unpostable_entry_with_one_line(tmp_path, http_server, caplog):
    http_server.route("/feed", body=feed_xml(item(7), item(8, title="")), headers={"Content-Type": "application/rss+xml"})
    config = tmp_path / "bot.toml"
    config.write_text(f'[newsletter]\nfeed_url = "{http_server.url("/feed")}"\n', encoding="utf-8")
    db = open_db(tmp_path / "run.db")
    runner = Runner(db, load(config, dotenv=None, environ={}), backfill=True)
    with caplog.at_level("WARNING"):
        counts = runner.poll_feed()
    assert counts == {"entries": 2, "new": 1, "backlog": 0, "skipped": 1}
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 1 and "it has no title" in skipped[0]
    assert [row["title"] for row in db.query("SELECT title FROM issues")] == ["Issue 7: Optics"]


def test_substack_html_inside_a_jekyll_post_is_read_as_html(tmp_path):
    path = tmp_path / "2026-12-01-issue.md"
    path.write_text(
        "---\nlayout: post\ntitle: \"Lab Notes 12: Sensors\"\n---\n"
        '<div class="captioned-image-container"><figure><img src="x.png"></figure></div>\n'
        '<p><strong>Sensors get cheaper.</strong> A <a href="https://example.org/sensors">report</a> on costs.</p>\n'
        '<div class="tweet" data-attrs=\'{"url":"https://twitter.com/lab/status/1999000000000000001","full_text":"Cheap sensors!","username":"lab"}\'></div>\n'
        '<p><strong>Chips get faster.</strong> The <a href="https://arxiv.org/abs/2612.1">paper</a>.</p>\n',
        encoding="utf-8",
    )
    issue = read_issue(str(path))
    assert issue.title == "Lab Notes 12: Sensors" and issue.number == 12
    assert [(s.headline, s.main_link) for s in issue.stories] == [
        ("Sensors get cheaper.", "https://example.org/sensors"),
        ("Chips get faster.", "https://arxiv.org/abs/2612.1"),
    ]
    assert issue.embeds[0].url == "https://twitter.com/lab/status/1999000000000000001"
    assert "data-attrs" not in json.dumps(issue.to_dict())


EMAIL = """From: Lab Notes <news@labnotes.example.org>
To: reader@example.com
Subject: Lab Notes 13: Robots and rockets
Date: Tue, 01 Dec 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: {type}

{body}"""

HTML_BODY = """<html><body><table role="presentation"><tr><td>
<a href="https://labnotes.example.org/p/13">View in browser</a>
<p>Hi friends,</p>
<ul><li><strong><a href="https://example.org/robot">A robot folds laundry</a></strong>, finally.</li>
<li><strong>Rockets land themselves.</strong> A new <a href="https://arxiv.org/abs/2601.00001">paper</a> shows how.</li></ul>
<p><a href="https://twitter.com/labnotes">Twitter</a> | <a href="https://labnotes.example.org/about">About</a> |
<a href="https://labnotes.example.org/unsubscribe">Unsubscribe</a></p></td></tr></table></body></html>"""

TEXT_BODY = """View in browser: https://labnotes.example.org/p/13

Hi friends,

* A robot folds laundry, finally. https://example.org/robot
* Rockets land themselves: a new paper. https://arxiv.org/abs/2601.00001

Unsubscribe: https://labnotes.example.org/unsubscribe
"""


@pytest.mark.parametrize(("kind", "body"), [("text/html; charset=utf-8", HTML_BODY), ("text/plain; charset=utf-8", TEXT_BODY)])
def test_an_email_reads_as_its_stories(tmp_path, kind, body):
    path = tmp_path / "issue.eml"
    path.write_text(EMAIL.format(type=kind, body=body), encoding="utf-8")
    issue = read_issue(str(path))
    assert (issue.title, issue.number, issue.newsletter) == ("Lab Notes 13: Robots and rockets", 13, "Lab Notes")
    assert issue.url == "https://labnotes.example.org/p/13"
    assert issue.published_at == "2026-12-01T09:00:00Z"
    assert [s.main_link for s in issue.stories] == ["https://example.org/robot", "https://arxiv.org/abs/2601.00001"]
    text = json.dumps(issue.to_dict())
    for furniture in ("Hi friends", "Unsubscribe", "View in browser", "reader@example.com"):
        assert furniture not in text


@pytest.mark.parametrize(("title", "clean"), [
    ("GPT4: The quiet parts - by Nathan Lambert", "GPT4: The quiet parts"),
    ("Artifacts Log 2 | Interconnects", "Artifacts Log 2"),
    ("Weekly #7: Lasers — The Weekly", "Weekly #7: Lasers"),
    ("A title - with a dash inside", "A title - with a dash inside"),
])
def test_titles_lose_bylines_and_site_names(title, clean):
    assert clean_title(title, newsletter="Interconnects" if "Interconnects" in title else "Weekly") == clean


def test_a_page_without_a_title_is_one_line_never_its_file_name(cli_run, tmp_path):
    path = tmp_path / "notes.html"
    path.write_text("<h2>Research</h2><p><strong>A story.</strong> <a href='https://example.org/a'>Link</a>.</p>")
    result = cli_run("preview", str(path))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path} has no title (read as html)")


def test_the_sample_names_itself_through_settings(cli_run):
    config = FIXTURES.parent.parent / "examples" / "bot.toml"
    result = cli_run("--config", str(config), "preview", str(SAMPLE_ISSUE), "--platform", "bluesky")
    assert "Thanks for reading ML4Sci #33!" in result.stdout
    plain = cli_run("preview", str(SAMPLE_ISSUE), "--platform", "bluesky")
    assert "ml4sci.substack.com" not in plain.stdout  # without settings, no newsletter is assumed
