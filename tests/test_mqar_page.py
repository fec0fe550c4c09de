"""The Recall page's "Trained on MQAR" part and the model pages' trained points (zoo/sitegen/mqar.py), built
from a result document the harness's fake backend trained (tests/conftest.py variant_site), and the plain
sentence a site without results shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from zoo.bench.results import BASELINE
from zoo.recall import results, state
from zoo.recall.mixers import MIXERS
from zoo.registry import load
from zoo.sitegen import chart_style, mqar

ROOT = Path(__file__).resolve().parents[1]


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]


@pytest.fixture(scope="module")
def doc(variant_site):
    return results.load(variant_site.recall)


@pytest.fixture(scope="module")
def best(doc):
    return {mid: results.best_points(e) for mid, e in doc["models"].items()}


def fig(site: Path, name: str) -> dict:
    return json.loads((site / mqar.DATA / f"mqar-{name}.json").read_text())


@pytest.fixture(scope="module")
def reg():
    return load()


def traces_by_model(f: dict, reg) -> dict[str, dict]:
    """The figure's traces by model id, in the figure's (legend) order."""
    ids = {m.short_name: m.id for m in reg.models}
    return {ids[t["name"]]: t for t in f["data"]}


def test_accuracy_vs_state_is_one_line_per_model_at_the_width_sweep(variant_site, best, reg):
    f = fig(variant_site.site, "state")
    assert f["layout"]["xaxis"]["type"] == "log" and "state bytes" in f["layout"]["xaxis"]["title"]["text"]
    traces = traces_by_model(f, reg)
    assert len(f["data"]) == len(traces) == len(best) == 7 and set(traces) == set(best)
    for mid, rows in best.items():
        trace = traces[mid]
        pts = sorted((r["state_bytes"], r["accuracy"]) for r in rows if r["n_kv"] == 16)
        assert len(pts) == 3  # d = 64, 128, 256
        assert list(zip(trace["x"], trace["y"], strict=True)) == pts, mid
        assert [c[0] for c in trace["customdata"]] == sorted(r["d"] for r in rows if r["n_kv"] == 16)
    xs = [x for tr in f["data"] for x in tr["x"]]
    ticks = f["layout"]["xaxis"]["tickvals"]  # 1, 2 and 5 of each decade, named in k: no bare digits
    assert ticks[0] <= min(xs) * 1.5 and ticks[-1] >= max(xs) / 1.5 and len(ticks) >= 3
    for v, text in zip(ticks, f["layout"]["xaxis"]["ticktext"], strict=True):
        assert re.fullmatch(r"[125]0*k", text) and float(text[:-1]) * 1e3 == pytest.approx(v), text
    deltanet = traces["deltanet"]
    assert deltanet["x"] == [state.state_bytes("deltanet", d, 256) for d in (64, 128, 256)]


def test_accuracy_vs_pairs_is_at_one_width(variant_site, best, reg):
    f = fig(variant_site.site, "pairs")
    assert "d = 128" in f["layout"]["title"]["text"]
    traces = traces_by_model(f, reg)
    for mid, rows in best.items():
        trace = traces[mid]
        assert trace["x"] == [4, 16, 64]
        assert trace["y"] == [r["accuracy"] for r in sorted(rows, key=lambda r: r["n_kv"]) if r["d"] == 128]


def test_models_are_drawn_as_on_the_benchmark_charts_in_legend_families(variant_site, best, reg):
    """Each model keeps the colour, marker and family heading the benchmark charts give it, families one after
    another, and the legend beside the plot lists every line without scrolling."""
    styles = chart_style.model_styles(list(best), reg, BASELINE)
    for name in ("state", "pairs"):
        f = fig(variant_site.site, name)
        traces = traces_by_model(f, reg)
        assert list(traces) == [m for m in styles if m in traces]
        for mid, trace in traces.items():
            for key in ("line", "marker", "legendgroup", "legendgrouptitle"):
                assert trace.get(key) == styles[mid].get(key), (name, mid, key)
        headings = [t["legendgrouptitle"]["text"] for t in f["data"] if t.get("legendgrouptitle")]
        assert headings == ["Softmax", "Linear, no decay", "Linear, scalar decay", "Linear, diagonal decay",
                            "Linear, delta rule", "Long convolution"]  # fmt: skip
        assert traces["hyena"]["legendgroup"] == "conv"
        rows = len(f["data"]) * chart_style.LEGEND_ROW_PX + len(headings) * chart_style.LEGEND_GROUP_PX
        assert f["layout"]["height"] - 80 >= rows


def test_a_table_shows_every_model_at_every_point_in_legend_order(variant_site, best, reg):
    html = page(variant_site.site, "recall")
    part = html[html.index("data-zoo-mqar-glance") :]
    part = part[: part.index("</table>")]
    heads = [re.sub(r"<[^>]+>", " ", h).split() for h in re.findall(r"<th[^>]*>(.*?)</th>", part, re.S)]
    points = sorted({(r["n_kv"], r["d"]) for rs in best.values() for r in rs})  # T = 256 throughout
    assert heads == [["model"], ["family"]] + [["d", "=", str(d), str(n), "pairs"] for n, d in points]
    rows = [r for r in cells(part) if r]  # the header row has no <td>
    order = list(chart_style.model_styles(list(best), reg, BASELINE))
    names = {m.id: m.short_name for m in reg.models}
    assert [r[0] for r in rows] == [names[m] for m in order]
    for mid, row in zip(order, rows, strict=True):
        acc = {(r["n_kv"], r["d"]): r["accuracy"] for r in best[mid]}
        assert row[2:] == ["–" if acc.get(p) is None else f"{acc[p]:.3f}" for p in points], mid
        fam = chart_style.family(reg.by_id[mid])
        assert row[1] == chart_style.FAMILIES[fam][0], mid
    # each point's run (learning rate, state, wall time) is folded under the table
    after = html[html.index("data-zoo-mqar-glance") :]
    assert re.search(r"<details[^>]*>\s*<summary>Each point's best run", after)


def test_the_table_lists_every_point_with_its_best_lr_and_state_bytes(variant_site, best, doc):
    html = page(variant_site.site, "recall")
    assert mqar.NOT_YET not in html
    table = html[html.index("data-zoo-mqar-table") :]
    table = table[: table.index("</table>")]
    rows = cells(table)[1:]  # the header row has no <td>
    expect = [(mid, r) for mid, rs in best.items() for r in rs]
    assert len(rows) == len(expect) == 7 * 5
    for row, (mid, r) in zip(rows, expect, strict=True):
        d, n, acc, sb, lr, tried, T, wall = row[1:]  # what a phone shows first: width, pairs, accuracy
        assert (int(T), int(d), int(n)) == (r["T"], r["d"], r["n_kv"])
        assert float(acc) == pytest.approx(r["accuracy"], abs=5e-4)
        assert float(lr) == pytest.approx(r["lr"], rel=0.05) and int(tried) == 3
        assert int(sb.replace(",", "")) == state.state_bytes(mid, r["d"], r["T"])
        assert float(wall) == pytest.approx(r["wall_s"], abs=0.5)
    # the methodology states the file's protocol, and the exact commands come from its provenance
    assert "over 10 steps" in html and "d = 64, 128, 256" in html
    assert all(run["command"].replace('"', "&quot;").split()[0] in html for run in doc["runs"])
    assert "python -m zoo.recall --out" in html and "--backend fake" in html
    assert "zoo.recall merge" in html


def test_published_points_are_set_beside_ours(variant_site):
    html = page(variant_site.site, "recall")
    published = json.loads((ROOT / mqar.RESULTS / mqar.PUBLISHED).read_text())["points"]
    for p in published:
        assert f"arxiv.org/abs/{p['paper']['arxiv']}" in html
    # Zoology's point names attention and Hyena, both trained here: our accuracies at each width follow
    # each methodology item is its own list item (a line swallowed by a template tag once ran two together)
    for item in ("Data", "Model", "Sizes", "Training", "State size"):
        assert re.search(rf"<li>\s*<strong>{item}</strong>", html), item
    # every check of every point gets a verdict computed from the results, with the numbers it rests on
    section = html[html.index("What the papers report") :]
    n_checks = sum(len(p.get("checks", [])) for p in published)
    verdicts = re.findall(r"This <strong>(holds|does not hold|not settled yet)[^<]*</strong> \(", section)
    assert len(verdicts) == n_checks and n_checks >= 3


def test_models_near_chance_at_every_width_are_named_as_undertrained():
    """The page names the models whose best accuracy stays under NEAR_CHANCE at every width of the figure's
    (T, pairs), and no model that learned recall at any width or was trained only elsewhere."""
    from types import SimpleNamespace

    from zoo.registry import load

    ctx = SimpleNamespace(registry=load())

    def row(T, d, n, acc):
        return {"T": T, "d": d, "n_kv": n, "accuracy": acc}

    rows = {
        "hyena": [row(256, 64, 16, 0.01), row(256, 128, 16, 0.05), row(256, 128, 64, 0.9)],
        "based": [row(256, 64, 16, 0.02), row(256, 128, 16, 0.99)],
        "nope": [row(256, 128, 64, 0.0)],
    }
    # trained over only some of its learning rates so far: it may yet rise, so it is not named
    partial = {**row(256, 128, 16, 0.0), "lrs_tried": [1e-3], "lrs_planned": [1e-3, 1e-2]}
    rows["fox"] = [partial]
    t = mqar.Trained(doc={}, source=None, published=[], rows=rows)
    assert mqar.near_chance(ctx, t, {"T": 256, "n_kv": 16}) == ["Hyena"]
    assert mqar.near_chance(ctx, t, None) == []
    rows["fox"].append({**partial, "d": 64, "lrs_tried": [1e-3, 1e-2]})  # a full sweep, near chance too
    assert mqar.near_chance(ctx, t, {"T": 256, "n_kv": 16}) == ["Hyena", "FoX"]


def test_models_that_recall_only_at_a_larger_width_are_named_with_their_narrow_widths():
    from types import SimpleNamespace

    from zoo.registry import load

    ctx = SimpleNamespace(registry=load())

    def row(d, acc, n=16, **kw):
        return {"T": 256, "d": d, "n_kv": n, "accuracy": acc, **kw}

    rows = {
        "fox": [row(64, 0.0), row(128, 0.01), row(256, 0.999)],
        "gla": [row(64, 0.67), row(128, 0.99)],  # lower at the narrow width, not at chance: by degrees
        "hyena": [row(64, 0.01), row(256, 0.04)],  # never recalls: named elsewhere, not here
        "retnet": [row(64, 0.01), row(256, 0.95, n=64)],  # recalls at other pairs only
        # near chance over part of its sweep: it may yet rise
        "hgrn2": [row(64, 0.0, lrs_tried=[1e-3], lrs_planned=[1e-3, 1e-2]), row(128, 0.97)],
        "kda": [row(64, 0.95), row(128, 0.0)],  # a wider width at chance is not this pattern
    }
    t = mqar.Trained(doc={}, source=None, published=[], rows=rows)
    assert mqar.learned_only_wider(ctx, t, {"T": 256, "n_kv": 16}) == ["FoX (d = 64, 128)"]
    assert mqar.learned_only_wider(ctx, t, None) == []
    # and on the model's own page, at each (T, pairs) where it happens
    fox = {"T": 256, "n_kv": 16, "narrow": "64 and 128", "wide": 256}
    assert mqar._only_wider_on_page(rows["fox"]) == [fox]
    assert mqar._only_wider_on_page(rows["gla"]) == mqar._only_wider_on_page(rows["kda"]) == []


def test_a_best_over_part_of_the_learning_rate_sweep_is_marked_and_explained():
    """A point whose sweep is missing learning rates (not trained yet) is marked wherever its best accuracy
    is shown, and says over how many of how many it was taken; a full sweep's is not marked."""
    from types import SimpleNamespace

    ctx = SimpleNamespace(registry=load())

    def row(d, tried, planned, acc=0.5):
        return {"T": 256, "d": d, "n_kv": 16, "accuracy": acc, "lr": tried[0], "lrs_tried": tried,
                "lrs_planned": planned, "state_bytes": 1, "wall_s": 1.0}  # fmt: skip

    lrs = [1e-3, 3e-3, 1e-2, 3e-2]
    rows = {"deltanet": [row(64, lrs[:2], lrs), row(128, lrs, lrs)]}
    t = mqar.Trained(doc={}, source=None, published=[], rows=rows)
    table = mqar.glance(ctx, t, list(mqar.legend_styles(ctx, t)))
    assert table["rows"][0]["cells"] == ["0.500" + mqar.PARTIAL, "0.500"] and table["partial"]
    detail = mqar.table_rows(ctx, t)
    assert [(r["acc"], r["lrs_text"], r["partial"]) for r in detail] == [
        ("0.500" + mqar.PARTIAL, "2 of 4", True),
        ("0.500", "4", False),
    ]
    assert mqar.PARTIAL_NOTE.startswith(mqar.PARTIAL + " ")
    full = mqar.Trained(doc={}, source=None, published=[], rows={"deltanet": [row(128, lrs, lrs)]})
    assert not mqar.glance(ctx, full, ["deltanet"])["partial"]


