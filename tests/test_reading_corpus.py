"""The reading corpus (tests/fixtures/newsletters/corpus/) and bench/reading.py's figures on it.

The corpus checks must pass for real; the figures' thresholds (bench/reading_thresholds.json) are
what issue 9's reader rewrite has to reach.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import pytest

from bench import reading
from bench.reading import CORPUS, ROOT, THRESHOLDS, headline_score, load_cases, norm_url

LICENCES = re.compile(r"CC BY(-SA)? 4\.0|CC0|MIT License|Apache License|public domain", re.IGNORECASE)
ISSUE_SUFFIXES = {".md", ".markdown", ".html", ".xml", ".txt", ".json", ".eml"}


def corpus_files() -> list[Path]:
    return sorted(
        p
        for p in CORPUS.glob("*/*")
        if p.suffix in ISSUE_SUFFIXES
        and not p.name.endswith(".expected.json")
        and not p.name.startswith(("SOURCE", "LICENSE"))
    )


def raw_text(path: Path) -> str:
    """The file's text, also HTML-unescaped, whitespace runs as one space (as the leak check)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return " ".join((text + "\n" + html.unescape(text)).split())


# ---------------------------------------------------------------- the corpus itself


def test_corpus_is_big_and_varied_enough():
    cases = load_cases()
    assert len(cases) >= 20
    assert len({c.newsletter_key for c in cases}) >= 5
    assert len({c.path.suffix for c in cases}) >= 4  # Markdown flavours, HTML, a feed, plain text


def test_every_newsletter_folder_has_its_source_and_licence():
    folders = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    assert folders
    for folder in folders:
        source = folder / "SOURCE.txt"
        assert source.exists(), f"{folder.name} has no SOURCE.txt"
        text = source.read_text(encoding="utf-8")
        assert re.search(r"^Licen[cs]es?:", text, re.MULTILINE), f"{source} names no licence"
        assert LICENCES.search(text), f"{source}: not a licence that lets us ship the files"
        assert list(folder.glob("LICENSE*")), f"{folder.name} has no licence text or pointer"


def test_every_issue_is_listed_in_its_source_with_the_bytes_it_had():
    for path in corpus_files():
        source = (path.parent / "SOURCE.txt").read_text(encoding="utf-8")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{path.name}\n" in source, f"{path.name} is not described in SOURCE.txt"
        assert digest in source, f"{path.name} changed since SOURCE.txt recorded it (sha256 {digest})"
        assert path.with_name(path.name + ".expected.json").exists(), f"{path.name} has no expectations"


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: c.path.name)
def test_expectations_are_well_formed_and_taken_from_the_file(case):
    exp = case.expected
    assert case.path.exists(), case.path
    assert set(exp) <= {"newsletter", "title", "kind", "stories", "furniture", "note"}
    assert exp["newsletter"] is None or (isinstance(exp["newsletter"], str) and exp["newsletter"].strip())
    assert exp["title"] is None or (isinstance(exp["title"], str) and exp["title"].strip())
    assert exp["kind"] in {"roundup", "essay"}
    assert isinstance(exp["stories"], list) and exp["stories"]
    raw = raw_text(case.path)
    for story in exp["stories"]:
        assert set(story) == {"headline", "main_link"}
        assert isinstance(story["headline"], str) and story["headline"].strip()
        link = story["main_link"]
        if link is not None:
            assert link.startswith(("https://", "http://")), link
            assert link in raw, f"main link {link} is not in {case.path.name}"
    headlines = " | ".join(s["headline"].lower() for s in exp["stories"])
    assert isinstance(exp["furniture"], list)
    for s in exp["furniture"]:
        assert isinstance(s, str) and s.strip()
        assert " ".join(s.split()) in raw, f"furniture {s!r} is not in {case.path.name}"
        assert s.lower() not in headlines, f"furniture {s!r} collides with a headline"


def test_the_sample_keeps_its_links_lost():
    sample = next(c for c in load_cases() if c.path.name == "ml4sci-33.txt")
    assert sample.expected["newsletter"] == "ML4Sci"
    assert all(s["main_link"] is None for s in sample.expected["stories"])


# ---------------------------------------------------------------- the evaluator's rules


