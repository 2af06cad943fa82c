"""The records are msgspec Structs; what the dataclasses they replaced promised still holds.

Link leaves its position out of equality (the same link on the same words, wherever they
stand), Issue its warnings; records are frozen; an issue round-trips through its dict with
tuples kept; and no module bot preview imports defines a dataclass (creating one costs about
1 ms on Python 3.11, which is why the records moved).
"""

from __future__ import annotations

import json
import subprocess
import sys

import msgspec
import pytest

from bot.newsletter.model import Embed, Issue, Link, Section, Story
from bot.newsletter.text import parse_text
from tests.conftest import ROOT

SAMPLE = ROOT / "examples" / "ml4sci-33.txt"


def test_a_link_is_the_same_link_wherever_its_words_stand():
    here = Link("https://example.org/paper", "the paper", start=3, end=12)
    there = Link("https://example.org/paper", "the paper", start=40, end=49, image=True)
    assert here == there and hash(here) == hash(there) and len({here, there}) == 1
    assert here != Link("https://example.org/other", "the paper", start=3, end=12)
    assert here != Link("https://example.org/paper", "a paper", start=3, end=12)
    assert here != ("https://example.org/paper", "the paper")


def test_an_issues_warnings_are_not_part_of_what_it_is():
    issue = Issue("ML4Sci #1", number=1, url="https://example.org/1")
    warned = msgspec.structs.replace(issue, warnings=("the feed had no date",))
    assert issue == warned and hash(issue) == hash(warned)
    assert issue != msgspec.structs.replace(issue, number=2)
    assert issue != msgspec.structs.replace(issue, title="ML4Sci #2")


def test_records_are_frozen():
    link = Link("https://example.org")
    with pytest.raises(AttributeError):
        link.url = "https://elsewhere.example"  # type: ignore[misc]
    assert link.url == "https://example.org"


def test_an_issue_round_trips_through_its_dict_with_tuples_kept():
    issue = parse_text(SAMPLE.read_text(encoding="utf-8"), source=str(SAMPLE))
    issue = msgspec.structs.replace(
        issue,
        embeds=(Embed("x", "https://x.com/a/status/1", id="1", author="a"),),
        warnings=("a warning",),
    )
    data = issue.to_dict()
    assert isinstance(data["sections"], tuple) and isinstance(data["sections"][0], dict)
    assert isinstance(data["sections"][0]["stories"][0]["links"], tuple)
    back = Issue.from_dict(json.loads(json.dumps(data)))
    assert back == issue and back.warnings == issue.warnings
    assert [s.text for s in back.stories] == [s.text for s in issue.stories]
    assert back.stories and all(isinstance(s, Story) for s in back.stories)
    assert all(isinstance(s, Section) for s in back.sections)


def test_bot_preview_imports_no_dataclass():
    code = ("import sys, io, contextlib\nfrom bot.cli import main\n"
            f"sys.argv = ['bot', 'preview', {str(SAMPLE)!r}]\n"
            "out = io.StringIO()\ntry:\n    with contextlib.redirect_stdout(out):\n        main()\n"
            "except SystemExit:\n    pass\n"
            "print('dataclasses' in sys.modules, 'msgspec' in sys.modules, len(out.getvalue()) > 1000)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT / "examples", check=True)
    assert result.stdout.split() == ["False", "True", "True"]
