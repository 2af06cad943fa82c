"""How well ``bot preview`` reads real newsletters: ``python -m bench.reading [--json] [-v]``.

For every issue of the corpus (tests/fixtures/newsletters/corpus/: each ``<file>.expected.json``
beside its file, plus the entries of ``index.json`` that point at files kept elsewhere, such as
the bundled sample) it runs the real CLI in-process, ``bot preview FILE --format json``, in an
empty temporary directory with every BOT_*/X_*/BLUESKY_* variable removed (no user settings),
and compares the threads with the hand-written expectations.

Only the preview JSON fields that exist before and after the reader rewrite are used:
``issue.title``/``issue.url`` and each post's ``text``, ``role``, ``links``, ``item``.

Rules (what each figure means):

- A *highlight* is a Bluesky post whose role is ``highlight``; the ``continuation`` posts right
  after it belong to it (their text and links are added to it). Bluesky carries every link; X
  may drop links by policy.
- *Story precision*: the share of highlights whose text carries an expected story's headline.
  Both are normalised (NFKC, lower case, URLs, the ``n/m`` counter, punctuation and emoji
  removed, a few stop words dropped) into word tokens. A highlight carries a headline when the
  whole headline appears as a run of tokens, or when it holds at least 60% of the headline's
  distinct tokens (at most its first 12, so a long first-sentence headline the post shortened
  still matches) close together; either way the headline must start within the post's first
  LEAD_SLACK (8) tokens, so an emoji, a ``[Tag]``, a short lead-in or commentary after it do
  not prevent a match, but a paragraph that only mentions a section's name is no match.
  Headlines of one or two tokens match only as a whole. Each highlight takes its best-matching
  story; when two highlights carry the same story, the better match keeps it and the other
  counts as no story (a duplicate).
- *Main-link accuracy*: of the matched highlights, the share whose links include the story's
  expected main link, both normalised (scheme, ``www.``, a trailing slash and ``utm_*``
  parameters dropped, host lower-cased; the fragment is kept: two releases on one page differ
  only by it). When the expected main link is null, the
  highlight is right iff it carries no link, or only the issue's own URL.
- *Leaks*: occurrences, in any post text of X and Bluesky, of each furniture string the issue's
  expectation lists and of GENERIC_FURNITURE (case-insensitive, whitespace normalised; the
  generic list is not applied to the bot's own closing post), plus every post line (the ``n/m``
  counter stripped) that is only a number or only a date.
- *Clean title*: ``issue.title`` equals the expected title after whitespace normalisation.
- *Named*: both opening posts contain the expected newsletter name, and, unless the newsletter is
  ML4Sci, no post of either thread says "ML4Sci" or "ml4sci.substack.com". An expected name of
  null means the file names its newsletter nowhere a reader can rely on (metadata, site or feed
  title, the issue's title): then only the second half is checked.
- An expected title of null means the file holds no title: the reader is right to refuse it with
  one line (counted as a clean title, named, and not an error); a thread with an invented title
  fails the title check.
- *In order* (reported, no threshold yet): the share of issues whose matched highlights come in
  the issue's own story order.
- *Errors*: a file the CLI refuses (non-zero exit, or output that is not the JSON); the issue
  then counts as not clean and not named, and adds no highlights.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.reading_rules import (
    GENERIC_FURNITURE,
    LEAD_SLACK,
    Highlight,
    find_leaks,
    group_highlights,
    headline_score,
    match_stories,
    norm_space,
    norm_url,
    tokens,
)

__all__ = [
    "GENERIC_FURNITURE", "LEAD_SLACK", "Highlight", "evaluate", "find_leaks", "group_highlights",
    "headline_score", "load_cases", "match_stories", "norm_url", "render", "run_preview", "tokens",
]

ENV_PREFIXES = ("BOT_", "X_", "BLUESKY_")
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "newsletters" / "corpus"
THRESHOLDS = Path(__file__).resolve().parent / "reading_thresholds.json"


# ---------------------------------------------------------------- the corpus


@dataclass
class Case:
    newsletter_key: str  # the table's row: the corpus folder (or the index entry's group)
    path: Path
    expected: dict


def load_cases(corpus: Path = CORPUS) -> list[Case]:
    cases = []
    for exp in sorted(corpus.glob("*/*.expected.json")):
        source = exp.with_name(exp.name.removesuffix(".expected.json"))
        cases.append(Case(exp.parent.name, source, json.loads(exp.read_text(encoding="utf-8"))))
    index = corpus / "index.json"
    if index.exists():
        for entry in json.loads(index.read_text(encoding="utf-8")).get("elsewhere", []):
            cases.append(Case(entry["group"], ROOT / entry["file"], entry["expected"]))
    return cases


# ---------------------------------------------------------------- running the CLI


def _runner():
    """A CliRunner whose ``stdout`` holds only stdout (Click 8.1 mixes stderr in by default)."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # Click < 8.2
    except TypeError:
        return CliRunner()  # Click >= 8.2 keeps the streams apart


def run_preview(path: Path) -> tuple[dict | None, str]:
    """``bot preview PATH --format json`` in-process; (the JSON, "") or (None, the error)."""
    from bot.cli import cli

    env = {k: None for k in os.environ if k.startswith(ENV_PREFIXES)}
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as cwd:
        os.chdir(cwd)
        try:
            result = _runner().invoke(cli, ["preview", str(path), "--format", "json"], env=env)
        finally:
            os.chdir(old)
    if result.exit_code != 0:
        try:
            said = result.stderr or result.output
        except ValueError:  # Click 8.1 with stderr mixed in
            said = result.output
        lines = (said or "").strip().splitlines() or [repr(result.exception)]
        return None, lines[-1][:200]
    try:
        return json.loads(result.stdout), ""
    except ValueError:
        return None, "the output is not JSON: " + result.stdout[:120]


