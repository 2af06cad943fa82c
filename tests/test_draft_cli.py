"""bot draft as an author uses it: write the file, edit it, apply it; preview and post use it.

Every check reads what the CLI prints or what the fake X received: the edited text, its
length measured again, refused edits that store nothing, and a thread that cannot change once
it has started.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ISSUE
from tests.fakes.x_posting import XPostingServer

ISSUE_URL = "https://ml4sci.substack.com/p/ml4sci-33"
N = 7  # posts per platform the sample's thread has (checked in the first test)
NEW_X2 = f"A better second post, written by hand: https://arxiv.org/abs/2501.00001 2/{N}"


def write_draft(cli_run, tmp_path: Path, *extra: str) -> Path:
    path = tmp_path / "draft.txt"
    result = cli_run("draft", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "-o", str(path), *extra)
    assert result.exit_code == 0, result.output
    counts = f"x {N} posts" if "x" in extra else f"x {N} posts, bluesky {N} posts"
    assert result.stdout.startswith(f"wrote {path}: issue #33, {counts} (as composed)")
    return path


def blocks(text: str) -> dict[str, str]:
    """The file's posts by their separator line."""
    out, current = {}, None
    for line in text.splitlines():
        if line.startswith("--- "):
            current = line
            out[current] = []
        elif current:
            out[current].append(line)
    return {k: "\n".join(v).strip("\n") for k, v in out.items()}


def replace_post(text: str, separator_prefix: str, new: str) -> str:
    (head,) = [k for k in blocks(text) if k.startswith(separator_prefix)]
    old = blocks(text)[head]
    return text.replace(f"{head}\n{old}", f"{head}\n{new}")


def preview_json(cli_run, *extra: str):
    result = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_the_file_shows_each_post_verbatim_with_its_story_and_limit(cli_run, tmp_path):
    composed, note = preview_json(cli_run)
    assert "stored draft" not in note
    text = write_draft(cli_run, tmp_path).read_text(encoding="utf-8")
    assert f"# issue: {ISSUE_URL}" in text
    heads = list(blocks(text))
    x_posts = composed["threads"]["x"]
    assert len(x_posts) == N and len(heads) == 2 * N
    expected = [f"--- x {n}/{N} · " + (p["role"] if p["role"] in ("opening", "closing") else
                                        f"story {p['item']}" + (", continued" if p["role"] == "continuation" else ""))
                + " · limit 280 X weighted length ---" for n, p in enumerate(x_posts, 1)]
    assert heads[:N] == expected
    assert heads[1] == f"--- x 2/{N} · story 2 · limit 280 X weighted length ---"
    assert heads[N] == f"--- bluesky 1/{N} · opening · limit 300 graphemes, 3000 bytes ---"
    assert [blocks(text)[h] for h in heads[:N]] == [p["text"] for p in x_posts]
    # Bluesky shows long URLs short; the file has them in full, as the author types them.
    opening = blocks(text)[heads[N]]
    assert ISSUE_URL in opening and ISSUE_URL not in composed["threads"]["bluesky"][0]["text"]


def test_an_unchanged_draft_round_trips_to_the_same_threads(cli_run, tmp_path):
    composed, _ = preview_json(cli_run)
    path = write_draft(cli_run, tmp_path)
    result = cli_run("draft", "--apply", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"stored the draft of issue #33: x {N} posts, bluesky {N} posts")
    drafted, note = preview_json(cli_run)
    assert drafted["threads"] == composed["threads"]
    assert note.startswith("using the stored draft of issue #33 (saved ")
    again = cli_run("draft", "--apply", str(path))
    assert again.stdout.startswith("no change to the stored draft of issue #33")


