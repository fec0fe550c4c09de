"""The Benchmarks page and the model pages' "GPU cost" sections, rendered from result files (no browser)."""

import json
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import Markup

from zoo import registry
from zoo.bench import results
from zoo.sitegen import bench_data, bench_rates, bench_tables, benchmarks, chart_style
from zoo.sitegen.context import BuildContext

ROOT = Path(__file__).resolve().parents[1]


class NoTex:
    """Stands in for the KaTeX renderer: these templates show no math."""

    def render(self, tex, display=False):
        return Markup("<span class='katex'></span>")


@pytest.fixture(scope="module")
def reg():
    return registry.load()


def _ctx(reg, root, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    return BuildContext(registry=reg, root=root, docs=docs, tex=NoTex())


def _root_with(tmp_path, doc) -> Path:
    """A repository root whose benchmarks/ holds `doc` (or nothing) and whose templates are the real ones."""
    root = tmp_path / "repo"
    (root / "benchmarks").mkdir(parents=True)
    shutil.copytree(ROOT / "templates", root / "templates")
    if doc is not None:
        (root / "benchmarks" / "gpu-2026-01-01.json").write_text(json.dumps(doc))
    return root


@pytest.fixture(scope="module")
def committed(reg, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench-page")
    ctx = _ctx(reg, ROOT, tmp)
    benchmarks.generate(ctx)
    doc, _ = benchmarks.load_results(ROOT)
    return ctx, doc


def test_the_page_lists_every_model_in_the_results(committed, reg):
    ctx, doc = committed
    page = (ctx.docs / benchmarks.PAGE).read_text()
    names = {m.id: m.name for m in reg.models}
    for mid, entry in doc["models"].items():
        assert f'href="../models/{mid}/"' in page, mid
        assert f'data-zoo-bench-status="{entry["status"]}"' in page
        if mid in names:
            assert str(Markup.escape(names[mid])) in page, mid
    assert ("Benchmarks", benchmarks.PAGE) in ctx.nav


def test_a_model_the_results_leave_out_reads_as_not_measured_yet(committed, reg, tmp_path):
    """In a reader's words, not which result file holds which model."""
    _, doc = committed
    left_out = "mamba-3"
    partial = {**doc, "models": {m: e for m, e in doc["models"].items() if m != left_out}}
    ctx = _ctx(reg, _root_with(tmp_path, partial), tmp_path)
    benchmarks.generate(ctx)
    page = (ctx.docs / benchmarks.PAGE).read_text()
    (row,) = [r for r in page.split("<tr") if f'href="../models/{left_out}/"' in r]
    assert 'data-zoo-bench-status="not_run"' in row and "not measured yet" in row
    assert "not in this result file" not in page


def test_every_measured_model_has_a_curve_in_the_latency_figures(committed, reg):
    """The figures are at head dimension 128; a model timed only with smaller heads has no curve there, and
    its row in the status table says so."""
    ctx, doc = committed
    names = {m.id: m.name for m in reg.models}
    measured = [m for m, e in doc["models"].items() if e["status"] == "measured"]
    at_128 = [m for m in measured if results.series(doc["models"][m], "fwd", benchmarks.HEAD_DIM)]
    page = (ctx.docs / benchmarks.PAGE).read_text()
    for mid in set(measured) - set(at_128):
        (row,) = [r for r in page.split("<tr") if f'href="../models/{mid}/"' in r and "bench-status" in r]
        assert "timed with heads of dimension 64 only so far (T = " in row, mid
    for key in ("fwd", "fwdbwd"):
        fig = json.loads((ctx.docs / benchmarks.DATA / f"{key}.json").read_text())
        assert fig["layout"]["template"] == "none" or "template" in fig["layout"]
        assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["yaxis"]["type"] == "log"
        traced = {t["name"] for t in fig["data"]}
        if key == "fwd":  # the page counts the curves the reader sees, not the models measured
            assert f"{len(fig['data'])} curves on one chart" in page and len(fig["data"]) == len(at_128)
        for mid in at_128:
            if key == "fwd" or results.series(doc["models"][mid], key):
                assert names.get(mid, mid) in traced, (key, mid)
    for key in ("throughput", "memory", "decode"):
        assert json.loads((ctx.docs / benchmarks.DATA / f"{key}.json").read_text())["data"]
    # Log axes name every tick in full (0.5, 1, 2, 5, 10, ...) and cover the data from end to end.
    for key in ("fwd", "fwdbwd", "throughput", "decode", "roofline"):
        fig = json.loads((ctx.docs / benchmarks.DATA / f"{key}.json").read_text())
        ys = [y for t in fig["data"] for y in t["y"] if y and y > 0]
        ticks, text = fig["layout"]["yaxis"]["tickvals"], fig["layout"]["yaxis"]["ticktext"]
        assert [float(t.replace(",", "")) for t in text] == pytest.approx(ticks), key
        assert ticks[0] <= min(ys) * 1.5 and ticks[-1] >= max(ys) / 1.5, key


@pytest.mark.parametrize(
    "values, ticks",
    [
        ([0.7, 600], [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]),
        ([0.003, 0.04], [0.002, 0.005, 0.01, 0.02, 0.05]),
        ([12, 3e6], [10, 100, 1e3, 1e4, 1e5, 1e6]),  # more than four decades: powers of ten only
    ],
)
def test_log_ticks_step_one_two_five_through_the_data(values, ticks):
    assert chart_style.log_ticks(values) == pytest.approx(ticks)


def test_every_model_page_gets_a_curve_or_a_reason(committed, reg):
    ctx, doc = committed
    for m in reg.models:
        sections = [html for _, title, html in ctx.page_sections.get(m.id, []) if title == "GPU cost"]
        assert len(sections) == 1, m.id
        html = str(sections[0])
        assert "\n\n" not in html  # one HTML block: Markdown must not split it
        # a model the newest file has not measured shows an older file's numbers, where one has them
        files = [doc] + [other for other, _ in bench_data.load_all(ROOT)[1:]]
        if any(m.id in bench_data.measured_ids(d) for d in files):
            fig = f"{benchmarks.DATA}/model-{m.id}.json"
            assert f'data-zoo-fig="{fig}"' in html, m.id
            data = json.loads((ctx.docs / fig).read_text())
            assert (
                len(data["data"]) >= 2
            )  # the model's curve(s) and the softmax baseline's, or fwd and fwd+bwd
        else:
            assert 'class="zoo-bench-model__why"' in html and "No GPU timing" in html, m.id


def test_a_model_page_says_how_its_kernel_runs_from_the_registry(committed, reg, tmp_path):
    """The note on how a kernel runs has one source, the registry's gpu_kernel: a result file keeps the note
    of its own run, which may be older; it is shown only when the registry has since moved to another
    adapter (then the registry's note would describe a kernel that was not timed)."""
    _, doc = committed
    model = reg.by_id["moba"]
    old = json.loads(json.dumps(doc))
    old["models"]["moba"]["note"] = "an older note"
    old["models"]["moba"]["adapter"] = model.gpu_kernel.adapter  # the registry's kernel timed it
    ctx = _ctx(reg, _root_with(tmp_path, old), tmp_path)
    html = str(benchmarks.model_section(ctx, model))
    said = Markup.escape(model.gpu_kernel.note)
    assert f"How it runs: {said}." in html and "an older note" not in html
    old["models"]["moba"]["adapter"] = "another_adapter"
    (tmp_path / "repo" / "benchmarks" / "gpu-2026-01-01.json").write_text(json.dumps(old))
    ctx = _ctx(reg, tmp_path / "repo", tmp_path)
    assert "How it runs: an older note." in str(benchmarks.model_section(ctx, model))


def test_the_crossover_table_and_tflops_come_from_the_results(committed):
    ctx, doc = committed
    page = (ctx.docs / benchmarks.PAGE).read_text()
    rows = [r for r in results.softmax_tflops(doc) if r["head_dim"] == benchmarks.HEAD_DIM]
    assert rows
    for row in rows:
        assert f"<td>{row['fwd_tflops']:.0f}</td>" in page
    assert "Where linear models overtake softmax attention" in page


def test_the_provenance_table_says_which_runs_had_tilelang(committed):
    """The methodology says runs with TileLang timed the gated delta-rule backward on Hopper: each run's row
    names its TileLang version, or a dash."""
    ctx, doc = committed
    page = (ctx.docs / benchmarks.PAGE).read_text()
    rows = {r.split("</td>")[0]: r for r in page.split("## Provenance")[1].split("<tr><td>")[1:]}
    versions = {run["id"]: run["provenance"].get("packages", {}).get("tilelang") for run in doc["runs"]}
    assert any(versions.values()) and not all(versions.values())  # the committed file has both kinds
    for run_id, version in versions.items():
        assert f" · {version or '–'}</td>" in rows[run_id]


def test_text_from_the_results_is_escaped(reg, tmp_path):
    hostile = "<script>alert(1)</script>"
    doc = {
        "schema_version": 1,
        "runs": [
            {
                "id": "run-20260101T000000Z",
                "command": f"python -m zoo.bench {hostile}",
                "provenance": {"date": "2026-01-01T00:00:00+00:00", "gpu": hostile},
            }
        ],
        "config": {
            "dtype": "bfloat16",
            "heads": 16,
            "tokens_per_call": 1024,
            "lengths": [512, 1024],
            "head_dims": [128],
            "tolerance": 0.02,
        },
        "models": {
            "transformer": {
                **results.catalog_fields("transformer"),
                "status": "measured",
                "decode": None,
                "errors": [],
                "checks": [{"head_dim": 128, "rel_err": 1e-3, "passed": True}],
                "points": [
                    {"head_dim": 128, "T": 512, "B": 2, "status": "ok", "fwd_ms": 1.0, "fwdbwd_ms": 3.0}
                ],
            },
            "mamba": {
                **results.catalog_fields("mamba"),
                "note": hostile,
                "status": "no_kernel",
                "points": [],
                "checks": [],
                "decode": None,
                "errors": [],
            },
        },
    }
    assert results.validate(doc) == []
    ctx = _ctx(reg, _root_with(tmp_path, doc), tmp_path)
    benchmarks.generate(ctx)
    page = (ctx.docs / benchmarks.PAGE).read_text()
    section = str([h for _, t, h in ctx.page_sections["mamba"] if t == "GPU cost"][0])
    for text in (page, section):
        assert hostile not in text
    assert "&lt;script&gt;" in page and "&lt;script&gt;" in section


def test_without_results_the_site_says_so(reg, tmp_path):
    ctx = _ctx(reg, _root_with(tmp_path, None), tmp_path)
    benchmarks.generate(ctx)
    assert "No GPU results are committed yet" in (ctx.docs / benchmarks.PAGE).read_text()
    html = str([h for _, t, h in ctx.page_sections["gla"] if t == "GPU cost"][0])
    assert "No GPU benchmark results are committed yet" in html


@pytest.mark.parametrize(
    "c,text",
    [
        (None, "–"),
        (
            {"kind": "always", "lengths": [512, 131072], "T": 512, "estimate": None},
            "faster at every measured length (512–128K)",
        ),
        ({"kind": "never", "lengths": [512, 2048], "T": None, "estimate": None}, "not faster within 512–2K"),
        (
            {"kind": "never", "lengths": [512], "T": None, "estimate": None},
            "not faster at T = 512, the only length measured",
        ),
        (
            {"kind": "at", "lengths": [512, 32768], "T": 32768, "estimate": 8061.0},
            "faster from T = 32K; curves meet near T ≈ 7.9K",
        ),
    ],
)
def test_crossover_sentences(c, text):
    assert bench_tables.crossover_text(c) == text


def _doc_on(gpu: str, date: str, ms: dict[str, float]) -> dict:
    """A minimal result document: each model measured at T = 32768 only, forward and forward + backward."""
    run = {"id": f"run-{gpu}", "command": "python -m zoo.bench", "provenance": {"date": date, "gpu": gpu}}
    config = {"heads": 16, "tokens_per_call": 131072, "lengths": [32768], "tolerance": 0.02}
    doc = results.new_document(run, config)
    for mid, t in ms.items():
        point = {"head_dim": 128, "T": 32768, "B": 4, "status": "ok", "fwd_ms": t, "fwdbwd_ms": 3 * t}
        doc["models"][mid] = {**results.catalog_fields(mid), "status": "measured", "points": [point]}
    return doc


def _generated(reg, tmp_path, newer: dict, older: dict):
    """The Benchmarks page and model sections built from two result files, `newer` the main one."""
    root = _root_with(tmp_path, None)
    (root / "benchmarks" / "b.json").write_text(json.dumps(newer))
    (root / "benchmarks" / "a.json").write_text(json.dumps(older))
    ctx = _ctx(reg, root, tmp_path)
    benchmarks.generate(ctx)
    return ctx


def test_an_older_run_on_another_gpu_is_compared_model_by_model(reg, tmp_path):
    newer = _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 10.0, "gla": 2.0, "kda": 4.0})
    older = _doc_on("GPU-A", "2026-11-01T00:00:00+00:00", {"transformer": 15.0, "gla": 5.0, "hyena": 9.0})
    ctx = _generated(reg, tmp_path, newer, older)
    page = (ctx.docs / benchmarks.PAGE).read_text()
    assert "timed on one **GPU-B**" in page  # the newest file is the main one
    assert "## The same kernels on the GPU-A" in page
    table = page.split("## The same kernels on the GPU-A")[1].split("## Methodology")[0]
    # only models measured on both GPUs, with the older GPU's time over the newer one's
    assert 'href="../models/gla/"' in table and "<td>5.00</td><td>2.00</td><td>2.50 ×</td>" in table
    assert "<td>15.00</td><td>10.00</td><td>1.50 ×</td>" in table
    assert "<td>45.00</td><td>30.00</td><td>1.50 ×</td>" in table  # forward + backward
    rows = table.split("</table>")[0]
    assert "models/kda/" not in rows and "models/hyena/" not in rows
    # below it, the models only one card has, each with its link
    kda = '<a href="../models/kda/">Kimi Delta Attention</a>'
    assert f"Not in the GPU-A run, so not in the table: {kda}." in table
    assert 'Timed on the GPU-A only so far: <a href="../models/hyena/">Hyena</a>.' in table
    assert "A dash means" not in table  # every row has all four times
    # each time column names its GPU under a forward / forward + backward group
    assert '<th colspan="3">forward (ms)</th><th colspan="3">forward + backward (ms)</th>' in table
    assert table.count("<th>GPU-A</th><th>GPU-B</th><th>ratio</th>") == 2
    assert (ctx.docs / benchmarks.DATA / "a.json").exists()  # the older raw file ships too