def test_runs_that_tuned_kernels_to_the_first_config_that_runs_say_so():
    runs = [{"provenance": {}}, {"provenance": {"autotune": "first x"}}]
    doc = {"protocol": {}, "models": {}, "runs": runs}
    assert mqar.protocol(mqar.Trained(doc, None, [], {}))["first_config"] == "first x"
    assert mqar.protocol(mqar.Trained({**doc, "runs": doc["runs"][:1]}, None, [], {}))["first_config"] is None


def test_each_model_page_shows_its_own_points_or_says_why_none(variant_site, best):
    html = page(variant_site.site, "models/deltanet")
    part = html[html.index('data-zoo-mqar="deltanet"') :]
    rows = cells(part[: part.index("</table>")])[1:]
    # columns: d, pairs, accuracy, state, best lr, T (what a phone shows first leads)
    assert [(int(r[5]), int(r[0]), int(r[1])) for r in rows] == [
        (r["T"], r["d"], r["n_kv"]) for r in best["deltanet"]
    ]
    assert [int(r[3].replace(",", "")) for r in rows] == [
        state.state_bytes("deltanet", r["d"], r["T"]) for r in best["deltanet"]
    ]
    assert "no trainable layer" in page(variant_site.site, "models/mamba")
    trainable_untrained = next(m for m in MIXERS if m not in best)
    assert "no trained points" in page(variant_site.site, f"models/{trainable_untrained}")


