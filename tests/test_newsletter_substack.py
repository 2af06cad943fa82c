"""The Substack post-JSON reader (``/api/v1/posts/<slug>``) on a synthetic post (see SOURCE.txt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.newsletter import read_feed, read_issue
from bot.newsletter.model import Embed, Link
from tests.conftest import FIXTURES

POST = FIXTURES / "newsletters" / "substack-api-post-synthetic.json"


def test_post_json():
    issue = read_issue(str(POST))
    assert issue.title == "ML4Sci #98: Graph networks find crystals; Surrogate models with error bars"
    assert issue.subtitle == "Also, a synthetic post for the Substack API reader"
    assert issue.number == 98
    assert issue.url == "https://ml4sci.substack.com/p/ml4sci-98-graph-networks-find-crystals"
    assert issue.guid is None
    # The same key the feed (guid = canonical URL) and the post page give this post.
    assert issue.key == issue.url
    assert issue.published_at == "2021-02-15T13:00:00Z"
    assert issue.image.endswith("55555555-5555-5555-5555-555555555555_1200x600.png")
    assert [(s.title, [(i.marker, i.tag, i.text) for i in s.items]) for s in issue.sections] == [
        (
            "Department of Machine Learning",
            [
                (
                    "🔥",
                    "Arxiv",
                    "A synthetic preprint on graph networks for materials that predicts 2,000 stable crystals.",
                ),
                (None, "Medium", "A synthetic tutorial on uncertainty estimates for surrogate models."),
            ],
        ),
        (
            "Tales of the Twitterverse",
            [
                (None, None, "A synthetic tweet: our model found 2,000 new crystals."),
            ],
        ),
    ]
    tweet = Embed(
        platform="x",
        url="https://x.com/example_materials/status/1361000000000000005",
        id="1361000000000000005",
        author="example_materials",
        author_name="Example Materials Group",
        text="A synthetic tweet: our model found 2,000 new crystals.",
        created_at="2021-02-14T18:05:00Z",
        section="Tales of the Twitterverse",
    )
    assert issue.embeds == (tweet,)
    assert issue.items[2].links == (Link(tweet.url, tweet.text),)
    assert "Subscribe now" not in repr(issue.to_dict())


def test_archive_list_newest_first_and_paywalled_post(tmp_path: Path):
    post = json.loads(POST.read_text(encoding="utf-8"))
    older = {
        **post,
        "id": 1,
        "title": "ML4Sci #97: Paywalled",
        "canonical_url": None,
        "post_date": "2021-02-08T13:00:00.000Z",
        "body_html": None,
    }
    path = tmp_path / "archive.json"
    path.write_text(json.dumps([older, post]), encoding="utf-8")
    issues = list(read_feed(str(path)))
    assert [i.number for i in issues] == [98, 97]
    assert issues[1].guid == "substack:post:1" and issues[1].key == "substack:post:1"
    assert issues[1].items == []
    assert issues[1].warnings == ("the post has no body_html (a paywalled post?)",)


def test_json_that_is_not_a_post(tmp_path: Path):
    path = tmp_path / "other.json"
    path.write_text('{"name": "not a post"}', encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_issue(str(path))
    assert str(error.value) == f"{path} is JSON but not a Substack post (needs title and body_html)"


def test_broken_json(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{"title": "x", ', encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_issue(str(path))
    assert (
        str(error.value)
        == f"{path} is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 16 (char 15)"
    )