def test_a_dash_in_the_comparison_says_which_card_lacks_the_time_and_why(reg, tmp_path):
    """The older card ran Gated Linear Attention's forward only (fla refused the backward there), and the
    newer one has no point at the compared length for the Transformer's backward: each dash gets a line."""
    newer = _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 10.0, "gla": 2.0})
    older = _doc_on("GPU-A", "2026-11-01T00:00:00+00:00", {"transformer": 15.0, "gla": 5.0})
    refused = (
        "RuntimeError: Triton >= 3.4.0 and < 3.7.1 on Hopper GPUs produces incorrect results for gated "
        "chunk_bwd_dqkwg (see #640). Please upgrade Triton to >= 3.7.1 or install tilelang: "
        "`pip install tilelang`"
    )
    gla = older["models"]["gla"]["points"][0]
    gla["fwdbwd_ms"], gla["fwdbwd_error"] = None, refused
    newer["models"]["transformer"]["points"][0]["fwdbwd_ms"] = None
    page = (_generated(reg, tmp_path, newer, older).docs / benchmarks.PAGE).read_text()
    section = page.split("## The same kernels on the GPU-A")[1].split("## Methodology")[0]
    assert "<td>15.00</td><td>–</td><td>–</td>" not in section  # forward times both there
    gaps = section.split("A dash means that card has no time at T = 32768:")[1]
    assert (
        '- <a href="../models/gla/">Gated Linear Attention</a> on the GPU-A: forward pass only: the '
        "library refuses to run the backward pass with this Triton version on this GPU, where it gives wrong "
        "results, unless TileLang is installed." in gaps
    )
    assert '- <a href="../models/transformer/">Transformer</a> on the GPU-B: not measured at T = 32K.' in gaps
    assert not RAW_ERROR.search(gaps.replace("GPU-", ""))
    assert "Not in the GPU-A run" not in section and "only so far" not in section
    # the softmax rate table shows the missing backward as a dash too (it used to stop the build)
    assert "<tr><td>32768</td><td>4</td><td>" in page and "</td><td>–</td><td>–</td><td>–</td></tr>" in page


