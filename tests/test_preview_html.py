"""bot preview --format html shows each post as a card like the platform's: the account's name
and handle, X links as X displays them (the full URL behind), the issue's link card with its
cover image on X and Bluesky, and no link without a target."""

from __future__ import annotations

import re

from tests.conftest import FIXTURES, SAMPLE_ISSUE

PAGE = FIXTURES / "newsletters" / "substack-post-page-synthetic.html"
COVER = "https://substack-post-media.s3.amazonaws.com/public/images/44444444-4444-4444-4444-444444444444_1200x630.png"


def page(cli_run, tmp_path, source, *extra, env=None) -> str:
    out = tmp_path / "p.html"
    result = cli_run("preview", str(source), "--format", "html", "-o", str(out), *extra, env=env)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def columns(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="thread" data-platform="(\w+)">(.*?)</section>', html, re.S))


def test_cards_show_the_handles_and_the_link_cards_with_the_cover(cli_run, tmp_path):
    (tmp_path / "bot.toml").write_text('[x]\nlinks = "every"\n', encoding="utf-8")  # highlights linked too
    html = page(cli_run, tmp_path, PAGE, env={"BLUESKY_HANDLE": "ml4sci.bsky.social", "X_HANDLE": "ml4sci_bot"})
    x, bluesky = columns(html)["x"], columns(html)["bluesky"]
    assert x.count('<span class="handle">@ml4sci_bot</span>') == 6
    assert bluesky.count('<span class="handle">@ml4sci.bsky.social</span>') == 6
    for column in (x, bluesky):  # the issue's card, cover image included, under the opening post
        first = column.split("</article>")[0]
        assert f'<img src="{COVER}"' in first
        assert '<span class="title">ML4Sci #100: Protein design at scale; Robot chemists; Open weather models</span>' in first
        assert '<span class="domain">ml4sci.substack.com</span>' in first
    # X shows a link without its scheme, cut past 25 characters; the href is the full URL.
    assert ('<a href="https://ml4sci.substack.com/p/ml4sci-100-protein-design" '
            'title="https://ml4sci.substack.com/p/ml4sci-100-protein-design">ml4sci.substack.com/p/ml4…</a>') in x
    assert '>arxiv.org/abs/2107.00001</a>' in x
    # Each X post's price under its foot (a linked one $0.20), the thread's under its heading.
    assert x.split("</article>")[0].count('<span class="cost">$0.20</span>') == 1
    assert '<p class="cost">X cost: ' in x and '<span class="cost">' not in bluesky
    assert 'href=""' not in html and "<script" not in html


def test_an_issue_without_url_has_no_empty_link(cli_run, tmp_path):
    html = page(cli_run, tmp_path, SAMPLE_ISSUE)
    assert 'href=""' not in html and "(no URL)" in html
    assert html.count('<article class="post') == 14  # 7 posts on each platform
    # The plain-text sample does not name its newsletter: a neutral account, never a made-up one.
    assert html.count('<span class="name">Newsletter</span>') == 14
    (tmp_path / "bot.toml").write_text('[newsletter]\nname = "ML4Sci"\n', encoding="utf-8")
    html = page(cli_run, tmp_path, SAMPLE_ISSUE)
    assert html.count('<span class="handle">@ml4sci</span>') == 7  # no X_HANDLE: made from the name
    assert html.count('<span class="handle">@ml4sci.bsky.social</span>') == 7