def test_without_a_result_file_the_page_says_so_plainly(tmp_path):
    from zoo.registry import load
    from zoo.sitegen.context import BuildContext

    ctx = BuildContext(registry=load(), root=ROOT, docs=tmp_path, tex=None, recall_results=tmp_path)
    trained = mqar.load(ctx)
    assert trained.doc is None
    text = mqar.page_part(ctx, trained)
    assert mqar.NOT_YET in text and "zoo-fig" not in text and "| model |" not in text
    assert "How the models are trained" in text and "What the papers report" in text
    m = ctx.registry.by_id["deltanet"]
    assert "not on this site yet" in mqar.model_part(ctx, trained, m, "../../")


def test_the_built_site_shows_the_repositorys_results_or_the_sentence(built_site):
    has = any(
        "state_definition" in json.loads(p.read_text())
        for p in (ROOT / mqar.RESULTS).glob("*.json")
        if p.name != mqar.PUBLISHED
    )
    html = page(built_site, "recall")
    assert (mqar.NOT_YET in html) != has
    assert ("data-zoo-mqar-table" in html) == has


PUBLISHED_SCHEMA = ROOT / "schema" / "recall_published.schema.json"


def published_points() -> list[dict]:
    return json.loads((ROOT / mqar.RESULTS / mqar.PUBLISHED).read_text(encoding="utf-8"))["points"]