def test_the_decoding_section_says_how_far_recurrent_steps_moved_between_two_gpus(reg, tmp_path):
    ids = ("gla", "kda", "retnet", "transformer")
    newer = _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", dict.fromkeys(ids, 2.0))
    older = _doc_on("GPU-A", "2026-11-01T00:00:00+00:00", dict.fromkeys(ids, 2.0))
    for mid, (a, b) in {"gla": (0.10, 0.05), "kda": (0.02, 0.08), "retnet": (0.03, 0.03)}.items():
        older["models"][mid]["decode"] = {"kind": "recurrent", "ms": a}
        newer["models"][mid]["decode"] = {"kind": "recurrent", "ms": b}
    # a KV-cache step grows with the context: not part of the spread
    newer["models"]["transformer"]["decode"] = {"kind": "kv_cache", "points": [{"T": 512, "ms": 0.05}]}
    assert bench_tables.decode_spread(newer, older) == {"n": 3, "lo": 0.25, "hi": 2.0, "median": 1.0}
    ctx = _generated(reg, tmp_path, newer, older)
    text = " ".join((ctx.docs / benchmarks.PAGE).read_text().split("## Decoding one token")[1].split())
    assert (
        "The same recurrent steps timed on the GPU-A took 0.2 × to 2.0 × these times (median 1.0 ×, 3 models)"
        in (text)
    )
    # with two models in both files there is no spread to speak of, and no sentence
    del older["models"]["retnet"]["decode"]
    assert bench_tables.decode_spread(newer, older) is None


