"""Main-content extraction measured on the corpus' HTML pages: ``python -m bench.extractors``.

Each HTML page is read three ways by the same ``bot preview``: as it is (our own walker,
which keeps a page's known article container and removes furniture itself), and after
trafilatura or readability-lxml have cut it down to what they take for the main content (the
page's ``<head>`` is kept, so title and metadata are the same). The scores are the reading
benchmark's (bench/reading.py): story precision, main-link accuracy and furniture leaks.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.reading import load_cases, run_preview, score_issue, totals


def _head(html: str) -> str:
    start, end = html.find("<head"), html.find("</head>")
    return html[start : end + len("</head>")] if start >= 0 and end > start else ""


def trafilatura_cut(html: str) -> str:
    import trafilatura

    body = trafilatura.extract(html, output_format="html", include_links=True, include_formatting=True,
                               include_images=False, include_tables=True, favor_recall=True) or ""
    return f"<html>{_head(html)}<body>{body.replace('<html>', '').replace('</html>', '')}</body></html>"


def readability_cut(html: str) -> str:
    from readability import Document

    return f"<html>{_head(html)}<body>{Document(html).summary(html_partial=True)}</body></html>"


def main() -> int:
    cases = [c for c in load_cases() if c.path.suffix in (".html", ".htm")]
    ways = {"ours": None, "trafilatura": trafilatura_cut, "readability-lxml": readability_cut}
    print(f"{len(cases)} HTML pages of the corpus")
    print(f"{'extractor':18} {'highl.':>6} {'precision':>9} {'main link':>9} {'leaks':>5} {'titles':>6}")
    for name, cut in ways.items():
        results = []
        with tempfile.TemporaryDirectory() as tmp:
            for case in cases:
                path = case.path
                if cut is not None:
                    path = Path(tmp) / case.path.name
                    path.write_text(cut(case.path.read_text(encoding="utf-8")), encoding="utf-8")
                preview, error = run_preview(path)
                results.append(score_issue(case, preview, error))
        t = totals(results)
        print(f"{name:18} {t['highlights']:6} {t['precision']:9.1%} {t['main_link']:9.1%} {t['leaks']:5} {t['titles']:6.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