def test_published_points_validate_and_name_zoo_models():
    import jsonschema

    from zoo.registry import load

    schema = json.loads(PUBLISHED_SCHEMA.read_text(encoding="utf-8"))
    doc = json.loads((ROOT / mqar.RESULTS / mqar.PUBLISHED).read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    ids = {m.id for m in load().models}
    for p in doc["points"]:
        assert set(p.get("models", {})) <= ids, p["id"]
        for c in p.get("checks", []):
            assert {c["model"], *c.get("of", [])} <= ids, p["id"]
        assert {v["model"] for v in p["values"]} <= set(p.get("models", {})), p["id"]
    # a number needs its place, and a point that says its numbers are in a table must carry them
    point = {**doc["points"][0], "numbers": "table", "values": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**doc, "points": [point]}, schema)
    value = {"model": "nope", "d": 64, "T": 64, "pairs": 4, "accuracy": 1.0}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**doc, "points": [{**point, "values": [value]}]}, schema)
    jsonschema.validate(
        {**doc, "points": [{**point, "values": [{**value, "where": "Table 9, row MHA"}]}]}, schema
    )


def test_the_page_shows_every_published_point_and_its_numbers(tmp_path):
    """Each point as the page words it: its paper, where its numbers are, and each number it reports (a
    made-up reported value here, as none is transcribed yet), with our names for the paper's models."""
    from markupsafe import escape

    from zoo.registry import load
    from zoo.sitegen.context import BuildContext

    ctx = BuildContext(registry=load(), root=ROOT, docs=tmp_path, tex=None, recall_results=tmp_path)
    trained = mqar.load(ctx)
    points = published_points()
    assert [p["id"] for p in trained.published] == [p["id"] for p in points]
    made_up = {
        **points[0],
        "numbers": "table",
        "values": [
            {"model": "nope", "d": 64, "T": 64, "pairs": 4, "accuracy": 0.987, "where": "Table 9, row MHA"},
            {"model": "nope", "d": 64, "T": 512, "pairs": 80, "accuracy": 0.99, "bound": "above"}
            | {"where": "Table 2"},
        ],
    }
    trained = mqar.Trained(trained.doc, trained.source, [*points, made_up], trained.rows)
    text = mqar.page_part(ctx, trained)
    section = text[text.index("What the papers report") :]
    for p in points:
        assert f"arxiv.org/abs/{p['paper']['arxiv']}" in section and escape(p["paper"]["where"]) in section
    assert section.count("are plotted only") == sum(p["numbers"] == "figure" for p in points)
    no_numbers = sum(p["numbers"] == "not found" for p in points)
    assert section.count("without accuracies to compare point by point") == no_numbers
    name = ctx.registry.by_id["nope"].short_name
    assert f"It reports {name} 0.99 at d = 64, T = 64, 4 pairs (Table 9, row MHA); " in section
    # a paper that gives only a bound ('> 99.0') is quoted as one
    assert f"{name} above 0.99 at d = 64, T = 512, 80 pairs (Table 2)." in section