def test_a_second_head_dim_gets_its_own_table_and_only_then(reg, tmp_path):
    doc = _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 10.0, "gla": 2.0})
    root = _root_with(tmp_path, doc)
    ctx = _ctx(reg, root, tmp_path)
    benchmarks.generate(ctx)
    assert "## Head dimension" not in (ctx.docs / benchmarks.PAGE).read_text()

    doc["models"]["gla"]["points"].append(
        {"head_dim": 64, "T": 32768, "B": 4, "status": "ok", "fwd_ms": 1.5, "fwdbwd_ms": 4.5}
    )
    root2 = _root_with(tmp_path / "two", doc)
    ctx = _ctx(reg, root2, tmp_path / "two")
    benchmarks.generate(ctx)
    page = (ctx.docs / benchmarks.PAGE).read_text()
    table = page.split("## Head dimension")[1].split("## Methodology")[0]
    assert (
        'href="../models/gla/">Gated Linear Attention</a></td>'
        "<td>1.50</td><td>2.00</td><td>0.75 ×</td><td>4.50</td><td>6.00</td><td>0.75 ×</td>" in table
    )
    assert table.count("<th>d = 64</th><th>d = 128</th><th>ratio</th>") == 2
    table, missing = table.split("Not timed with head dimension 64 at T = 32768 on the GPU-B yet: ")
    assert "models/transformer/" not in table
    # a measured model without the smaller head is named under the table
    assert missing.startswith('<a href="../models/transformer/">Transformer</a>.')


def test_each_model_keeps_one_distinct_line_style_across_figures(committed):
    ctx, doc = committed
    styles: dict[str, tuple] = {}
    for key in ("fwd", "fwdbwd", "throughput", "memory"):
        for trace in json.loads((ctx.docs / benchmarks.DATA / f"{key}.json").read_text())["data"]:
            line, marker = trace["line"], trace.get("marker", {})
            style = (line.get("color"), line.get("dash"), marker.get("symbol"))
            assert styles.setdefault(trace["name"], style) == style, (key, trace["name"])
    assert len(set(styles.values())) == len(styles)  # no two models drawn alike
    # a model page draws the model in its colour and marker from the Benchmarks page
    gla = json.loads((ctx.docs / benchmarks.DATA / "model-gla.json").read_text())["data"]
    own = next(t for t in gla if t["name"].startswith("Gated Linear Attention"))
    assert (own["line"]["color"], own["marker"]["symbol"]) == (
        styles["Gated Linear Attention"][0],
        styles["Gated Linear Attention"][2],
    )


