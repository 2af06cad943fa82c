"""Decoding by the declared charset, and mojibake repaired without damaging correct text."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.newsletter import read_feed, read_issue
from bot.newsletter.charset import binary_kind, decode, repair_mojibake
from tests.conftest import SAMPLE_ISSUE

CORRECT = [
    "It’s a “test” — café, naïve, résumé, Zürich, ½ cup, ©2021, 10 €, ™",
    "中文 日本語のテキスト 한국어 🤯 ❤️ 👩‍🔬 🇪🇺",
    "Fuß“ und „Straße“, été…», ÅØ, Ö», ß…",  # real text that spells a UTF-8 sequence by accident
    "ąžuolas, Łukasz był, Ελληνικά, Привет, שלום, العربية",
    "À la carte: Ça va? Él dijo «sí».",
]


def mis_decode(text: str, codec: str) -> str:
    """What a program that read UTF-8 bytes as ``codec`` shows (undefined bytes as C1 controls,
    as Windows does)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode(codec))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


@pytest.mark.parametrize("text", CORRECT)
def test_correct_text_is_left_alone(text):
    assert repair_mojibake(text) == (text, 0)


@pytest.mark.parametrize("codec", ["cp1252", "cp1257", "latin-1"])
@pytest.mark.parametrize("text", CORRECT)
def test_mojibake_is_repaired(text, codec):
    damaged = mis_decode(text, codec)
    assert damaged != text
    repaired, count = repair_mojibake(damaged)
    assert repaired == text
    assert count == sum(1 for ch in text if ord(ch) > 0x7F)


def test_known_sequences():
    assert repair_mojibake("Itâ€™s cafÃ©") == ("It’s café", 2)  # cp1252
    assert repair_mojibake("Itā€™s cafĆ©") == ("It’s café", 2)  # cp1257
    assert repair_mojibake("ðŸ¤¯ NVIDIA") == ("🤯 NVIDIA", 1)
    # Double-encoded text takes two passes: 1 + 3 repairs in the first, 1 in the second.
    assert repair_mojibake("Itâ€™s and Ã¢â‚¬â„¢") == ("It’s and ’", 5)


def test_decode_by_declared_charset():
    xml = '<?xml version="1.0" encoding="windows-1252"?><a>café “x” – 5 €</a>'.encode("cp1252")
    decoded = decode(xml)
    assert decoded.text.endswith("<a>café “x” – 5 €</a>")
    assert decoded.encoding == "cp1252"
    # The HTTP header wins over the document's own declaration.
    assert decode("<p>Gruß</p>".encode("iso8859-15"), declared="ISO-8859-15").text == "<p>Gruß</p>"
    meta = '<html><head><meta charset="windows-1257"></head><p>ąžuolas</p>'.encode("cp1257")
    assert "ąžuolas" in decode(meta).text
    assert decode(b"\xef\xbb\xbfplain").text == "plain"  # BOM
    assert decode("café".encode("utf-16")).text == "café"


def test_undeclared_non_utf8_falls_back_to_cp1252():
    decoded = decode("caf\xe9 \x93quoted\x94".encode("latin-1"))
    assert decoded.text == "café “quoted”"
    assert decoded.warnings == ("bytes are not valid utf-8; read as cp1252",)


def test_utf16_declared_in_an_ascii_document_means_utf8():
    page = '<html><head><meta charset="utf-16"></head><p>café</p></html>'.encode()
    decoded = decode(page)
    assert decoded.text.endswith("<p>café</p></html>")
    assert decoded.encoding == "utf-8"


def test_cp1252_with_undefined_bytes_keeps_them_for_repair():
    decoded = decode(b"caf\xe9 \x81", declared="windows-1252")
    assert decoded.text == "café \x81"
    assert decoded.warnings == ()


def test_unknown_declared_charset_is_ignored():
    decoded = decode("café".encode(), declared="x-klingon")
    assert decoded.text == "café"
    assert decoded.warnings == ("ignored unknown charset 'x-klingon'",)


def test_windows_1252_feed(tmp_path: Path):
    feed = (
        '<?xml version="1.0" encoding="windows-1252"?>\n'
        '<rss version="2.0"><channel><title>Caf\u00e9 Science</title>'
        "<item><title>ML4Sci #50: Na\u00efve models; \u201cQuoted\u201d results</title>"
        "<link>https://ml4sci.substack.com/p/50</link><guid>https://ml4sci.substack.com/p/50</guid>"
        "<pubDate>Mon, 01 Mar 2021 12:00:00 GMT</pubDate>"
        "<description><![CDATA[<h3>Department of Machine Learning</h3>"
        "<p>[Arxiv] A r\u00e9sum\u00e9 of \u2018results\u2019 \u2013 with 5 \u20ac of compute</p>]]></description>"
        "</item></channel></rss>"
    ).encode("cp1252")
    path = tmp_path / "feed.xml"
    path.write_bytes(feed)
    result = read_feed(str(path))
    assert result.title == "Café Science"
    (issue,) = result
    assert issue.title == "ML4Sci #50: Naïve models; “Quoted” results"
    assert issue.items[0].tag == "Arxiv"
    assert issue.items[0].text == "A résumé of ‘results’ – with 5 € of compute"
    assert issue.warnings == ()


def test_sample_read_as_cp1252_and_cp1257_comes_back_whole(tmp_path: Path):
    clean = read_issue(str(SAMPLE_ISSUE))
    text = SAMPLE_ISSUE.read_text(encoding="utf-8")
    for codec in ("cp1252", "cp1257"):
        path = tmp_path / f"{codec}.txt"
        path.write_text(mis_decode(text, codec), encoding="utf-8")
        issue = read_issue(str(path))
        assert issue.sections == clean.sections
        assert issue.title == clean.title
        assert issue.warnings[0].startswith("repaired ")
        assert "mis-decoded character(s) (UTF-8 read as cp1252/cp1257)" in issue.warnings[0]


def test_mojibake_hidden_in_html_entities_is_repaired(tmp_path: Path):
    path = tmp_path / "entities.html"
    path.write_text(
        "<html><head><title>ML4Sci #51: It&acirc;&#128;&#153;s here</title></head>"
        "<body><h3>Near-Future Science</h3><p>&Atilde;&copy;t&Atilde;&copy; results</p></body></html>",
        encoding="ascii",
    )
    issue = read_issue(str(path))
    assert issue.title == "ML4Sci #51: It’s here"
    assert issue.items[0].text == "été results"


def test_binary_kinds():
    assert binary_kind(b"\x89PNG\r\n\x1a\n....") == "a PNG image"
    assert binary_kind(b"%PDF-1.7 ...") == "a PDF document"
    assert binary_kind("ordinary text, ünïcödé".encode()) is None
    assert binary_kind("utf-16 text".encode("utf-16")) is None
    assert binary_kind(bytes(range(256)) * 4) == "binary data"


@pytest.mark.parametrize(("text", "codec"), [
    ("Привет, мир! Как дела сегодня? Это письмо о новых моделях и данных.", "cp1251"),
    ("こんにちは、世界。今日はいい天気ですね。新しいモデルの話です。", "shift_jis"),
])
def test_undeclared_bytes_of_another_script_are_detected(text, codec):
    # charset-normalizer reads scripts cp1252 would garble; Latin text keeps the WHATWG default.
    decoded = decode(text.encode(codec))
    assert decoded.text == text
    assert decoded.warnings[0].endswith("(detected)")
    latin = decode(("Grüße aus Köln, naïve café, Ærø og Øresund, Ça va très bien. " * 3).encode("cp1252"))
    assert latin.encoding == "cp1252" and "naïve" in latin.text
