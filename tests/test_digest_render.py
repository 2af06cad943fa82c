"""bot digest output: Markdown for Substack, an HTML page, escaping, and the one-line summaries."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from bot.digest.render import md
from bot.digest.summary import MAX_CHARS, one_line, shorten
from tests.fixtures.digest.make_fixtures import bsky_post
from tests.fixtures.digest.support import IDS, TOML, UNTIL, load_all

TOP_1 = """\
## Tales of the Twitterverse

_Draft from the threads harvested 2026-03-02 12:00 to 2026-03-09 12:00 UTC._

### On X

- **Anna Kowalski (@mat\\_sci\\_anna)**: [New preprint: we trained a graph network on 1.2M DFT relaxations to \
predict which inorganic materials are stable before anyone synthesises them.]\
(https://x.com/mat_sci_anna/status/2029844432286674944) — The trick is an equivariant message-passing model with \
a learned uncertainty head: it tells you when it is guessing, so active learning picks the next DFT…

### On Bluesky

- **Lena Vogel (@lenavogel.bsky.social)**: [How we used a diffusion model to design enzymes that break down PET \
plastic, and what failed along the way](https://bsky.app/profile/did:plc:w3ucpunws3f556wgcvewvnga/post/\
3mghkxtc42227) — We generated 20,000 candidate sequences, filtered them with a structure predictor, and made 96 \
of them in the lab.

### From Reddit

- [\\[R\\] Equivariant transformers learn molecular dynamics from 10x fewer training structures]\
(https://www.reddit.com/r/MachineLearning/comments/1j8qk2x/r_equivariant_transformers_learn_molecular_dynamics\
_from_10x/) (r/MachineLearning, 412 points, 57 comments) — The short version: with E(3)-equivariant attention, \
5,000 DFT frames are enough to match a model trained on 50,000, and the MD stays stable for 10 ns.
"""


@pytest.fixture
def bot(cli_run, tmp_path):
    (tmp_path / "bot.toml").write_text(TOML, encoding="utf-8")
    load_all(cli_run)
    return lambda *args: cli_run("digest", "--until", UNTIL, *args)


def test_markdown_groups_x_bluesky_then_reddit(bot):
    result = bot("--top", "1")

    assert result.exit_code == 0, result.output
    assert result.output == TOP_1


def test_markdown_reddit_entries(bot):
    lines = bot("--platform", "reddit").output.splitlines()

    assert lines[4:] == [
        "### From Reddit",
        "",
        ("- [\\[R\\] Equivariant transformers learn molecular dynamics from 10x fewer training structures]"
        "(https://www.reddit.com/r/MachineLearning/comments/1j8qk2x/r_equivariant_transformers_learn_molecular_dynamics"
        "_from_10x/) (r/MachineLearning, 412 points, 57 comments) — The short version: with E(3)-equivariant "
        "attention, 5,000 DFT frames are enough to match a model trained on 50,000, and the MD stays stable for 10 ns."),
        ("- [\\[P\\] Open dataset: 50k annotated time-lapse microscopy images of cell division]"
        "(https://www.reddit.com/r/MachineLearning/comments/1j9b7re/p_open_dataset_50k_annotated_timelapse_microscopy"
        "_images/) (r/MachineLearning, 95 points, 12 comments)"),
        # the self post's Markdown shows as written: its *small* is not made italic
        ("- [\\[D\\] How do you validate ML emulators of climate simulations before you trust them?]"
        "(https://www.reddit.com/r/MachineLearning/comments/1j6x0ha/d_how_do_you_validate_ml_emulators_of/) "
        "(r/MachineLearning, 158 points, 64 comments) — I maintain a \\*small\\* emulator for CMIP6 runs "
        "(temperature + precipitation, monthly)."),
    ]


class Page(HTMLParser):
    """Collects headings, list items (their link and text) and checks that tags balance."""

    VOID = frozenset({"meta", "br", "img", "hr", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.headings: list[str] = []
        self.items: list[dict[str, str]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "li":
            self.items.append({"href": "", "text": ""})
        if tag == "a" and self.items and not self.items[-1]["href"]:
            self.items[-1]["href"] = dict(attrs)["href"]

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag, f"</{tag}> closes something else"

    def handle_data(self, data):
        self.text += data
        if self.stack and self.stack[-1] == "h2":
            self.headings.append(data)
        if "li" in self.stack:
            self.items[-1]["text"] += data


def md_links(markdown: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^- .*?\]\((\S+?)\)", markdown, re.MULTILINE)]


def test_html_is_a_page_with_the_same_entries(bot):
    markdown = bot().output
    result = bot("--format", "html")

    assert result.exit_code == 0, result.output
    page = Page()
    page.feed(result.output)
    page.close()
    assert result.output.startswith("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    assert result.output.endswith("</body>\n</html>\n")
    assert page.stack == [] and page.tags[:3] == ["html", "head", "meta"]
    assert page.headings == ["On X", "On Bluesky", "From Reddit"]
    assert [item["href"] for item in page.items] == md_links(markdown)
    assert len(page.items) == 4 + 5 + 3
    assert page.items[0]["text"] == (
        "Anna Kowalski (@mat_sci_anna): New preprint: we trained a graph network on 1.2M DFT relaxations to predict "
        "which inorganic materials are stable before anyone synthesises them. — The trick is an equivariant "
        "message-passing model with a learned uncertainty head: it tells you when it is guessing, so active "
        "learning picks the next DFT…"
    )
    assert page.items[-1]["text"].endswith("I maintain a *small* emulator for CMIP6 runs (temperature + "
                                           "precipitation, monthly).")


def test_html_explain_shows_the_score(bot):
    page = Page()
    page.feed(bot("--format", "html", "--explain", "--platform", "x", "--top", "1").output)

    assert page.items[0]["text"].endswith(
        "score 7.75 = engagement 3.00 (218.4/day, 1st of 4 on X) + length 0.75 (4 posts) + links 3.00 "
        "(arxiv.org, doi.org, github.com) + keywords 1.00 (materials, simulation)"
    )


HOSTILE = "<script>alert(1)</script> *not bold* _not italic_ [not a link](javascript:alert(1)) `code` ~~gone~~ &amp;"


@pytest.fixture
def hostile(cli_run, tmp_path):
    """A harvested Bluesky post whose text is full of Markdown and HTML, loaded the real way."""
    when = "2026-03-08T09:30:00Z"
    view = bsky_post("ravi-ops.bsky.social", when,
                     f"{HOSTILE}\nA second line with <b>tags</b>, **stars** and [brackets] to escape.", (50, 9, 0, 0))
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"posts": [view]}), encoding="utf-8")
    assert cli_run("harvest", "--platform", "bluesky", "--load", str(path)).exit_code == 0
    return view["uri"].rsplit("/", 1)[1]


def test_harvested_text_is_escaped_in_markdown(bot, hostile):
    lines = bot("--platform", "bluesky").output.splitlines()

    did = IDS.bsky_did("ravi-ops.bsky.social")
    assert [line for line in lines if line.startswith("- **Ravi Menon")] == [(
        "- **Ravi Menon (@ravi-ops.bsky.social)**: [\\<script\\>alert(1)\\</script\\> \\*not bold\\* \\_not italic\\_ "
        "\\[not a link\\](javascript:alert(1)) \\`code\\` \\~\\~gone\\~\\~ \\&amp;]"
        f"(https://bsky.app/profile/{did}/post/{hostile}) — A second line with \\<b\\>tags\\</b\\>, \\*\\*stars\\*\\* "
        "and \\[brackets\\] to escape."
    )]


def test_harvested_text_is_escaped_in_html(bot, hostile):
    output = bot("--platform", "bluesky", "--format", "html").output
    page = Page()
    page.feed(output)

    assert "<script>" not in output and "<b>" not in output
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in output and "&amp;amp;" in output
    assert [item["text"] for item in page.items if item["text"].startswith("Ravi Menon")] == [(
        f"Ravi Menon (@ravi-ops.bsky.social): {HOSTILE} — A second line with <b>tags</b>, **stars** and "
        "[brackets] to escape."
    )]
    assert page.tags.count("script") == 0 and page.tags.count("b") == 0


def test_output_to_a_file(bot, tmp_path):
    target = tmp_path / "draft.html"

    result = bot("--format", "html", "-o", str(target))

    assert result.exit_code == 0
    assert result.output == f"wrote {target} (12 threads)\n"
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")


# -- the one-line summaries ----------------------------------------------------------------------
def test_summary_comes_from_the_thread_not_its_title():
    title = "🧵 New preprint: we trained a graph network on DFT relaxations. 1/4"
    posts = [
        "🧵 New preprint: we trained a graph network on DFT relaxations. 1/4 https://t.co/AbC123xyz0",
        "2/4 The trick is an equivariant model with an uncertainty head that knows when it guesses.",
    ]

    assert one_line(title, posts) == "The trick is an equivariant model with an uncertainty head that knows when it guesses."


@pytest.mark.parametrize(("posts", "expected"), [
    (["T", "@kim_dft @mit Thanks! We also release every relaxation trajectory for reuse (3/5)"],
     "We also release every relaxation trajectory for reuse"),
    (["T", "Code: https://github.com/a/b and data in zenodo.org/records/123 for all six benchmark tasks"],
     "Code: and data in for all six benchmark tasks"),
    (["T", "4/ What failed: conditioning on predicted stability alone, surprisingly often 🧵👇"],
     "What failed: conditioning on predicted stability alone, surprisingly often"),
    (["T", "Joint work with @kim_dft and @mit_dmse on this one.", "The model is small enough to run on a laptop."],
     "The model is small enough to run on a laptop."),  # a sentence that names people is skipped
    (["T\n\n* out-of-scenario tests (train on SSP1, test on SSP5)"],
     "out-of-scenario tests (train on SSP1, test on SSP5)"),  # a Markdown bullet is not part of it
    (["T", "Only 3/4 of the runs converged, which is still better than before."],
     "Only 3/4 of the runs converged, which is still better than before."),  # a fraction is kept
])
def test_summary_has_no_links_mentions_or_thread_markers(posts, expected):
    assert one_line("T", posts) == expected


def test_summary_falls_back_to_replies_then_to_nothing():
    title = "Our new protein structure, twelve years in the making"
    assert one_line(title, [title], replies=["@mei Great result, does the density support the second ligand?"]) == (
        "Great result, does the density support the second ligand?"
    )
    assert one_line(title, [title, "2/2 Paper: https://doi.org/10.1038/x"]) == ""


def test_summary_is_cut_at_a_word():
    sentence = ("The trick is an equivariant message-passing model with a learned uncertainty head: it tells you "
                "when it is guessing, so active learning picks the next DFT simulation.")

    cut = one_line("T", [sentence])

    assert cut == ("The trick is an equivariant message-passing model with a learned uncertainty head: it tells you "
                   "when it is guessing, so active learning picks the next DFT…")
    assert len(cut) <= MAX_CHARS and sentence.startswith(cut[:-1] + " ")
    assert shorten("a" * 10 + " " + "b" * 200) == "a" * 10 + "…"
    assert shorten("word " * 32 + "end!") == ("word " * 32).strip() + "…"  # 164 chars: the cut falls on a space
    exact = "x" * (MAX_CHARS - 5) + " yyyy"
    assert shorten(exact) == exact  # fits: untouched


def test_md_escapes_only_what_markdown_would_obey():
    assert md("a *b* _c_ [d](e) `f` ~g~ <h> \\ &amp; AT&T #1! 2. |") == (
        "a \\*b\\* \\_c\\_ \\[d\\](e) \\`f\\` \\~g\\~ \\<h\\> \\\\ \\&amp; AT&T #1! 2. |"
    )
    assert md("two\nlines\tand  spaces") == "two lines and spaces"