def test_curves_are_coloured_by_family_in_legend_groups(committed, reg):
    ctx, doc = committed
    fig = json.loads((ctx.docs / benchmarks.DATA / "fwd.json").read_text())
    models = {m.name: m for m in reg.models}
    groups: dict[str, list] = {}
    for trace in fig["data"][1:]:  # the softmax baseline first, on its own
        family = chart_style.family(models[trace["name"]])
        assert trace["legendgroup"] == family
        groups.setdefault(family, []).append(trace)
    assert list(groups) == [f for f in chart_style.FAMILIES if f in groups]  # families one after another
    for family, traces in groups.items():
        assert {t["line"]["color"] for t in traces} <= set(chart_style.FAMILIES[family][1])
        assert traces[0]["legendgrouptitle"]["text"] == chart_style.FAMILIES[family][0]
    assert len(fig["data"]) >= 30 and len(groups) >= 5
    assert [t["name"] for t in groups["conv"]] == ["Hyena"]  # a long convolution, not "linear, no decay"


def test_softmax_over_slots_means_a_fixed_set_of_slots_not_a_diagonal_decay(reg):
    """ABC, GSA and Raven read fixed-size slots with a softmax; Wall Attention decays per channel but keeps
    every token, so it is drawn and listed with the softmax models."""
    slots = {m.id for m in reg.skeleton if chart_style.family(m) == "softmax-slots"}
    assert slots == {m.id for m in reg.skeleton if m.readout == "softmax" and m.layout == "state"}
    assert {"abc", "gsa", "raven"} <= slots and chart_style.family(reg.by_id["wall"]) == "softmax"


def test_lengths_left_unmeasured_are_named_with_the_step_that_stopped_the_timing():
    e = {
        "status": "measured",
        "points": [{"head_dim": 128, "T": 512, "status": "ok", "fwd_ms": 1.0}],
        "truncated": [
            {"head_dim": 128, "T": 2048},
            {"head_dim": 128, "T": 131072},
            {"head_dim": 64, "T": 512},
        ],
    }
    assert bench_tables.why_not(e) == "not measured at T = 2K, 128K"
    assert bench_tables.why_not({**e, "truncated": []}) is None
    # a step a later run died in is one more length not measured, and the sentence says which step it was
    e["errors"] = [results.step_error("timeout", {"stage": "time", "T": 8192, "mode": "fwdbwd"})]
    assert bench_tables.why_not(e) == (
        "not measured at T = 2K, 8K, 128K: timing the forward + backward at T = 8K did not finish"
    )
    e["errors"] = [results.step_error("crashed (exit code 139)", {"stage": "time", "T": 8192, "mode": "fwd"})]
    assert bench_tables.why_not(e) == (
        "not measured at T = 2K, 8K, 128K: timing the forward at T = 8K stopped with an error"
    )
    assert not RAW_ERROR.search(bench_tables.why_not(e))


def test_a_backward_pass_that_ran_out_of_memory_is_said_in_reader_words():
    ok = {"head_dim": 128, "status": "ok", "fwd_ms": 1.0}
    oom = "OutOfMemory: CUDA out of memory. Tried to allocate 1 GiB. GPU 0 has a total capacity of 79.19 GiB"
    e = {
        "status": "measured",
        "points": [{**ok, "T": 512, "fwdbwd_ms": 3.0}, {**ok, "T": 131072, "fwdbwd_error": oom}],
    }
    assert bench_tables.why_not(e) == (
        "forward + backward not measured at T = 128K: the backward pass ran out of the GPU's 79 GiB of memory"
    )
    e["points"][0] = {**ok, "T": 512, "fwdbwd_error": "CompilationError: at 77:4:\n    x = tl.arange(0, BV)"}
    assert bench_tables.why_not(e) == "forward pass only: the backward pass failed to compile"


def test_a_backward_that_never_finished_is_said_once_without_contradicting_the_forward_time():
    """MesaNet's first H100 run: the forward at T = 512 was timed, then the worker was stopped while it
    timed the backward. The forward time stands; the sentence says the backward did not finish, and does not
    also call T = 512 'not measured'."""
    e = {
        "status": "measured",
        "points": [
            {
                "head_dim": 128,
                "T": 512,
                "status": "ok",
                "fwd_ms": 30.2,
                "fwdbwd_error": "worker timeout while timing the backward",
            }
        ],
        "errors": [results.step_error("timeout", {"stage": "time", "T": 512, "mode": "fwdbwd"})],
    }
    assert bench_tables.why_not(e) == "forward pass only: the backward pass did not finish"


