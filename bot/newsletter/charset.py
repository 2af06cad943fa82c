"""Provide byte decoding by the declared charset and the repair of mojibake.

Newsletters reach us through feeds, pages and copy-pastes, and somewhere along the way UTF-8
bytes are often read as Windows-1252 (``’`` becomes ``â€™``, ``é`` becomes ``Ã©``) or, on Baltic
systems, as Windows-1257 (``ā€™``, ``Ć©``). :func:`repair_mojibake` turns such runs back into the
characters they came from and leaves correct text alone: a run is only re-read as UTF-8 when its
bytes form valid UTF-8 *and* the result is plausible (see :func:`_plausible`).
"""

from __future__ import annotations

import codecs
from typing import Any
import re

import msgspec

_C1_HANDLER = "ml4sci-c1"


def _c1_errors(error: UnicodeError) -> tuple[str, int]:
    # Windows maps the few bytes cp1252/cp1257 leave undefined to the C1 controls; so do we,
    # which keeps every byte recoverable for the mojibake repair.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_C1_HANDLER, _c1_errors)

# WHATWG: these labels mean windows-1252 in practice.
_ALIASES = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x7fELF", "an executable"),
)
_CONTROL_BYTES = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20)) | {0x7F}


class Decoded(msgspec.Struct, frozen=True):
    """Text decoded from bytes, the codec used and what had to be fixed on the way."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def binary_kind(data: bytes) -> str | None:
    """Describe ``data`` if it is binary rather than text (``"a PNG image"``), else ``None``."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "a WebP image"
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None
    head = data[:8192]
    if b"\x00" in head:
        return "binary data"
    controls = sum(1 for byte in head if byte in _CONTROL_BYTES)
    return "binary data" if head and controls / len(head) > 0.02 else None


def normalize_label(label: str | None) -> str | None:
    """The Python codec name for a charset label, or ``None`` if it is unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _ALIASES.get(name.replace("-", "_"), name)


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares in its XML declaration or ``<meta>`` tag."""
    for pattern, window in ((_XML_DECL, 1024), (_META_CHARSET, 8192)):
        match = pattern.search(data[:window])
        if match:
            return match.group(1).decode("ascii")
    return None


def decode(data: bytes, *, declared: str | None = None) -> Decoded:
    """Decode ``data``: BOM, then ``declared`` (an HTTP charset), then the document's own
    declaration, then UTF-8 with a Windows-1252 fallback; finally repair mojibake.
    """
    warnings: list[str] = []
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None:
        for label in (declared, declared_charset(data)):
            encoding = normalize_label(label)
            if label and encoding is None:
                warnings.append(f"ignored unknown charset {label!r}")
            if encoding:
                break
        if encoding is None or encoding.startswith(("utf-16", "utf-32")):
            # Without a BOM, a document that declares its charset in ASCII is not UTF-16 (WHATWG).
            encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        guess = _guess(data) if encoding == "utf-8" and not declared and not declared_charset(data) else None
        if guess:
            warnings.append(f"bytes are not valid {encoding}; read as {guess} (detected)")
            encoding, text = guess, data.decode(guess, errors="replace")
        else:
            if codecs.lookup(encoding).name != "cp1252":
                warnings.append(f"bytes are not valid {encoding}; read as cp1252")
            encoding = "cp1252"
            text = data.decode(encoding, errors=_C1_HANDLER)
    original = text
    text, repaired = repair_mojibake(_ftfy(text) if _SUSPECT.search(text) else text)
    if text != original and not repaired:  # ftfy's repair: each sequence it undid shrank by 1-2
        repaired = max(1, (len(original) - len(text)) // 2)
    if repaired:
        warnings.append(f"repaired {repaired} mis-decoded character(s) (UTF-8 read as cp1252/cp1257)")
    return Decoded(
        text=text.lstrip("\ufeff"), encoding=codecs.lookup(encoding).name, warnings=tuple(warnings)
    )


# Single-byte codecs for Latin scripts: charset-normalizer confuses them with one another
# (it reads German cp1252 as cp1250, "naïve" as "naďve"), so for them the WHATWG default,
# cp1252, wins. Its guess is taken for other scripts: Cyrillic, Greek, CJK, Arabic, Hebrew.
_LATIN_SINGLE_BYTE = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4",
     "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "mac_roman",
     "mac_latin2", "cp437", "cp850", "cp858", "ascii"}
)


_MIN_EVIDENCE = 24  # high bytes


def _guess(data: bytes) -> str | None:
    """charset-normalizer's reading of undeclared, non-UTF-8 bytes, when it is not a Latin codec."""
    from charset_normalizer import from_bytes

    # On a few high bytes any codec fits ("caf\xe9" is Cyrillic "cafщ" too): too little to go on.
    if sum(1 for byte in data[:200_000] if byte >= 0x80) < _MIN_EVIDENCE:
        return None
    best = from_bytes(data[:200_000]).best()
    if best is None:
        return None
    name = codecs.lookup(best.encoding).name.replace("-", "_")
    return None if name in _LATIN_SINGLE_BYTE or name.startswith("utf") else name


def _high_table(codec: str) -> dict[str, int]:
    table = {chr(byte): byte for byte in range(0x80, 0xA0)}
    for byte in range(0x80, 0x100):
        try:
            table[bytes([byte]).decode(codec)] = byte
        except UnicodeDecodeError:
            table[chr(byte)] = byte  # what the C1 error handler (and Latin-1) leaves there
    return table


