"""Bad inputs give one clear line naming the problem and the source, never a traceback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.errors import BotError, InputError
from bot.newsletter import read_feed, read_issue
from tests.conftest import FIXTURES


def _error(source: str) -> str:
    with pytest.raises(InputError) as error:
        read_issue(source)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path: Path):
    path = tmp_path / "nope.txt"
    assert _error(str(path)) == f"no such file: {path}"


def test_directory(tmp_path: Path):
    assert _error(str(tmp_path)) == f"{tmp_path} is a directory, not a newsletter file"


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_empty_file(tmp_path: Path, content: bytes):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert _error(str(path)) == f"{path} is empty"


def test_png(tmp_path: Path):
    png = FIXTURES / "binary" / "pixel.png"
    assert _error(str(png)) == f"{png} is a PNG image, not a newsletter"
    renamed = tmp_path / "issue.txt"  # the content decides, not the name
    renamed.write_bytes(png.read_bytes())
    assert _error(str(renamed)) == f"{renamed} is a PNG image, not a newsletter"


def test_random_bytes(tmp_path: Path):
    path = tmp_path / "noise.html"
    path.write_bytes(random.Random(7).randbytes(4096))
    assert _error(str(path)) == f"{path} is binary data, not a newsletter"


def test_html_page_that_is_no_newsletter(tmp_path: Path):
    path = tmp_path / "login.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>Sign in</title></head><body>"
        "<nav><a href='/'>Home</a></nav><h1>Sign in</h1>"
        "<form><input name='email'><button>Continue</button></form>"
        "<footer><p>© 2025</p></footer></body></html>",
        encoding="utf-8",
    )
    assert _error(str(path)) == f"no newsletter stories found in {path} (read as html)"


def test_truncated_feed(tmp_path: Path):
    path = tmp_path / "feed.xml"
    full = (FIXTURES / "newsletters" / "substack-feed-synthetic.xml").read_bytes()
    path.write_bytes(full[:1500])  # a download cut off inside the channel header
    message = _error(str(path))
    assert message.startswith(f"malformed feed {path}: ")
    assert message.endswith("no element found")


def test_feed_with_mismatched_tags(tmp_path: Path):
    path = tmp_path / "feed.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Broken</title>\n'
        "<item><title>Oops</titl></item></channel></rss>",
        encoding="utf-8",
    )
    assert _error(str(path)) == f"malformed feed {path}: <unknown>:3:19: mismatched tag"


def test_feed_without_entries(tmp_path: Path):
    path = tmp_path / "feed.xml"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    )
    assert _error(str(path)) == f"feed {path} has no entries"


def test_xml_that_is_not_a_feed(tmp_path: Path):
    path = tmp_path / "sitemap.xml"
    path.write_text('<?xml version="1.0"?><urlset><url><loc>https://example.org/</loc></url></urlset>')
    assert _error(str(path)) == f"{path} is not an RSS or Atom feed"


def test_a_stray_entity_is_read_leniently(tmp_path: Path):
    path = tmp_path / "feed.xml"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>ML4Sci #5: A &bogus; entity'
        "</title><description><![CDATA[<h3>News</h3><p>An item.</p>]]></description></item></channel></rss>"
    )
    (issue,) = read_feed(str(path))
    assert issue.items[0].text == "An item."
    assert issue.warnings == (
        "the feed is not well-formed (<unknown>:1:108: undefined entity); it was read leniently",
    )


def test_errors_are_bot_errors():
    assert issubclass(InputError, BotError)