def test_a_worker_that_died_at_another_head_dim_leaves_these_numbers_alone():
    """Kimi Delta Attention: a worker stopped while timing the backward at head dim 64, T = 8K; the page's
    head dim 128 has both times at 8K, so the note about 8K is not this head dim's and is not shown."""
    both = {"T": 8192, "status": "ok", "fwd_ms": 2.0, "fwdbwd_ms": 7.0}
    e = {
        "status": "measured",
        "points": [
            {**both, "head_dim": 128},
            {**both, "head_dim": 64, "fwdbwd_ms": None, "fwdbwd_error": "worker timeout timing the backward"},
        ],
        "errors": [results.step_error("timeout", {"stage": "time", "T": 8192, "mode": "fwdbwd"})],
    }
    assert bench_tables.why_not(e) is None
    e["points"][0]["fwdbwd_ms"] = None  # without the head-128 backward, the note stands
    assert bench_tables.why_not(e) == (
        "not measured at T = 8K: timing the forward + backward at T = 8K did not finish"
    )


@pytest.mark.parametrize(
    "status,entry",
    [
        ("not_run", {}),
        ("timeout", {}),
        ("error", {"errors": ["RuntimeError: Triton Error [CUDA]: an illegal memory access"]}),
    ],
)
def test_models_without_numbers_get_a_reader_sentence(status, entry):
    text = bench_tables.why_not({"status": status, "points": [], "checks": [], **entry})
    assert text in ("not measured yet", "the kernel stopped with an error")
    assert not RAW_ERROR.search(text)


def test_a_checked_kernel_without_timings_says_it_matched_the_reference():
    checked = {"passed": True, "rel_err": 0.00196, "tolerance": 0.02}
    e = {"status": "not_run", "points": [], "checks": [checked], "errors": ["timings withdrawn: ..."]}
    assert bench_tables.why_not(e, here="NVIDIA H100 80GB HBM3") == (
        "its kernel matched the float64 reference on the NVIDIA H100 80GB HBM3 (relative error 2.0e-03); "
        "the timings are still to come"
    )
    assert bench_tables.why_not({**e, "checks": [{**checked, "passed": False}]}) == "not measured yet"


RAW_ERROR = re.compile(
    r"OutOfMemory|out of memory\.|CUDA (?:out|error)|Traceback|CompilationError|RuntimeError|Error:"
    r"|timeout|timed out|budget|session|worker|time ran out|time limit|pip install\b",
    re.IGNORECASE,
)


def test_no_recorded_error_reaches_the_page_raw(committed):
    """Every why-not sentence of every committed result file reads as plain text for a reader."""
    for doc, _ in bench_data.load_all(ROOT):
        for mid, e in doc["models"].items():
            text = bench_tables.why_not(e) or ""
            assert not RAW_ERROR.search(text), (mid, text)


def _with_limits(doc: dict, matmul: float, copy: float) -> dict:
    doc["runs"][0]["calibration"] = {"matmul_bf16_tflops": matmul, "copy_tb_per_s": copy}
    for e in doc["models"].values():
        for p in e.get("points", []):
            p["run"] = doc["runs"][0]["id"]
    return doc


def test_achieved_rates_are_read_against_the_limits_of_the_same_run(reg, tmp_path):
    """Softmax attention at T = 32K is far above the ridge (compute-bound), GLA's chunked form below it
    (bandwidth-bound); each share is the achieved rate over the lower ceiling, and the roofline figure
    draws the roof from the same two limits with one trace per measured model."""
    doc = _with_limits(
        _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 40.0, "gla": 2.0}), 800, 4.0
    )
    lims = bench_rates.limits(doc)
    soft = bench_rates.achieved(doc, "transformer", doc["models"]["transformer"]["points"][0], lims)
    want = results.attention_flops(4, 32768, 16, 128, "fwd") / 40e-3 / 1e12
    assert soft["tflops"] == pytest.approx(want) and soft["bound"] == "compute"
    assert soft["of_ceiling"] == pytest.approx(want / 800)
    gla = bench_rates.achieved(doc, "gla", doc["models"]["gla"]["points"][0], lims)
    assert gla["bound"] == "memory" and gla["ceiling"] == pytest.approx(gla["intensity"] * 4.0)
    root = _root_with(tmp_path, doc)
    ctx = _ctx(reg, root, tmp_path)
    benchmarks.generate(ctx)
    page = (ctx.docs / benchmarks.PAGE).read_text()
    table = page.split("## How close each kernel gets to the hardware")[1].split("## Throughput")[0]
    assert "800 TFLOP/s" in table and "4.00 TB/s" in table and "below 200 FLOP per byte" in table
    row = table.split('href="../models/gla/"')[1].split("</tr>")[0]
    # not measured at 8K: dashes; at 32K the rate and its share of the bandwidth ceiling
    assert "<td>bandwidth</td><td>–</td><td>–</td>" in row
    shown = f"{gla['tflops']:.0f}" if gla["tflops"] >= 100 else f"{gla['tflops']:.1f}"
    assert gla["tflops"] >= 10 and f"<td>{shown}</td><td>{gla['of_ceiling'] * 100:.0f}%</td>" in row
    fig = json.loads((ctx.docs / benchmarks.DATA / "roofline.json").read_text())
    roof, *points = fig["data"]
    assert max(roof["y"]) == 800 and roof["x"][1] == pytest.approx(200, rel=1e-3)
    assert sorted(t["name"] for t in points) == ["Gated Linear Attention", "Transformer"]


