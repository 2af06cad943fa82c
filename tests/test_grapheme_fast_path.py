"""bot.graphemes answers exactly as the regex module does, or asks it.

The tables are checked to be what the installed ``regex`` says, each fact the fast path rests on
is checked against ``regex`` (on every simple code point, on every sequence of up to three
pieces of every kind the rules of UAX #29 tell apart), then the answers of ``graphemes``,
``words``, ``leading_marker`` and ``issue_number`` are compared with the ``regex`` code they
replaced on every code point, on generated text full of the hard cases and on every text the
reading corpus gives or composes. ``bot preview`` of the sample must not import ``regex``.
The tables' source is tests/support/grapheme_tables.py.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from bot import graphemes, graphemes_ranges
from bot.compose import split
from bot.compose.length import grapheme_length
from bot.compose.length import graphemes as length_graphemes
from bot.compose.split import Word, words
from bot.graphemes import VS16, clusters, cluster_count, emoji_run_end, is_letter, plain
from bot.newsletter import items
from bot.newsletter.items import issue_number, leading_marker
from tests.conftest import ROOT
from tests.support.grapheme_tables import TABLES, bounds, white_space

_X = regex.compile(r"\X")
_LETTER = regex.compile(r"\p{L}")

# -- what the code did before, verbatim: the references -----------------------------------
_MARKER = regex.compile(r"^(?:(?=\p{Extended_Pictographic}|\p{Regional_Indicator})\X)+")
_OLD_NUMBER = (
    re.compile(r"#\s?(\d{1,5})\b"),
    re.compile(r"\b(?:issue|no\.?|nr\.?|number|edition|vol\.?|volume|ep\.?|episode)\s*#?\s*(\d{1,5})\b", re.IGNORECASE),
    regex.compile(r"^\s*\p{L}[\p{L}\p{N}'’&.-]*(?:\s+\p{L}[\p{L}'’&.-]*){0,4}\s+(\d{1,5})\s*[:|–—-]\s"),
)
_OLD_SENTENCE_END = regex.compile(r"[.!?…‽][\"'”’»)\]]*$")
_OLD_CLAUSE_END = regex.compile(r"[,;:—–][\"'”’»)\]]*$")


def old_leading_marker(text: str) -> tuple[str | None, str]:
    match = _MARKER.match(text)
    if not match:
        return None, text
    return match.group(0), text[match.end() :].lstrip()


def old_issue_number(title: str) -> int | None:
    for pattern in _OLD_NUMBER:
        match = pattern.search(title)
        if match:
            return int(match.group(1))
    return None


def _old_penalty(word: str, gap: str) -> int:
    if "\n" in gap:
        return split._SENTENCE
    if _OLD_SENTENCE_END.search(word):
        bare = word.rstrip("\"'”’»)]").lower()
        if bare not in split._ABBREVIATIONS and not regex.fullmatch(r"\p{L}\.", bare):
            return split._SENTENCE
    if _OLD_CLAUSE_END.search(word):
        return split._CLAUSE
    return split._WORD


def old_words(text: str) -> list[Word]:
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for match in _X.finditer(text):
        if match.group().isspace():
            if start is not None:
                spans.append((start, match.start()))
                start = None
        elif start is None:
            start = match.start()
    if start is not None:
        spans.append((start, len(text)))
    return [
        Word(s, e, _old_penalty(text[s:e], text[e : spans[i + 1][0]] if i + 1 < len(spans) else "\n"))
        for i, (s, e) in enumerate(spans)
    ]


def _agrees(text: str) -> bool:
    """Every answer about ``text`` is regex's; True when the fast path gave the clusters."""
    expected = _X.findall(text)
    assert clusters(text) == length_graphemes(text) == expected, ascii(text)
    assert cluster_count(text) == grapheme_length(text) == len(expected), ascii(text)
    assert words(text) == old_words(text), ascii(text)
    assert leading_marker(text) == old_leading_marker(text), ascii(text)
    assert issue_number(text) == old_issue_number(text), ascii(text)
    return plain(text)


# -- the tables ------------------------------------------------------------------------------
def _chars(table: tuple[int, ...]) -> list[str]:
    return [chr(code) for start, end in zip(table[::2], table[1::2]) for code in range(start, end)]


def test_the_tables_are_what_regex_says():
    for name, pattern in TABLES.items():
        assert getattr(graphemes_ranges, name) == bounds(pattern), f"{name}: python -m tests.support.grapheme_tables"
    assert graphemes_ranges.WHITE_SPACE == white_space()
    assert graphemes._REGIONAL_INDICATORS == bounds(r"\p{Regional_Indicator}")


