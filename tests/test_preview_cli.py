"""bot preview end to end: the sample's threads in three formats, and one-line errors for bad input."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import FIXTURES, SAMPLE_CONFIG, SAMPLE_ISSUE


def test_text_preview_of_the_sample(cli_run):
    result = cli_run("--config", str(SAMPLE_CONFIG), "preview", str(SAMPLE_ISSUE))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Issue #33 · ML4Sci #33: AI models that cost $1B USD to train;")
    assert "── X · 7 posts" in out and "── Bluesky · 7 posts" in out
    lengths = re.findall(r"· (\d+)/(280|300)", out)
    assert len(lengths) == 14 and all(int(n) <= int(limit) for n, limit in lengths)
    # Why each story was chosen, and the rest by number.
    assert "    2. NVIDIA VP predicts the next big language model is going to cost $1B USD to train. — headline: AI models that cost $1B USD to train" in out
    assert "Left out: 1, 3, 4, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20" in out
    assert "↳ link 'ml4sci.substack.com/subscribe' bytes 62-91 → https://ml4sci.substack.com/subscribe" in out
    assert "! the issue has no URL: the opening post links https://ml4sci.substack.com instead" in out


def test_json_preview_is_one_object_per_the_documented_shape(cli_run):
    result = cli_run("preview", str(SAMPLE_ISSUE), "--format", "json", "--url",
                     "https://ml4sci.substack.com/p/ml4sci-33")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["issue"] == {"number": 33, "title": data["issue"]["title"], "newsletter": "",
                             "url": "https://ml4sci.substack.com/p/ml4sci-33", "kind": "roundup"}
    stories = data["stories"]
    assert [s["number"] for s in stories] == list(range(1, 21))
    assert [s["number"] for s in stories if s["chosen"]] == [2, 5, 6, 8, 13]
    assert stories[1]["reason"] == "headline: AI models that cost $1B USD to train"
    assert stories[0] == {"number": 1, "section": "Department of Machine Learning",
                          "headline": "Paperswithoutcode: a new platform to identify unreproducible papers",
                          "main_link": None, "why_link": "no link to content", "chosen": False,
                          "reason": "past the highlight count"}
    assert set(data["threads"]) == {"x", "bluesky"}
    for platform, limit in (("x", 280), ("bluesky", 300)):
        for post in data["threads"][platform]:
            assert {"text", "length", "limit"} <= set(post) and post["limit"] == limit
            assert post["length"] <= limit
    opening = data["threads"]["bluesky"][0]
    (facet,) = opening["facets"]
    assert facet["features"][0]["uri"] == "https://ml4sci.substack.com/p/ml4sci-33"
    text = opening["text"].encode("utf-8")
    assert text[facet["index"]["byteStart"]:facet["index"]["byteEnd"]] == b"ml4sci.substack.com/p/ml4sci-33"
    assert data["warnings"] == []


def test_platform_pick_and_highlights(cli_run):
    result = cli_run("preview", str(SAMPLE_ISSUE), "--format", "json", "--platform", "x",
                     "--pick", "6,5")
    data = json.loads(result.stdout)
    assert list(data["threads"]) == ["x"]
    items = [p.get("item") for p in data["threads"]["x"]]
    assert items == [None, 6, 5, None]
    result = cli_run("preview", str(SAMPLE_ISSUE), "--pick", "99")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no story #99")


def test_html_preview_writes_a_standalone_page(cli_run, tmp_path):
    out = tmp_path / "p.html"
    result = cli_run("--config", str(SAMPLE_CONFIG), "preview", str(SAMPLE_ISSUE), "--format", "html", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == f"wrote {out} (14 posts)\n"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<script" not in page and "http" not in page.split("<body>")[0]
    assert page.count('<article class="post') == 14
    assert '<a href="https://ml4sci.substack.com/subscribe"' in page


def test_without_source_uses_the_newest_stored_issue(cli_run, db):
    from bot.newsletter.reader import read_issue
    from bot.newsletter.store import save_issue

    save_issue(db, read_issue(str(SAMPLE_ISSUE)))
    result = cli_run("preview", "--platform", "x")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Issue #33")


def test_without_source_or_feed_is_a_clear_error(cli_run):
    result = cli_run("preview")
    assert result.exit_code == 1
    assert result.output == (
        "Error: no SOURCE given, no issue in the database and no feed configured (pass a file or "
        "URL, or set [newsletter].feed_url / BOT_FEED_URL)\n"
    )


def _bad_inputs(tmp_path, http_server):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Login</title></head><body><form></form></body></html>")
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><item><title>a</title></channel></rss>')
    http_server.route("/gone", status=404, body="not here")
    http_server.route("/slow", hang=True)
    return [
        (str(empty), f"Error: {empty} is empty"),
        (str(page), "Error: no newsletter stories found in"),
        (str(feed), f"Error: malformed feed {feed}"),
        (str(FIXTURES / "binary" / "pixel.png"), f"Error: {FIXTURES / 'binary' / 'pixel.png'} is a PNG image, not a newsletter"),
        (str(tmp_path / "absent.txt"), f"Error: no such file: {tmp_path / 'absent.txt'}"),
        (http_server.url("/gone"), f"Error: cannot fetch {http_server.url('/gone')}: HTTP 404"),
        (http_server.url("/slow"), f"Error: cannot fetch {http_server.url('/slow')}: no answer within 0.5 s"),
    ]


@pytest.mark.parametrize("case", range(7), ids=["empty", "not-a-newsletter", "malformed-feed", "binary",
                                                 "missing", "404", "never-answers"])
def test_bad_input_is_one_line_and_non_zero(cli_run, tmp_path, http_server, case):
    source, expected = _bad_inputs(tmp_path, http_server)[case]
    result = cli_run("preview", source, env={"BOT_HTTP_TIMEOUT": "0.5"})
    assert result.exit_code == 1, result.output
    assert result.output.startswith(expected), result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