def test_every_gpu_kernel_has_a_flop_count_and_attention_matches_the_softmax_count():
    from zoo.bench import catalog, flops

    with_kernel = {m for m, k in catalog.KERNELS.items() if k.adapter}
    assert with_kernel == set(flops.COSTS)
    # the rate table names each kernel's algorithm: every kind of count has words for readers
    assert {c.kind for c in flops.COSTS.values()} <= set(bench_rates.ALGORITHM_TEXT)
    for T, B in ((2048, 64), (32768, 4)):
        assert flops.forward_flops("transformer", B, T, 16, 128) == results.attention_flops(
            B, T, 16, 128, "fwd"
        )
    # a window caps the keys each query reads; below the window it changes nothing
    assert flops.forward_flops("swa", 1, 2048, 16, 128) == flops.forward_flops(
        "transformer", 1, 2048, 16, 128
    )
    assert (
        flops.forward_flops("swa", 1, 65536, 16, 128)
        < flops.forward_flops("transformer", 1, 65536, 16, 128) / 8
    )
    # chunked forms do the same work per token at every length; the delta rule more than plain linear
    per_token = [flops.forward_flops("gla", 131072 // T, T, 16, 128) for T in (2048, 131072)]
    assert per_token[0] == per_token[1]
    assert flops.forward_flops("deltanet", 1, 4096, 16, 128) > flops.forward_flops("gla", 1, 4096, 16, 128)


def test_the_gpu_comparison_names_each_kernels_bound_and_the_bandwidth_ratio(reg, tmp_path):
    """Newer GPU with slower memory: a bandwidth-bound kernel could at best take copy_new / copy_old of its
    time on the older GPU; the table says which kernels are bandwidth- or compute-bound. A model measured
    only on the other GPU says so where its numbers are missing."""
    newer = _with_limits(
        _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 40.0, "gla": 2.0}), 750, 3.0
    )
    newer["models"]["wall"] = {
        **results.catalog_fields("wall"),
        "status": "not_run",
        "points": [],
        "checks": [],
    }
    older = _with_limits(
        _doc_on("GPU-A", "2026-11-01T00:00:00+00:00", {"transformer": 40.0, "gla": 1.5, "wall": 80.0}),
        750,
        4.2,
    )
    ctx = _generated(reg, tmp_path, newer, older)
    page = (ctx.docs / benchmarks.PAGE).read_text()
    section = page.split("## The same kernels on the GPU-A")[1].split("## Methodology")[0]
    assert "4.20 TB/s on the GPU-A" in section and "3.00 TB/s on the GPU-B" in section
    assert "can at best take 0.71 × its" in section
    assert 'models/gla/">Gated Linear Attention</a></td><td>bandwidth</td>' in section
    assert 'models/transformer/">Transformer</a></td><td>compute</td>' in section
    status = page.split("## Every model")[1]
    wall = status.split('href="../models/wall/"')[1].split("</tr>")[0]
    assert "not measured on the GPU-B yet; a run on the GPU-A measured it, shown on its page" in wall
    # and its page shows that run's curve beside that run's softmax baseline, saying which card it is
    html = str(next(h for _, title, h in ctx.page_sections["wall"] if title == "GPU cost"))
    assert "Not timed on the GPU-B yet: the numbers below" in html
    assert "are from a run on the GPU-A on 2026-11-01." in html
    assert "Timed on one GPU-A with" in html and "No GPU timing" not in html
    curves = json.loads((ctx.docs / benchmarks.DATA / "model-wall.json").read_text())["data"]
    assert {t["name"]: t["y"] for t in curves} == {
        "softmax (cuDNN) fwd": [40.0],
        "softmax (cuDNN) fwd+bwd": [120.0],
        "Wall Attention fwd": [80.0],
        "Wall Attention fwd+bwd": [240.0],
    }
    # its colour is one the GPU-B charts leave free in its family
    taken = {s["line"].get("color") for s in ctx._bench_styles.values()}
    assert curves[-1]["line"]["color"] not in taken