def test_the_tables_hold_what_the_fast_path_assumes():
    simple = set(_chars(graphemes_ranges.SIMPLE))
    assert "\r" not in simple and VS16 not in simple and "\n" in simple and "a" in simple
    assert not simple & {chr(c) for c in range(0xD800, 0xE000)}
    assert set(_chars(graphemes_ranges.CONTROL_LF)) <= simple
    # every emoji is a simple code point that takes U+FE0F; no regional indicator is simple
    assert set(_chars(graphemes_ranges.PICTOGRAPHIC)) <= simple - set(_chars(graphemes_ranges.CONTROL_LF))
    assert not simple & set(_chars(graphemes._REGIONAL_INDICATORS))
    # the characters plain() takes without a look at the table
    assert graphemes._LATIN1_SIMPLE <= simple
    assert regex.fullmatch(r"[\p{Grapheme_Cluster_Break=Extend}&&\P{InCB=Linker}]", VS16, flags=regex.V1)
    assert graphemes_ranges.WHITE_SPACE == "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


# -- the facts -------------------------------------------------------------------------------
def test_simple_code_points_never_join_each_other():
    simple = _chars(graphemes_ranges.SIMPLE)
    assert len(simple) > 1_000_000
    for text in ("".join(simple), "".join(f"a{c}" for c in simple) + "b", "".join(c + c for c in simple),
                 "".join(reversed(simple))):
        assert _X.findall(text) == list(text)


def test_vs16_joins_the_other_code_point_before_it_and_nothing_else():
    control = set(_chars(graphemes_ranges.CONTROL_LF))
    other = [c for c in _chars(graphemes_ranges.SIMPLE) if c not in control]
    assert _X.findall("".join(c + VS16 for c in other)) == [c + VS16 for c in other]
    assert _X.findall("".join(f"{c}{VS16}a" for c in other)) == [x for c in other for x in (c + VS16, "a")]
    after_control = "".join(c + VS16 for c in control)
    assert _X.findall(after_control) == list(after_control)
    assert _X.findall(VS16 + VS16) == [VS16 + VS16] and _X.findall("a" + VS16 + VS16) == ["a" + VS16 + VS16]


_PROPERTIES = (
    *(f"Grapheme_Cluster_Break={value}" for value in (
        "Other", "Control", "LF", "CR", "Extend", "ZWJ", "SpacingMark", "Prepend", "Regional_Indicator",
        "L", "V", "T", "LV", "LVT")),
    "Extended_Pictographic", "InCB=Consonant", "InCB=Linker", "InCB=Extend",
)


def _kinds() -> list[str]:
    """The first two code points of each kind regex's grapheme rules tell apart (its
    Grapheme_Cluster_Break, Extended_Pictographic and Indic_Conjunct_Break, all they read), a lone
    surrogate and U+FE0F."""
    tables = [bounds(rf"\p{{{name}}}") for name in _PROPERTIES]
    cuts = sorted({0, *itertools.chain(*tables)} - {0x110000})
    found: dict[tuple[bool, ...], list[str]] = {}
    for start, end in itertools.pairwise([*cuts, 0x110000]):
        if 0xD800 <= start < 0xE000:
            continue
        kind = tuple(graphemes._inside(table, start) for table in tables)
        found.setdefault(kind, []).extend(map(chr, range(start, min(end, start + 2))))
    return [char for chars in found.values() for char in chars[:2]] + ["\ud800", VS16]


def test_every_sequence_of_up_to_three_kinds_agrees():
    kinds = _kinds()
    assert len(kinds) > 30
    answered = 0
    for parts in itertools.chain(*(itertools.product(kinds, repeat=n) for n in (1, 2, 3))):
        text = "".join(parts)
        assert clusters(text) == _X.findall(text), ascii(text)
        assert cluster_count(text) == len(_X.findall(text)), ascii(text)
        assert leading_marker(text + " x") == old_leading_marker(text + " x"), ascii(text)
        answered += plain(text)
    assert answered > 700  # the sequences of simple kinds (and U+FE0F after one)