@pytest.mark.parametrize(
    "post",
    [
        "Efficient CStruct > Dealing with complex C-structure-like data",
        "🧪 Efficient CStruct: a must-read",
        "[Blog] Efficient CStruct https://example.org 3/7",
        "New this week: Efficient CStruct, by tab.snarc.org",
    ],
)
def test_a_post_carries_its_headline_through_emoji_tags_and_commentary(post):
    assert headline_score("Efficient CStruct", post) is not None


def test_a_long_headline_the_post_shortened_still_matches():
    head = "Bitcoin Core #25740 allows a node using assumeUTXO to verify all blocks and transactions on the best block chain"
    assert headline_score(head, "Bitcoin Core #25740 allows a node using assumeUTXO to verify all blocks…") is not None


def test_a_paragraph_that_mentions_a_section_is_not_that_section():
    post = "This article is primarily about two parts of the post-GPT4 landscape: technical discussion and societal implications"
    assert headline_score("Societal implications", post) is None


def test_two_highlights_of_one_story_count_once():
    stories = [{"headline": "Experimentation with silent payments", "main_link": None}]
    highlights = [
        reading.Highlight(1, "This week's newsletter describes experimentation by developers working on silent payments", []),
        reading.Highlight(2, "Experimentation with silent payments: as described in Newsletter #194", []),
    ]
    reading.match_stories(stories, highlights)
    assert [h.story for h in highlights] == [None, 0]
    assert highlights[0].duplicate_of == 0


def test_links_compare_without_scheme_www_slash_or_utm():
    assert norm_url("https://www.Example.org/a/?utm_source=x&id=3") == norm_url("http://example.org/a?id=3")
    assert norm_url("https://example.org/a") != norm_url("https://example.org/b")


def test_leaks_count_strings_numbers_and_dates_once():
    threads = {"x": [{"text": "Subscribe now to get more 2/5"}, {"text": "Story\n11\nMar 20, 2023 3/5"}]}
    leaks = reading.find_leaks(threads, ["Subscribe now to get more"])
    assert leaks == [
        "x post 1: 'Subscribe now to get more'",
        "x post 2: line '11'",
        "x post 2: line 'Mar 20, 2023'",
    ]


def test_the_bots_own_closing_may_say_subscribe_but_not_the_issues_furniture():
    threads = {"bluesky": [
        {"role": "closing", "text": "Thanks for reading! Subscribe now: example.org/subscribe 5/5"},
        {"role": "closing", "text": "Did you like this issue? 5/5"},
    ]}
    assert reading.find_leaks(threads, ["Did you like this issue?"]) == ["bluesky post 2: 'Did you like this issue?'"]


def test_a_file_the_cli_refuses_is_reported_not_raised(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "empty.md.expected.json").write_text(
        json.dumps({"newsletter": None, "title": "Empty", "kind": "essay",
                    "stories": [{"headline": "x", "main_link": None}], "furniture": []}),
        encoding="utf-8",
    )
    report = reading.evaluate(tmp_path)
    assert report["overall"]["errors"] == 1
    assert report["issues"][0]["error"]


# ---------------------------------------------------------------- the figures


@pytest.fixture(scope="module")
def report():
    return reading.evaluate()


def test_the_report_covers_every_issue_and_renders(report):
    assert report["overall"]["issues"] == len(load_cases())
    table = reading.render(report)
    assert "overall" in table and "precision" in table


def test_reading_meets_the_thresholds(report):
    want = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    got = report["overall"]
    assert got["errors"] <= want["errors"], reading.render(report)
    assert got["precision"] >= want["precision"], reading.render(report)
    assert got["main_link"] >= want["main_link"], reading.render(report)
    assert got["leaks"] <= want["leaks"], reading.render(report)
    assert got["titles"] >= want["titles"], reading.render(report)
    assert got["named"] >= want["named"], reading.render(report)
    assert got["in_order"] >= want["in_order"], reading.render(report)


def test_thresholds_live_in_one_file():
    want = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    assert set(want) == {"precision", "main_link", "leaks", "titles", "named", "errors", "in_order"}
    assert ROOT / "bench" / "reading_thresholds.json" == THRESHOLDS