def test_a_missing_published_file_fails_the_build(tmp_path):
    # The papers' own points are committed data; without them the page once lost them without a word.
    from zoo.registry import load
    from zoo.sitegen.build import BuildError
    from zoo.sitegen.context import BuildContext

    ctx = BuildContext(registry=load(), root=tmp_path, docs=tmp_path, tex=None, recall_results=tmp_path)
    with pytest.raises(BuildError, match=mqar.PUBLISHED):
        mqar.load(ctx)


def test_points_without_an_accuracy_are_grouped_by_why_in_a_readers_words():
    """One line per reason, each model under its commonest one: a trial the deadline stopped early, one of a
    Triton layer trained before the gradient check, and trials never reached; a killed trial and one never
    started read alike. A failed gradient check outweighs any count: it rules out the layer's other points."""
    from types import SimpleNamespace

    from zoo import registry

    ctx = SimpleNamespace(registry=registry.load())

    def tr(status="ok", **kw):
        return {"T": 256, "d": 64, "n_kv": 16, "lr": 1e-3, "status": status, "accuracy": 0.5, **kw}

    checked = {"grad_check": {"passed": True}}
    doc = {
        "models": {
            "nope": {"impl": "sdpa", "trials": [tr(), tr(truncated=True), tr(truncated=True)]},
            "gla": {"impl": "fla", "trials": [tr(**checked), tr(), tr(), tr("timeout")]},
            "deltanet": {"impl": "fla", "trials": [tr("timeout"), tr("not_run"), tr("not_run")]},
            "retnet": {"impl": "fla", "trials": [tr(**checked)]},
            "rwkv-7": {"impl": "fla", "trials": [tr("wrong_gradients"), tr("timeout"), tr("timeout")]},
            # out of memory beside the sweep's other trainings: not the model's doing, so not trained yet
            "kda": {"impl": "fla", "trials": [tr(**checked), tr("error", error="CUDA error: out of memory")]},
            "hgrn2": {"impl": "fla", "trials": [tr("error", error="Triton Error: invalid argument")]},
        }
    }
    got = mqar.failures(ctx, mqar.Trained(doc, None, [], {}))
    names = {m.id: m.name for m in ctx.registry.models}
    assert got == [
        {"why": mqar.STATUS["error"], "models": [{"name": names["hgrn2"], "n": 1, "of": 1}]},
        {"why": mqar.STATUS["wrong_gradients"], "models": [{"name": names["rwkv-7"], "n": 3, "of": 3}]},
        {"why": mqar.STATUS["unchecked"], "models": [{"name": names["gla"], "n": 3, "of": 4}]},
        {"why": mqar.STATUS["cut_short"], "models": [{"name": names["nope"], "n": 2, "of": 3}]},
        {
            "why": mqar.STATUS["not_run"],
            "models": [{"name": names["deltanet"], "n": 3, "of": 3}, {"name": names["kda"], "n": 1, "of": 2}],
        },
    ]