def _run_pattern(table: dict[str, int]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(char) for char in table) + "]{2,}")


_TABLES = tuple((table, _run_pattern(table)) for table in map(_high_table, ("cp1252", "cp1257")))


def _sequence_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _kind(char: str, length: int) -> str | None:
    """Classify a candidate repair: ``"sure"``, ``"letter"``, ``"paired"`` or ``None`` (reject).

    Latin-1 letters and signs (``Ã©``), general punctuation and symbols (``â€™``, ``â„¢``) and
    4-byte characters (emoji, ``ðŸ¤¯``) are the mojibake seen in practice: ``"sure"``. A Latin
    Extended-A letter (``Å‚`` for ``ł``) is accepted next to another letter (``"letter"``): real
    text like ``ÅØ`` spells one on its own. Anything else a sequence can spell (Greek, Cyrillic,
    CJK ...) is accepted only next to another repaired character (``"paired"``): real text such
    as ``été…»`` or ``Fuß“`` can spell one such character by accident, rarely two in a row.
    """
    point = ord(char)
    if 0x80 <= point <= 0x9F or 0xE000 <= point <= 0xF8FF:
        return None
    if length == 4 or (length == 2 and point <= 0xFF) or (length == 3 and 0x2000 <= point <= 0x2BFF):
        return "sure"
    if length == 2 and point <= 0x17F:
        return "letter"
    return "paired"


def _split(run: str, table: dict[str, int]) -> list[tuple[str, str, str | None]]:
    """Cut a run into (original, candidate, kind) pieces, reading its bytes as UTF-8."""
    data = bytes(table[char] for char in run)
    pieces: list[tuple[str, str, str | None]] = []
    i = 0
    while i < len(data):
        length = _sequence_length(data[i])
        if length and i + length <= len(data):
            try:
                char = data[i : i + length].decode("utf-8")
            except UnicodeDecodeError:
                char = ""
            kind = _kind(char, length) if char else None
            if kind:
                pieces.append((run[i : i + length], char, kind))
                i += length
                continue
        # A continuation byte never starts a sequence: a rejected piece hides no other.
        pieces.append((run[i], run[i], None))
        i += 1
    return pieces


def _fix_run(run: str, table: dict[str, int], *, before: str, after: str) -> tuple[str, int]:
    pieces = _split(run, table)
    out: list[str] = []
    fixed = 0
    for n, (original, char, kind) in enumerate(pieces):
        left = pieces[n - 1] if n else None
        right = pieces[n + 1] if n + 1 < len(pieces) else None
        if kind and any("\x80" <= c <= "\x9f" for c in original):
            accept = True  # real text never holds C1 controls; a Latin-1 reading left them
        elif kind == "letter":
            near = (left[1][-1] if left else before) + (right[1][0] if right else after)
            accept = any(c.isalpha() for c in near)
        else:
            accept = kind == "sure" or (
                kind == "paired" and any(p is not None and p[2] for p in (left, right))
            )
        out.append(char if accept else original)
        fixed += accept
    return "".join(out), fixed


def _repair_with(text: str, table: dict[str, int], pattern: re.Pattern[str]) -> tuple[str, int]:
    fixed = 0
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        repaired, count = _fix_run(match.group(0), table, before=before, after=after)
        out.append(text[last:start])
        out.append(repaired)
        fixed += count
        last = end
    if not fixed:
        return text, 0
    out.append(text[last:])
    return "".join(out), fixed


def repair_mojibake(text: str) -> tuple[str, int]:
    """Undo UTF-8-read-as-cp1252/cp1257 damage; return the text and how many characters were fixed.

    Each pass applies whichever codec explains more of the text (cp1252 mojibake read as
    cp1257 makes nonsense, and vice versa), and passes repeat so double-encoded text
    (``Ã¢â‚¬â„¢``) comes back too.
    """
    total = 0
    for _ in range(4):
        candidates = [_repair_with(text, table, pattern) for table, pattern in _TABLES]
        best, count = max(candidates, key=lambda candidate: candidate[1])
        if not count:
            break
        text, total = best, total + count
    return text, total


def fix_text(text: str) -> str:
    """Mojibake repaired: ftfy for the encodings it knows (cp1252, Latin-1, cp1250/1251, Mac
    Roman, double encodings), then our cp1257 table, which ftfy lacks (Baltic systems).

    ftfy is told to change nothing else: curly quotes, ligatures, widths and normalisation stay
    as the author wrote them (composition normalises to NFC itself).
    """
    if not text or text.isascii():
        return text
    return repair_mojibake(_ftfy(text) if _SUSPECT.search(text) else text)[0]


def _ftfy(text: str) -> str:
    import ftfy

    global _FTFY_CONFIG
    if _FTFY_CONFIG is None:
        _FTFY_CONFIG = ftfy.TextFixerConfig(
            unescape_html=False,
            remove_terminal_escapes=False,
            uncurl_quotes=False,
            fix_latin_ligatures=False,
            fix_character_width=False,
            fix_line_breaks=False,
            fix_surrogates=True,
            remove_control_chars=False,
            normalization=None,
            explain=False,
        )
    return ftfy.fix_text(text, config=_FTFY_CONFIG)


_FTFY_CONFIG: Any = None
# What UTF-8 read as a single-byte codec looks like: a lead byte's character (Â-ô) followed by
# a continuation byte's (U+0080-U+00BF, or cp1252's punctuation and letters there). Text
# without it has no mojibake for ftfy to find, and does not pay for importing it (35 ms).
_SUSPECT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)
