"""Stories, not paragraphs: where a story starts and ends in each shape newsletters use."""

from __future__ import annotations

from pathlib import Path

from bot.newsletter import read_issue


def read_md(tmp_path: Path, body: str, title: str = "Weekly Notes #4: Robots; rockets"):
    path = tmp_path / "issue.md"
    path.write_text(f"---\ntitle: \"{title}\"\n---\n{body}", encoding="utf-8")
    return read_issue(str(path))


def outline(issue):
    return [(s.number, s.section, s.headline, s.main_link) for s in issue.stories]


def test_bold_lead_ins_take_the_paragraphs_after_them_as_commentary(tmp_path):
    issue = read_md(tmp_path, """
## Research

**A robot that folds laundry.** It took [ten years](https://example.org/robot).

It still fails on socks.

**Rockets that land themselves.** See the [paper](https://arxiv.org/abs/2601.00001).
""")
    assert outline(issue) == [
        (1, "Research", "A robot that folds laundry.", "https://example.org/robot"),
        (2, "Research", "Rockets that land themselves.", "https://arxiv.org/abs/2601.00001"),
    ]
    assert issue.stories[0].text.endswith("It still fails on socks.")


def test_list_items_are_stories_and_a_paragraph_after_the_list_is_not_their_commentary(tmp_path):
    issue = read_md(tmp_path, """
### Models

- **[gemma-2-27b](https://huggingface.co/google/gemma-2-27b)** by [google](https://huggingface.co/google): a serious model.

    Read more in the [technical report](https://example.org/gemma-2.pdf).
- **[K2](https://huggingface.co/LLM360/K2)** by [LLM360](https://huggingface.co/LLM360): fully open.

I added these models to my chart of compute against scores, which keeps climbing.
""")
    stories = issue.stories
    assert [s.headline for s in stories[:2]] == ["gemma-2-27b", "K2"]
    # An explicit "Read more" wins; then the link on the headline; never the org's profile.
    assert (stories[0].main_link, stories[0].why_link) == ("https://example.org/gemma-2.pdf", "labelled 'technical report'")
    assert (stories[1].main_link, stories[1].why_link) == ("https://huggingface.co/LLM360/K2", "on the headline")
    assert stories[2].text.startswith("I added these models") and stories[2].main_link is None


def test_separators_end_a_story(tmp_path):
    issue = read_md(tmp_path, """
## A long essay section

The first part says something about [one thing](https://example.org/one).

---

A second, separate note about [another thing](https://example.org/two), after a rule.

####

A third note after an empty heading, linking [a third](https://example.org/three).
""")
    assert [s.main_link for s in issue.stories] == [
        "https://example.org/one", "https://example.org/two", "https://example.org/three",
    ]


def test_heading_stories_take_their_prose_and_an_essay_reads_as_its_sections(tmp_path):
    prose = " ".join(["This paragraph is a long piece of argument about models and science."] * 9)
    issue = read_md(tmp_path, f"""
An opening lede that sets up the essay and its argument in a few sentences of prose.

## Why models plateau

{prose}

A second paragraph of the same section, with a [source](https://example.org/source).

## What comes next

{prose}
""", title="On plateaus")
    assert issue.kind == "essay"
    # Two headed sections: the prose before them introduces them and is no story of its own.
    assert [(s.section, s.headline) for s in issue.stories] == [
        ("Why models plateau", "Why models plateau"),
        ("What comes next", "What comes next"),
    ]
    assert issue.stories[0].main_link is None  # a section is about the essay, not its source
    assert issue.stories[0].links[0].url == "https://example.org/source"
    assert issue.stories[0].text.endswith("with a source.")


def test_a_section_of_one_paragraph_stories_flagged_with_emoji_and_tags(tmp_path):
    issue = read_md(tmp_path, """
## Department of Machine Learning

🤯 A [giant model](https://example.org/giant) costs a lot to train.

[Arxiv] Architecture search for [TPUs](https://arxiv.org/abs/2102.1), 7x faster.

Keeping up with the transformers: a new [preprint](https://arxiv.org/abs/2102.2) on GANs.
""")
    assert [(s.marker, s.tag, s.main_link) for s in issue.stories] == [
        ("🤯", None, "https://example.org/giant"),
        (None, "Arxiv", "https://arxiv.org/abs/2102.1"),
        (None, None, "https://arxiv.org/abs/2102.2"),
    ]


def test_a_roundup_intro_and_a_list_lead_in_are_not_stories(tmp_path):
    issue = read_md(tmp_path, """
This week was busy; here is what mattered, in three parts and a few links.

## Links

Books:

- [Human Compatible](https://example.org/book), on control.
- [The Alignment Problem](https://example.org/book2), on values.
""")
    assert [s.headline for s in issue.stories] == ["Human Compatible, on control.", "The Alignment Problem, on values."]


def test_a_heading_over_embedded_posts_makes_a_story_of_each_lead_in(tmp_path):
    tweet = '::: {.tweet attrs="{\\"url\\":\\"https://twitter.com/a/status/1234567\\",\\"full_text\\":\\"Hello\\",\\"username\\":\\"a\\"}"}\n:::'
    issue = read_md(tmp_path, f"""
## Tales of the Twitterverse

A lead-in for the first post, which is worth reading:

{tweet}

A lead-in for a second post, also worth a look:

{tweet.replace('1234567', '7654321')}
""")
    assert [(s.headline[:22], s.main_link) for s in issue.stories] == [
        ("A lead-in for the firs", "https://twitter.com/a/status/1234567"),
        ("A lead-in for a second", "https://twitter.com/a/status/7654321"),
    ]


def test_a_one_item_list_of_a_title_takes_the_paragraph_after_it(tmp_path):
    # NixOS Weekly's feed: <ul><li><a>title</a></li></ul><p>what it is</p>, story after story.
    issue = read_md(tmp_path, """
## News

- [NixOS is bootable via netboot.xyz](https://github.com/antonym/netboot.xyz/issues/37)

Try out NixOS, without having to even create a USB key.

- [Easy dependency management for Nix projects](https://github.com/nmattia/niv)

Easily pin, update, and maintain remote dependencies for each of your Nix projects.
""")
    assert [(s.headline, s.main_link) for s in issue.stories] == [
        ("NixOS is bootable via netboot.xyz", "https://github.com/antonym/netboot.xyz/issues/37"),
        ("Easy dependency management for Nix projects", "https://github.com/nmattia/niv"),
    ]
    assert issue.stories[0].text.endswith("without having to even create a USB key.")
