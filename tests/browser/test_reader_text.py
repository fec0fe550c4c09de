"""The built pages never show a reader raw tool output: no CUDA or Triton error text, no traceback, and no
remark about how the project's own measuring runs were organised (their time allowances, workers, sessions).
Recorded errors stay in the result files; the pages say what they mean (zoo/sitegen/bench_tables.py)."""

import re
from html.parser import HTMLParser

RAW = re.compile(
    r"OutOfMemory|out of memory\.|CUDA (?:out of|error)|Traceback|CompilationError|RuntimeError|\w+Error:"
    r"|timeout|timed out|budget|\bsession|\bworker|time ran out|time limit|run's time|minutes of GPU time"
    r"|pip install\b|--\w+-(?:budget|jobs|split)",
    re.IGNORECASE,
)


class _Text(HTMLParser):
    """The text a reader can read inside <article>, without scripts, styles and code listings (a kernel's
    source may well say "worker" or "timeout" as program text)."""

    SKIP = {"script", "style", "pre", "noscript"}

    def __init__(self):
        super().__init__()
        self.depth = {"article": 0, "skip": 0}
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth["article"] += 1
        elif tag in self.SKIP:
            self.depth["skip"] += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth["article"] -= 1
        elif tag in self.SKIP:
            self.depth["skip"] -= 1

    def handle_data(self, data):
        if self.depth["article"] > 0 and self.depth["skip"] == 0:
            self.parts.append(data)


def _reader_text(path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


def test_no_page_shows_raw_tool_errors_or_remarks_about_our_runs(built_site):
    pages = sorted(built_site.rglob("index.html"))
    assert len(pages) > 40
    leaks = []
    for path in pages:
        text = _reader_text(path)
        for m in RAW.finditer(text):
            leaks.append(f"{path.relative_to(built_site)}: …{text[max(0, m.start() - 60) : m.end() + 60]}…")
    assert not leaks, "\n".join(leaks[:30])


def test_figure_labels_show_math_as_a_reader_reads_it(built_site):
    """Plotly draws no TeX: trace names, titles and axis titles write o_t / d_k as oₜ or in words."""
    figs = sorted((built_site / "assets/data/figs").glob("*.json"))
    assert len(figs) > 40
    raw = []
    for path in figs:
        text = " ".join(re.findall(r'"(?:name|text)":\s*"([^"]*)"', path.read_text(encoding="utf-8")))
        raw += [f"{path.name}: {m.group(0)}" for m in re.finditer(r"\b\w_(?:\w|\{)", text)]
    assert not raw, "\n".join(sorted(set(raw))[:20])


MACHINE_PATH = re.compile(r"(?:^|[\s>\"'(=])(/(?:root|tmp|work|home|opt|mnt)/[^\s<\"']*)")


def test_no_page_shows_a_path_of_the_machine_a_result_was_made_on(built_site):
    """Commands and logs of the GPU runs name files on that machine; the pages, code listings included, name
    the repository's files instead."""
    found = []
    for path in sorted(built_site.rglob("index.html")):
        for m in MACHINE_PATH.finditer(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(built_site)}: {m.group(1)}")
    assert not found, "\n".join(found[:20])