def test_a_head_dim_only_another_gpu_measured_gets_that_gpus_table(reg, tmp_path):
    newer = _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 10.0, "gla": 2.0, "kda": 4.0})
    # Hyena: timed on GPU-A only, and only at head dim 128
    older = _doc_on("GPU-A", "2026-11-01T00:00:00+00:00", {"transformer": 15.0, "gla": 5.0, "hyena": 9.0})
    small = {"head_dim": 64, "T": 32768, "B": 4, "status": "ok"}
    newer["models"]["transformer"]["points"].append({**small, "fwd_ms": 6.0, "fwdbwd_ms": 18.0})
    older["models"]["transformer"]["points"].append({**small, "fwd_ms": 99.0, "fwdbwd_ms": 99.0})
    older["models"]["gla"]["points"].append({**small, "fwd_ms": 2.5, "fwdbwd_ms": 7.5})
    # a smaller head timed only at a shorter length leaves the table's cell empty: still missing
    newer["models"]["kda"]["points"].append({**small, "T": 8192, "B": 16, "fwd_ms": 1.0, "fwdbwd_ms": 3.0})
    ctx = _generated(reg, tmp_path, newer, older)
    page = (ctx.docs / benchmarks.PAGE).read_text()
    section = page.split("## Head dimension")[1].split("## The same")[0]
    main, rest = section.split(
        "Timed with head dimension 64 on the GPU-A (2026-11-01) but not yet on the GPU-B;"
    )
    # the main card's own table keeps its own numbers; GPU-A's transformer row does not repeat there
    assert "<td>6.00</td><td>10.00</td><td>0.60 ×</td>" in main and "99.00" not in section
    # GLA's ratio comes from GPU-A alone, both of its times
    table, missing = rest.split("Not timed with head dimension 64 at T = 32768 on any card yet: ")
    assert 'href="../models/gla/"' in table
    assert "<td>2.50</td><td>5.00</td><td>0.50 ×</td><td>7.50</td><td>15.00</td><td>0.50 ×</td>" in table
    assert missing.startswith(
        '<a href="../models/kda/">Kimi Delta Attention</a>, <a href="../models/hyena/">Hyena</a>.'
    )


def test_a_model_timed_only_with_smaller_heads_is_shown_at_that_size(reg, tmp_path):
    """Its page charts it beside softmax attention at head dimension 64 and says so; the crossover table
    names the head size; the status table says what is missing. The head-128 figures leave it out."""
    doc = _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 10.0, "gla": 2.0})
    small = {"head_dim": 64, "B": 16, "status": "ok"}
    doc["models"]["transformer"]["points"] += [
        {**small, "T": 8192, "fwd_ms": 5.0, "fwdbwd_ms": 18.0},
        {**small, "T": 32768, "fwd_ms": 19.0, "fwdbwd_ms": 72.0},
    ]
    doc["models"]["moba"] = {
        **results.catalog_fields("moba"),
        "status": "measured",
        "points": [
            {**small, "T": 8192, "fwd_ms": 56.0, "fwdbwd_ms": 89.0},
            {**small, "T": 32768, "fwd_ms": 64.0, "fwdbwd_ms": 97.0},
        ],
    }
    ctx = _ctx(reg, _root_with(tmp_path, doc), tmp_path)
    benchmarks.generate(ctx)
    html = str(benchmarks.model_section(ctx, reg.by_id["moba"]))
    assert "16 heads of dimension 64," in html
    assert "Timed with heads of dimension 64 only so far (T = 8K, 32K)." in html
    assert ">The other models, with heads of dimension 128, and how this was measured</a>" in html
    assert "Against softmax attention (cuDNN), forward: not faster within 8K–32K." in html
    curves = json.loads((ctx.docs / benchmarks.DATA / "model-moba.json").read_text())["data"]
    ys = {c["name"]: c["y"] for c in curves}
    assert ys["softmax (cuDNN) fwd"] == [5.0, 19.0] and ys["Mixture of Block Attention fwd"] == [56.0, 64.0]
    page = (ctx.docs / benchmarks.PAGE).read_text()
    (row,) = [r for r in page.split("<tr") if 'href="../models/moba/"' in r and "not faster within" in r]
    assert "(heads of dimension 64)" in row
    fwd = json.loads((ctx.docs / benchmarks.DATA / "fwd.json").read_text())
    assert "Mixture of Block Attention" not in {t["name"] for t in fwd["data"]}
    # a model with head-128 points keeps the page's head size
    assert "16 heads of dimension 128," in str(benchmarks.model_section(ctx, reg.by_id["gla"]))


def test_the_check_quoted_is_the_one_made_with_the_head_size_shown(reg, tmp_path):
    """A model checked with heads of 64 and of 128 quotes, beside numbers shown at 128, the check made at 128,
    even where the check at 64 came out smaller; a model timed only at 64 quotes its check at 64."""
    doc = _doc_on("GPU-B", "2026-12-01T00:00:00+00:00", {"transformer": 10.0, "gla": 2.0})
    doc["models"]["gla"]["checks"] = [
        {"head_dim": 64, "rel_err": 1.5e-3, "passed": True},
        {"head_dim": 128, "rel_err": 6.2e-3, "passed": True},
    ]
    ctx = _ctx(reg, _root_with(tmp_path, doc), tmp_path)
    benchmarks.generate(ctx)
    html = str(benchmarks.model_section(ctx, reg.by_id["gla"]))
    assert "relative error of 6.2e-03." in html and "1.5e-03" not in html
    (row,) = [r for r in bench_tables.status_rows(doc, {}, ["gla"]) if r["id"] == "gla"]
    assert row["err"] == 6.2e-3
    assert results.check_error(doc["models"]["gla"], 256) == 1.5e-3  # no check at that size: the smallest


def test_sentences_joined_by_template_blocks_keep_their_space(committed):
    """A sentence that ends inside one template block and the next that starts after another must not run
    together ("... H100.The two cards ...") once the blocks are trimmed."""
    ctx, _ = committed
    text = re.sub(r"`[^`]*`|\([^)]*\.json\)", "", (ctx.docs / benchmarks.PAGE).read_text())
    assert not re.findall(r"\w{2}[.;:][A-Z][a-z]+", text)