@pytest.mark.parametrize("out", ["/root/out/h100-c.json", "h100-c.json", "benchmarks/recall/h100-c.json"])
def test_a_run_command_shows_its_result_file_where_the_repository_keeps_it(out):
    cmd = f"python -m zoo.recall --out {out} --missing-from benchmarks/recall/h100.json -j 16"
    assert mqar.shown_command(cmd) == (
        "python -m zoo.recall --out benchmarks/recall/h100-c.json --missing-from benchmarks/recall/h100.json "
        "-j 16"
    )


def test_a_papers_table_value_is_shown_beside_ours_at_exactly_its_point():
    from types import SimpleNamespace

    from zoo import registry

    ctx = SimpleNamespace(registry=registry.load())
    value = {"model": "nope", "d": 64, "T": 512, "pairs": 80, "accuracy": 0.99, "where": "Table A7"}
    paper = {"id": "p", "paper": {}, "models": {"nope": "Transformer"}, "values": [value]}
    lrs = {"lrs_tried": [1e-3, 1e-2], "lrs_planned": [1e-3, 1e-2]}
    row = {"T": 512, "d": 64, "n_kv": 80, "accuracy": 0.998, **lrs}
    other = {"T": 256, "d": 64, "n_kv": 16, "accuracy": 0.5, **lrs}
    (got,) = mqar.comparisons(ctx, mqar.Trained({}, None, [paper], {"nope": [other, row]}))
    assert got["reported"][0]["ours"] == "1.00" and got["reported"][0]["accuracy"] == "0.99"
    # a sweep still missing learning rates says so beside the paper's number
    partial = {**row, "lrs_tried": [1e-3]}
    (got,) = mqar.comparisons(ctx, mqar.Trained({}, None, [paper], {"nope": [partial]}))
    assert got["reported"][0]["ours"] == "1.00, the best of 1 of 2 learning rates so far"
    (got,) = mqar.comparisons(ctx, mqar.Trained({}, None, [paper], {"nope": [other]}))
    assert got["reported"][0]["ours"] is None