def test_an_edited_post_is_measured_and_linked_again(cli_run, tmp_path):
    path = write_draft(cli_run, tmp_path)
    text = replace_post(path.read_text(encoding="utf-8"), "--- x 2/", NEW_X2)
    new_bsky = f"Edited on Bluesky: see https://arxiv.org/abs/2501.00001?ref=a-very-long-query 2/{N}"
    text = replace_post(text, "--- bluesky 2/", new_bsky)
    path.write_text(text, encoding="utf-8")
    assert cli_run("draft", "--apply", str(path)).exit_code == 0
    data, _ = preview_json(cli_run)
    x2 = data["threads"]["x"][1]
    assert x2["text"] == NEW_X2 and x2["links"] == ["https://arxiv.org/abs/2501.00001"]
    assert x2["length"] == len(NEW_X2) - len("https://arxiv.org/abs/2501.00001") + 23
    b2 = data["threads"]["bluesky"][1]
    assert b2["text"] == f"Edited on Bluesky: see arxiv.org/abs/2501.000... 2/{N}"
    (facet,) = b2["facets"]
    assert facet["features"][0]["uri"] == "https://arxiv.org/abs/2501.00001?ref=a-very-long-query"
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert b2["text"].encode()[start:end] == b"arxiv.org/abs/2501.000..."
    assert b2["length"] == len(b2["text"])
    # the text preview says where its text comes from too
    text_preview = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x")
    assert NEW_X2 in text_preview.stdout and "using the stored draft" in text_preview.stderr


def test_an_over_long_post_is_one_line_naming_it_and_nothing_is_stored(cli_run, tmp_path):
    path = write_draft(cli_run, tmp_path)
    original = path.read_text(encoding="utf-8")
    path.write_text(replace_post(original, "--- x 2/", "word " * 60 + f"2/{N}"), encoding="utf-8")
    result = cli_run("draft", "--apply", str(path))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: x post 2/{N} (story 2) cannot fit in 280 (X weighted length): it measures 303 "
        "(X weighted length); nothing was stored\n")
    _, note = preview_json(cli_run)
    assert "stored draft" not in note  # nothing was stored
    too_many = replace_post(original, "--- x 2/", "é" * 281)
    too_many = replace_post(too_many, "--- bluesky 4/", "ok " * 120)
    path.write_text(too_many, encoding="utf-8")
    result = cli_run("draft", "--apply", str(path))
    assert result.output.startswith(f"Error: x post 2/{N} (story 2) cannot fit")
    assert result.output.endswith("(and 1 more); nothing was stored\n")


def test_a_file_edited_out_of_shape_is_a_clear_error(cli_run, tmp_path):
    path = write_draft(cli_run, tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"--- x 1/{N}", f"--- y 1/{N}"), encoding="utf-8")
    result = cli_run("draft", "--apply", str(path))
    assert result.output.startswith("Error: ") and "unknown platform 'y'" in result.output
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("# issue:")))
    result = cli_run("draft", "--apply", str(path))
    assert result.output.startswith("Error: ") and "has no '# issue: KEY' line" in result.output
    path.write_text(text.replace(f"--- x 2/{N} · story 2", f"--- x 2/{N} · story 99"), encoding="utf-8")
    result = cli_run("draft", "--apply", str(path))
    assert f"x post 2/{N} (story 99): the issue has no story 99; nothing was stored" in result.output


EDITOR = """\
import os, sys
path = sys.argv[-1]
text = open(path, encoding="utf-8").read()
head = next(l for l in text.splitlines() if l.startswith("--- x 2/"))
start = text.index(head) + len(head) + 1
end = text.index("\\n\\n--- x 3/")
open(path, "w", encoding="utf-8").write(text[:start] + os.environ['DRAFT_REPLACEMENT'] + text[end:])
"""


def editor(tmp_path: Path, replacement: str) -> dict[str, str]:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR, encoding="utf-8")
    # What a person's editor does: change the file in place and exit 0 (click.edit runs
    # "$EDITOR FILE").
    return {"EDITOR": f"{sys.executable} {script}", "VISUAL": "", "DRAFT_REPLACEMENT": replacement}


def test_edit_opens_the_editor_and_applies_on_save(cli_run, tmp_path):
    assert cli_run("draft", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "-o", "-").exit_code == 0  # store the issue
    result = cli_run("draft", "--edit", "33", env=editor(tmp_path, NEW_X2))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("stored the draft of issue #33")
    data, _ = preview_json(cli_run, "--platform", "x")
    assert data["threads"]["x"][1]["text"] == NEW_X2