# -- the comparisons -----------------------------------------------------------------------
def test_every_code_point_between_letters_and_before_vs16():
    # The pieces clusters() answers alone, joined by LF, are a plain text that regex splits as
    # clusters() does. That is each piece split as regex splits it: clusters() splits every
    # plain text code point by code point, and LF breaks on both sides (GB4, GB5) with no rule
    # looking back across it, so regex splits the joined text into the pieces' clusters and LFs.
    for make in (lambda char: f"a{char}b", lambda char: f"{char}{VS16}b"):
        pieces = [make(chr(code)) for code in range(0x110000)]
        answered = [piece for piece in pieces if plain(piece)]
        joined = "\n".join(answered)
        assert plain(joined) and clusters(joined) == _X.findall(joined)
        assert len(answered) > 0.98 * len(pieces)
        for piece in pieces[::97]:  # and the others are regex's answers, of course
            assert clusters(piece) == _X.findall(piece)


def test_every_code_point_as_a_marker_and_a_letter():
    answered = 0
    for char in map(chr, range(0x110000)):
        for text in (f"{char}b", f"{char}{VS16} b"):
            end = emoji_run_end(text)
            if end is not None:
                match = _MARKER.match(text)
                assert end == (match.end() if match else 0), ascii(text)
                answered += end > 0
    assert answered == 2 * len(_chars(graphemes_ranges.PICTOGRAPHIC))  # every emoji, alone and with U+FE0F
    letters = set(_LETTER.findall("".join(map(chr, range(0x110000)))))
    assert {char for char in map(chr, range(0x110000)) if is_letter(char)} == letters


def test_is_letter_rests_on_str_isalpha_where_python_knows_the_code_point():
    python_only = [c for c in map(chr, range(0x110000)) if c.isalpha() and not _LETTER.fullmatch(c)]
    printable_letters = [c for c in map(chr, range(0x110000))
                         if not c.isalpha() and c.isprintable() and _LETTER.fullmatch(c)]
    assert python_only == printable_letters == []
    # and the regex fallback is not idle: letters newer than Python's Unicode
    assert any(_LETTER.fullmatch(c) and not c.isalpha() for c in map(chr, range(0x10940, 0x10960)))


_PIECES = st.sampled_from([
    "a", "Z", "é", "e\u0301", "ß", "Σ", "日本", "ı", " ", "  ", "\n", "\r\n", "\r", "\t", "\xa0", "\u3000",
    "\u2028", "\x85", "\x1c", ".", ",", ";", ":", "—", "–", "-", "|", "!", "?", "…", "‽", "\"", "'", "”",
    "’", "»", ")", "]", "e.g.", "J.", "j.", "É.", "Σ.", "\U00010940.", "1", "42", "329", "١٢", "²",
    "Import AI", "Issue", "#", "No.", "[Arxiv]", "🤯", "❤", "❤\ufe0f", "💻", "🪐", "©", "™", "\ufe0f",
    "\ufe0e", "\u200d", "👩\u200d🔬", "❤\ufe0f\u200d🔥", "👍🏽", "🏽", "🇯🇵", "🇺", "🇸", "#\ufe0f\u20e3",
    "1\ufe0f\u20e3", "\u20e3", "\u1100", "\u1161", "\u11a8", "가", "각", "क", "्", "ष", "\u093e",
    "\u0600", "\u0d4e", "\u0e33", "\u200b", "\u200c", "\ufeff", "\U000e0067", "\U0001f3f4", "\ud800",
    "\U00011f04", "\U0001fae8",
])
_TEXTS = st.lists(_PIECES, max_size=24).map("".join)


@given(_TEXTS)
def test_generated_text_agrees(text):
    _agrees(text)
    _agrees(text.strip())


@given(st.text(max_size=30))
def test_any_text_agrees(text):
    _agrees(text)


def test_a_named_number_needs_a_separator_then_regexs_white_space():
    # Python's str.isspace also takes U+001C..U+001F, which regex's \s does not.
    for separator, after in itertools.product(":|–—-.,", [*graphemes_ranges.WHITE_SPACE, *"\x1c\x1f\u200bxa1"]):
        title = f"Import AI 329{separator}{after}next"
        assert items._may_name_a_number(title) == (_OLD_NUMBER[2].search(title) is not None), ascii(title)
        assert issue_number(title) == old_issue_number(title), ascii(title)


@given(_TEXTS, _TEXTS)
def test_generated_titles_agree(name, rest):
    for title in (f"{name} 12: {rest}", f"{name} 12:{rest}", f"{name}{rest}", f" {name} 7 —{rest}",
                  f"{rest} 3 | {name}"):
        assert issue_number(title) == old_issue_number(title), ascii(title)
        if not items._may_name_a_number(title):
            assert _OLD_NUMBER[2].search(title) is None, ascii(title)