def test_a_model_page_without_points_says_why_in_a_readers_words(tmp_path):
    from zoo.registry import load
    from zoo.sitegen.context import BuildContext

    ctx = BuildContext(registry=load(), root=ROOT, docs=tmp_path, tex=None, recall_results=tmp_path)
    ok = {"T": 256, "d": 64, "n_kv": 16, "lr": 1e-3, "status": "ok", "accuracy": 0.3, "steps": 1000}
    wrong = {**ok, "status": "wrong_gradients", "error": "wrong gradients: ..."}
    doc = {
        "protocol": {"steps": 1000},
        "models": {
            "gla": {"impl": "fla", "trials": [ok, ok]},  # trained before the check: not shown
            "deltanet": {"impl": "fla", "trials": [wrong, wrong, ok]},
        },
    }
    t = mqar.Trained(doc, None, [], {})
    gla, deltanet = (mqar.model_part(ctx, t, ctx.registry.by_id[m], "../../") for m in ("gla", "deltanet"))
    assert "no trained points on" in gla and ": trained before the gradients of its GPU kernel" in gla
    said = ": the layer&#39;s gradients on this GPU did not match finite differences of its forward pass."
    assert said in deltanet


def test_a_checks_verdict_is_worded_with_the_numbers_it_rests_on():
    from types import SimpleNamespace

    from zoo import registry

    ctx = SimpleNamespace(registry=registry.load())
    full = {"lrs_tried": [1e-3, 1e-2], "lrs_planned": [1e-3, 1e-2]}

    def row(d, acc, state, **lrs):
        return {"T": 256, "d": d, "n_kv": 16, "accuracy": acc, "state_bytes": state, **(lrs or full)}

    rows = {
        "based": [row(64, 0.995, 35490), row(128, 0.9, 70434)],
        "gla": [row(128, 0.987, 16384, lrs_tried=[1e-3], lrs_planned=[1e-3, 1e-2])],
    }
    frontier = {"kind": "frontier", "model": "based", "of": ["gla"], "T": 256, "pairs": 16}
    ahead = {**frontier, "kind": "ahead", "d": [64, 256]}
    paper = {"id": "p", "paper": {}, "values": [], "checks": [frontier, ahead]}
    (got,) = mqar.comparisons(ctx, mqar.Trained({}, None, [paper], rows))
    f, a = got["checks"]
    assert f["statement"] == "none of GLA recalls more than Based with a state no larger (T = 256, 16 pairs)"
    assert f["verdict"] == "does not hold"  # GLA 0.987 at 16 kB against Based 0.9 at 70 kB
    assert f["evidence"] == (
        f"Based 0.995 at 35,490 bytes against GLA 0.987{mqar.PARTIAL} at 16,384 bytes; "
        f"Based 0.900 at 70,434 bytes against GLA 0.987{mqar.PARTIAL} at 16,384 bytes"
    )
    rows["gla"][0]["state_bytes"] = 80000  # now more than either of Based's
    (got,) = mqar.comparisons(ctx, mqar.Trained({}, None, [paper], rows))
    assert got["checks"][0]["verdict"] == "holds"
    alone = "Based 0.995 at 35,490 bytes, with no other at a state this small"
    assert got["checks"][0]["evidence"].startswith(alone)
    assert a["statement"] == "Based recalls at least as well as GLA at d = 64 and 256 (T = 256, 16 pairs)"
    assert a["verdict"] == "not settled yet: GLA at d = 64, Based at d = 256 and GLA at d = 256 not trained"
    assert a["evidence"] == "d = 64: Based 0.995"
