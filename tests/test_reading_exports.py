"""Exports and API bodies of other newsletter platforms: Ghost, beehiiv and Buttondown, read
into the same stories (synthetic bodies in each platform's documented shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.newsletter import read_feed, read_issue

HTML = (
    '<h2>Research</h2><p><strong>Telescopes see farther.</strong> A <a href="https://arxiv.org/abs/2612.00001">paper</a>.</p>'
    '<p><strong>Microscopes see smaller.</strong> The <a href="__GHOST_URL__/p/micro">write-up</a> and '
    '<a href="https://example.org/micro">the lab</a>.</p>'
)


def write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_a_ghost_admin_export_reads_its_published_posts(tmp_path):
    posts = [
        {"id": "1", "title": "Optics Weekly 4: Lenses", "slug": "lenses", "html": HTML, "status": "published",
         "type": "post", "published_at": "2026-11-30 09:00:00", "feature_image": "__GHOST_URL__/img.png"},
        {"id": "2", "title": "A draft", "slug": "draft", "html": HTML, "status": "draft", "type": "post"},
        {"id": "3", "title": "About", "slug": "about", "html": "<p>About us.</p>", "status": "published", "type": "page"},
    ]
    issues = read_feed(write(tmp_path, {"db": [{"meta": {"version": "5.0"}, "data": {"posts": posts}}]})).issues
    assert [i.title for i in issues] == ["Optics Weekly 4: Lenses"]
    (issue,) = issues
    assert (issue.number, issue.published_at, issue.image) == (4, "2026-11-30T09:00:00Z", None)
    # The "__GHOST_URL__" link is relative without the site's origin: never a main link.
    assert [(s.headline, s.main_link) for s in issue.stories] == [
        ("Telescopes see farther.", "https://arxiv.org/abs/2612.00001"),
        ("Microscopes see smaller.", "https://example.org/micro"),
    ]


def test_a_beehiiv_api_post(tmp_path):
    body = {"data": {"id": "post_1", "title": "The Lab Letter #9: Cells", "subtitle": "Small things",
                     "status": "confirmed", "web_url": "https://lab.beehiiv.com/p/cells", "publish_date": 1796000000,
                     "content": {"free": {"web": HTML}}}}
    issue = read_issue(write(tmp_path, body))
    assert (issue.title, issue.number, issue.url) == ("The Lab Letter #9: Cells", 9, "https://lab.beehiiv.com/p/cells")
    assert issue.published_at == "2026-11-30T00:53:20Z"  # 1796000000, Unix seconds
    assert len(issue.stories) == 2


def test_a_buttondown_email_in_markdown(tmp_path):
    body = {"results": [{"subject": "Field Notes No. 12", "status": "sent", "publish_date": "2026-11-29T08:00:00Z",
                         "absolute_url": "https://buttondown.com/fieldnotes/archive/12/",
                         "body": "## Links\n\n- **[A river model](https://example.org/river)**: it floods less.\n"
                                 "- **[A soil model](https://example.org/soil)**: it dries faster.\n"}]}
    issue = read_issue(write(tmp_path, body))
    assert (issue.title, issue.number) == ("Field Notes No. 12", 12)
    assert [s.main_link for s in issue.stories] == ["https://example.org/river", "https://example.org/soil"]


@pytest.mark.parametrize("body", [{"posts": [{"title": "x"}]}, {"data": {"title": "no web_url"}}, [1, 2]])
def test_an_unknown_json_shape_is_one_line(tmp_path, body):
    from bot.errors import InputError

    with pytest.raises(InputError, match="is JSON but not a Substack post"):
        read_issue(write(tmp_path, body))


def test_a_javascript_canonical_url_never_becomes_the_issue_link(tmp_path):
    path = tmp_path / "post.md"
    path.write_text('---\ntitle: "Notes 3: Glass"\ncanonical_url: "javascript:alert(1)"\ncover_image: "data:x"\n---\n'
                    "## News\n\n- **[Glass flows](https://example.org/glass)**, slowly.\n", encoding="utf-8")
    issue = read_issue(str(path))
    assert issue.url is None and issue.image is None