# ---------------------------------------------------------------- scoring one issue


@dataclass
class IssueResult:
    file: str
    newsletter_key: str
    error: str = ""
    highlights: list[Highlight] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    title: str | None = None
    title_ok: bool = False
    named: bool = False
    naming_problem: str = ""
    refused_as_expected: bool = False


def score_issue(case: Case, preview: dict | None, error: str) -> IssueResult:
    rel = os.path.relpath(case.path, ROOT)
    exp = case.expected
    res = IssueResult(rel, case.newsletter_key, error=error)
    if exp["title"] is None:  # the file holds no title: refusing it with one line is right
        res.refused_as_expected = preview is None
        if preview is None:
            res.error, res.title_ok, res.named = "", True, True
            return res
    if preview is None:
        return res
    issue = preview.get("issue") or {}
    threads = preview.get("threads") or {}
    res.title = issue.get("title")
    res.title_ok = exp["title"] is not None and norm_space(res.title or "") == norm_space(exp["title"])
    own = norm_url(issue["url"]) if issue.get("url") else None
    res.highlights = group_highlights(threads.get("bluesky", []))
    match_stories(exp["stories"], res.highlights)
    for h in res.highlights:
        if h.story is None:
            continue
        main = exp["stories"][h.story]["main_link"]
        have = {norm_url(u) for u in h.links}
        h.link_ok = (not have or have == {own}) if main is None else norm_url(main) in have
    res.leaks = find_leaks(threads, list(exp.get("furniture", [])))
    res.named, res.naming_problem = check_named(threads, exp["newsletter"])
    return res


def check_named(threads: dict, name: str | None) -> tuple[bool, str]:
    if not threads:
        return False, "no threads"
    for platform, posts in threads.items():
        opening = next((p for p in posts if p.get("role") == "opening"), posts[0] if posts else None)
        if opening is None:
            return False, f"{platform} has no opening post"
        if name is not None and name.lower() not in opening.get("text", "").lower():
            return False, f"{platform} opening post does not say {name!r}"
        if name is None or name.lower() != "ml4sci":
            for p in posts:
                low = p.get("text", "").lower() + " " + " ".join(p.get("links") or []).lower()
                if "ml4sci" in low:
                    return False, f"{platform} says ML4Sci: {p.get('text', '')[:60]!r}"
    return True, ""


# ---------------------------------------------------------------- totals and the table


def totals(results: list[IssueResult]) -> dict:
    hl = [h for r in results for h in r.highlights]
    matched = [h for h in hl if h.story is not None]
    return {
        "issues": len(results),
        "errors": sum(1 for r in results if r.error),
        "highlights": len(hl),
        "matched": len(matched),
        "precision": len(matched) / len(hl) if hl else 0.0,
        "main_link": sum(1 for h in matched if h.link_ok) / len(matched) if matched else 0.0,
        "leaks": sum(len(r.leaks) for r in results),
        "titles": sum(1 for r in results if r.title_ok) / len(results) if results else 0.0,
        "named": sum(1 for r in results if r.named) / len(results) if results else 0.0,
        "in_order": sum(1 for r in results if in_issue_order(r)) / len(results) if results else 0.0,
    }


def in_issue_order(result: IssueResult) -> bool:
    """The matched highlights follow the issue's own order (issue 9: "post them in order")."""
    stories = [h.story for h in result.highlights if h.story is not None]
    return not result.error and stories == sorted(stories)


def evaluate(corpus: Path = CORPUS) -> dict:
    results = []
    for case in load_cases(corpus):
        preview, error = run_preview(case.path)
        results.append(score_issue(case, preview, error))
    groups = sorted({r.newsletter_key for r in results})
    return {
        "overall": totals(results),
        "newsletters": {g: totals([r for r in results if r.newsletter_key == g]) for g in groups},
        "issues": [asdict(r) for r in results],
    }


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def render(report: dict, *, verbose: bool = False) -> str:
    head = f"{'newsletter':20} {'issues':>6} {'errors':>6} {'highl.':>6} {'precision':>9} {'main link':>9} {'leaks':>5} {'titles':>6} {'named':>6} {'order':>6}"
    lines = [head, "-" * len(head)]

    def row(name: str, t: dict) -> str:
        return (
            f"{name:20} {t['issues']:6d} {t['errors']:6d} {t['highlights']:6d} {pct(t['precision']):>9}"
            f" {pct(t['main_link']):>9} {t['leaks']:5d} {pct(t['titles']):>6} {pct(t['named']):>6}"
            f" {pct(t['in_order']):>6}"
        )

    for name, t in report["newsletters"].items():
        lines.append(row(name, t))
    lines += ["-" * len(head), row("overall", report["overall"])]
    if verbose:
        for r in report["issues"]:
            lines.append(f"\n{r['file']}")
            if r["error"]:
                lines.append(f"  ERROR {r['error']}")
                continue
            if not r["title_ok"]:
                lines.append(f"  title {r['title']!r}")
            if not r["named"]:
                lines.append(f"  naming: {r['naming_problem']}")
            for h in r["highlights"]:
                mark = "ok " if h["story"] is not None and h["link_ok"] else ("LNK" if h["story"] is not None else "NOT")
                mark = "DUP" if h["duplicate_of"] is not None else mark
                lines.append(f"  {mark} item {h['item']}: {norm_space(h['text'])[:90]!r} {h['links'][:2]}")
            for leak in r["leaks"]:
                lines.append(f"  leak {leak}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reading", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("-v", "--verbose", action="store_true", help="every highlight and leak")
    args = parser.parse_args(argv)
    report = evaluate()
    if args.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render(report, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