def test_a_refused_edit_keeps_the_edited_file(cli_run, tmp_path):
    result = cli_run("draft", "--edit", str(SAMPLE_ISSUE), "--url", ISSUE_URL,
                     env=editor(tmp_path, "x" * 300))
    assert result.exit_code == 1
    assert f"x post 2/{N} (story 2) cannot fit" in result.output
    kept = Path(result.output.split("your edit is kept in ")[1].split(":")[0])
    assert "x" * 300 in kept.read_text(encoding="utf-8")
    assert cli_run("draft", "--apply", str(kept)).exit_code == 1  # still too long
    kept.unlink()


def test_pick_does_not_silently_override_a_draft_and_discard_goes_back(cli_run, tmp_path):
    path = write_draft(cli_run, tmp_path)
    path.write_text(replace_post(path.read_text(encoding="utf-8"), "--- x 2/", NEW_X2))
    assert cli_run("draft", "--apply", str(path)).exit_code == 0
    result = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--pick", "5")
    assert result.exit_code == 1
    assert result.output.startswith("Error: issue #33 has a stored draft: --pick and --highlights")
    result = cli_run("draft", "--discard", "33")
    assert result.stdout.startswith("dropped the draft of")
    data, note = preview_json(cli_run, "--platform", "x")
    assert data["threads"]["x"][1]["text"] != NEW_X2 and "stored draft" not in note


@pytest.fixture
def x():
    with XPostingServer() as server:
        yield server
        server.check()


def test_bot_post_sends_the_edited_text_and_the_draft_is_fixed_once_started(cli_run, tmp_path, x):
    path = write_draft(cli_run, tmp_path, "--platform", "x")
    path.write_text(replace_post(path.read_text(encoding="utf-8"), "--- x 2/", NEW_X2))
    assert cli_run("draft", "--apply", str(path)).exit_code == 0
    env = {**x.credentials.env(x.base_url), "BOT_HTTP_TIMEOUT": "5"}
    result = cli_run("post", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x", "--yes", env=env)
    assert result.exit_code == 0, result.output
    assert "using the stored draft of issue #33" in result.stderr
    assert result.stdout.startswith(f"x: posted {N}/{N} ({N} new, {N} requests)")
    assert [t.submitted for t in x.chain(x.tweets[0].id)][1] == NEW_X2
    path.write_text(replace_post(path.read_text(encoding="utf-8"), "--- x 2/", f"Too late 2/{N}"))
    result = cli_run("draft", "--apply", str(path))
    assert result.exit_code == 1
    assert result.output == ("Error: the x thread of issue #33 has started posting: its text can no "
                             "longer change (bot status shows what was posted); nothing was stored\n")
    status = cli_run("status")
    assert "#33 ML4Sci #33" in status.stdout and f": posted · {N}/{N} posts sent" in status.stdout


def test_hashtag_lines_stay_in_a_post_and_a_dropped_post_asks_for_renumbering(cli_run, tmp_path):
    path = write_draft(cli_run, tmp_path, "--platform", "x")
    text = path.read_text(encoding="utf-8")
    tagged = f"A post that ends with its tags\n#MachineLearning #science 2/{N - 1}"
    text = replace_post(text, "--- x 2/", tagged)
    # Drop the third post's block: the thread has one post fewer, its labels are stale.
    head3 = next(h for h in blocks(text) if h.startswith("--- x 3/"))
    text = text.replace(f"{head3}\n{blocks(text)[head3]}\n\n", "")
    path.write_text(text, encoding="utf-8")
    result = cli_run("draft", "--apply", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"stored the draft of issue #33: x {N - 1} posts")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings[0] == f"warning: x post 1/{N - 1} ends with 1/{N}: renumber it 1/{N - 1}?"
    assert warnings[1] == f"warning: x post 3/{N - 1} (story 6) ends with 4/{N}: renumber it 3/{N - 1}?"
    assert len(warnings) == N - 2  # all but the hand-numbered post 2
    data, _ = preview_json(cli_run, "--platform", "x")
    assert data["threads"]["x"][1]["text"] == tagged and len(data["threads"]["x"]) == N - 1