def test_the_cases_it_must_leave_to_regex():
    for text in ("\r\n", "a\r", "e\u0301", "👩\u200d🔬", "🇯🇵", "👍🏽", "#\ufe0f\u20e3", "가", "\u1100\u1161",
                 VS16, "a" + VS16 + VS16, "\n" + VS16, "क्ष", "\u0600a", "a\u093e", "\ud800", "x\u200dy"):
        assert not plain(text), ascii(text)
        assert clusters(text) == _X.findall(text)
    for text in ("🇯🇵 Japan", "👩\u200d🔬 lab", "👍🏽 yes", "❤\ufe0f\u200d🔥 x", "🤯\u0301 x", "❤\ufe0f\ufe0f x",
                 "🤯\r\n"):
        assert emoji_run_end(text) is None, ascii(text)
    assert items._may_name_a_number("Import AI 329: x") and not items._may_name_a_number("Import AI 329:x")


def test_plain_text_is_answered():
    for text in ("If you enjoy reading ML4Sci, send us a ❤️. Or forward it!", "“Two Transformers” — 1/7",
                 "Müller’s α-helix… 日本語", "line\nnext\x0b\x7f\xad", "™\ufe0f ©\ufe0f"):
        assert plain(text) and _agrees(text), text
    cases = {"🤯NVIDIA VP": 1, "❤\ufe0f x": 2, "💻 A great": 1, "🌎[Arxiv]": 1, "📱🪐x": 2, "": 0,
             "abc": 0, "[Medium] x": 0, "e\u0301": 0, "#\ufe0f\u20e3 x": 0, "🤯": 1, "❤\ufe0f": 2}
    for text, end in cases.items():
        assert emoji_run_end(text) == end, text
        assert leading_marker(text) == old_leading_marker(text)
    for title in ("Back in the game", "An unexpected RL Renaissance", "This Week In LiveCode 10"):
        assert not items._may_name_a_number(title)


# -- real text -------------------------------------------------------------------------------
@functools.cache
def _corpus_texts() -> tuple[list[str], list[str]]:
    """(every post text composed from the reading corpus, every text the readers made or
    looked at for a marker: titles, section titles, headlines, story texts, markers)."""
    sys.path.insert(0, str(ROOT))
    from bench.reading import load_cases, run_preview
    from bot.errors import InputError
    from bot.newsletter.reader import read_issue

    posts: list[str] = []
    for case in load_cases():
        preview, _ = run_preview(case.path)
        for platform_posts in (preview or {}).get("threads", {}).values():
            posts.extend(post["text"] for post in platform_posts)
    seen: list[str] = []
    original = items.leading_marker

    def spy(text: str) -> tuple[str | None, str]:
        seen.append(text)
        return original(text)

    items.leading_marker = spy
    try:
        for case in load_cases():
            try:
                issue = read_issue(str(case.path))
            except InputError:  # a file without a title, which the reader refuses
                continue
            seen.extend([issue.title, issue.subtitle, issue.newsletter])
            for section in issue.sections:
                seen.append(section.title)
                for story in section.stories:
                    seen.extend([story.headline, story.text, story.marker or "", story.tag or ""])
    finally:
        items.leading_marker = original
    return posts, seen


def test_every_text_of_the_reading_corpus():
    posts, read = _corpus_texts()
    assert len(posts) > 300 and len(read) > 1000
    answered = sum(_agrees(text) for text in posts + read)
    assert answered > 0.95 * (len(posts) + len(read)), f"{answered} of {len(posts) + len(read)}"
    markers = [text for text in read if old_leading_marker(text)[0]]
    assert len(markers) > 20
    assert sum(emoji_run_end(text) is not None for text in markers) > 0.8 * len(markers)


def _importtime(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    # This tree's bot, whatever is installed; no user settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "X_", "BLUESKY_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "preview", str(ROOT / "examples" / "ml4sci-33.txt"), *args],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=True,
    )
    modules = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return modules, result.stdout


@pytest.mark.parametrize("args", [(), ("--format", "json")])
def test_preview_of_the_sample_never_imports_regex(tmp_path, args):
    modules, out = _importtime(tmp_path, *args)
    assert "bot.graphemes" in modules and "bot.compose.split" in modules  # the code ran here
    assert not {m for m in modules if m == "regex" or m.startswith("regex.")}
    if args:
        assert json.loads(out)["threads"]["bluesky"][0]["limit"] == 300
    else:
        assert "/300 graphemes" in out
