"""The contribution path, end to end: scaffold a model with `zoo new`, fill it, validate, build a preview,
and find its card, graph node and page in the browser. Runs on a copy of the project in a temp folder."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import serve

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.builds_site
COPY = [
    "models.yaml",
    "zoo",
    "kernels_wasm",
    "templates",
    "docs",
    "mkdocs.yml",
    "build.py",
    "CONTRIBUTING.md",
    "benchmarks",  # committed results the pages read (GPU timings, the papers' MQAR points)
    "overrides",
]


def run(cmd, cwd):
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # the copy's zoo and kernels_wasm, not the repo's
    env["ZOO_LIVE_SNAPSHOT"] = "0"  # its live start-up snapshot is the session build's to test
    return subprocess.run([sys.executable, *cmd], cwd=cwd, env=env, capture_output=True, text=True)


def test_scaffold_fill_build_and_find_the_new_model(tmp_path, browser):
    project = tmp_path / "zoo"
    project.mkdir()
    for name in COPY:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, project / name)
    (project / "node_modules").symlink_to(ROOT / "node_modules")

    made = run(["-m", "zoo", "new", "channel-delta", "--readout", "linear", "--year", "2026"], project)
    assert made.returncode == 0, made.stderr
    assert (project / "kernels_wasm" / "channel_delta.py").is_file()

    # A fresh scaffold is incomplete on purpose: the lints say what to fill in.
    checked = run(["-m", "zoo", "validate"], project)
    assert checked.returncode == 1 and "model 'channel-delta'" in checked.stderr, checked.stderr

    # Fill the block as a contributor would.
    text = (project / "models.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    block = next(m for m in data["models"] if m["id"] == "channel-delta")
    assert block["status"] == "draft"
    text = text.replace("title: 'Exact title as on arXiv'", "title: 'Channel Delta: A Worked Example'", 1)
    text = text.replace("arxiv: '2601.00001'", "arxiv: '2601.99999'", 1)
    text = text.replace(
        "'One line (<= 140 characters): what this model does to the memory.'",
        "'Gated DeltaNet with a per-channel write strength.'",
        1,
    )
    text = text.replace("Replace this text before publishing;", "This example model exists for the test;", 1)
    text = text.replace("note: 'what changed, in one line'", "note: 'the write strength becomes a vector'", 1)
    text = text.replace(
        "'Say in words what differs from the parent block (gates, norms, projections).'",
        "'The same block; only the mixer changes.'",
        1,
    )
    text = re.sub(
        r"pages: \['the page you read[^\]]*\]", "pages: ['https://arxiv.org/abs/2601.99999']", text, count=1
    )
    text = re.sub(
        r"text: 'Say which form[^\n]*", "text: 'The equations are the released code''s form.'", text, count=1
    )
    text = text.replace(
        "{repo: owner/name, path: path/to/the/file.py}", "{repo: example/channel-delta, path: layer.py}"
    )
    (project / "models.yaml").write_text(text, encoding="utf-8")
    checked = run(["-m", "zoo", "validate"], project)
    assert checked.returncode == 0, checked.stderr

    # The preview build shows the draft. (That the published build leaves a draft out is checked on the
    # session's variant build: tests/test_build.py, one build fewer here.)
    built = run(["build.py", "--drafts", "--out", str(tmp_path / "preview")], project)
    assert built.returncode == 0, built.stderr

    url, server = serve(tmp_path / "preview")
    try:
        from zoo.chromium import open_page

        page, problems = open_page(browser)
        page.goto(url + "?text=channel")
        page.wait_for_selector("#card-channel-delta:not([hidden])")
        assert "draft" in page.locator("#card-channel-delta").inner_text().lower()
        labels = page.eval_on_selector_all(".zoo-lineage__label", "els => els.map(e => e.textContent)")
        assert block["short_name"] in labels
        page.locator("#card-channel-delta h3 a").click()
        page.wait_for_url("**/models/channel-delta/")
        # Instant navigation changes the URL before it swaps the content in.
        page.wait_for_function("document.querySelector('h1')?.textContent.startsWith('Channel Delta')")
        assert "Channel Delta: A Worked Example" in page.locator("article.md-content__inner").inner_text()
        page.context.close()
        problems.check()
    finally:
        server.shutdown()
