"""The Benchmarks page and the model pages' GPU sections in a real browser: every figure renders from the
committed results with one curve per measured model, hover shows the numbers, and (conftest) nothing leaves
localhost and no console error is logged."""

from pathlib import Path

from zoo.bench import results
from zoo.sitegen import bench_data, bench_rates, benchmarks, chart_style

ROOT = Path(__file__).resolve().parents[2]


def _measured(head_dim: int | None = None) -> list[str]:
    """The models the main result file measured; with head_dim, those it timed at that head dimension."""
    doc, _ = benchmarks.load_results(ROOT)
    return [
        m
        for m, e in doc["models"].items()
        if e["status"] == "measured" and (head_dim is None or results.series(e, "fwd", head_dim))
    ]


def _render_all(page) -> int:
    figs = page.locator("[data-zoo-fig]")
    for i in range(figs.count()):  # figures render when scrolled near: visit each one
        figs.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("el => el.dataset.zooRendered === 'true'", arg=figs.nth(i).element_handle())
    return figs.count()


def test_every_benchmark_figure_renders_one_curve_per_measured_model(page, site_url, shot):
    measured = _measured()
    charted = _measured(benchmarks.HEAD_DIM)  # the figures' head dim; the status table says who lacks it
    page.goto(site_url + "benchmarks/")
    assert _render_all(page) == 6  # fwd, fwd+bwd, throughput, memory, decode, roofline
    fwd = "[data-zoo-fig$='/fwd.json']"
    names = page.evaluate(f'() => document.querySelector("{fwd}").data.map(t => t.name)')
    assert len(names) == len(charted)
    # every model in the legend (none scrolled out of sight), under its family's heading
    headings = {heading for heading, _ in chart_style.FAMILIES.values()}
    legend = page.locator(f"{fwd} .legendtext").all_text_contents()
    assert len([t for t in legend if t not in headings]) == len(charted)
    assert {t for t in legend if t in headings} and legend[0] == names[0]
    # hovering the baseline's first point shows its length and time, as the page promises
    page.evaluate(
        f'() => window.Plotly.Fx.hover(document.querySelector("{fwd}"), [{{curveNumber: 0, pointNumber: 0}}])'
    )
    hover = page.locator(f"{fwd} .hoverlayer").text_content()
    assert "T=512" in hover and "ms" in hover
    # the roofline: the measured limit first, then one trace per model with a rate at 8K or 32K
    doc, _ = benchmarks.load_results(ROOT)
    roof = "[data-zoo-fig$='/roofline.json']"
    traces = page.evaluate(f'() => document.querySelector("{roof}").data.map(t => [t.name, t.x.length])')
    assert traces[0][0].startswith("limit: ") and len(traces) == len(bench_rates.rate_rows(doc, {})) + 1
    assert all(1 <= n <= len(bench_data.RATE_T) for _, n in traces[1:])
    first_model = "[{curveNumber: 1, pointNumber: 0}]"
    page.evaluate(f'() => window.Plotly.Fx.hover(document.querySelector("{roof}"), {first_model})')
    assert "FLOP/byte" in page.locator(f"{roof} .hoverlayer").text_content()
    rows = page.locator("tr[data-zoo-bench-status='measured']")
    assert rows.count() == len(measured)
    shot(page, "benchmarks")


def test_a_model_page_draws_its_curve_against_softmax(page, site_url, shot):
    mid = next(m for m in _measured() if m != "transformer")
    page.goto(site_url + f"models/{mid}/")
    section = page.locator(".zoo-bench-model")
    section.scroll_into_view_if_needed()
    assert _render_all(page) >= 1
    fig = section.locator("[data-zoo-fig]")
    page.wait_for_function("el => el.dataset.zooRendered === 'true'", arg=fig.element_handle())
    labels = fig.evaluate("el => el.data.map(t => t.name)")
    assert any(name.startswith("softmax") for name in labels) and len(labels) >= 3
    assert "Against softmax attention" in section.inner_text()
    shot(page, f"model-{mid}-gpu", full_page=False)


BASELINE_COLOUR = "el => el.data[0].line.color"  # the softmax baseline is the first trace


def test_a_model_without_a_kernel_says_why_and_the_baseline_shows_on_the_dark_palette(
    dark_page, site_url, shot
):
    dark_page.goto(site_url + "models/mamba/")
    why = dark_page.locator(".zoo-bench-model__why")
    assert "No GPU timing for Mamba" in why.inner_text() and "no public fused kernel" in why.inner_text()
    dark_page.goto(site_url + "benchmarks/")
    _render_all(dark_page)
    fwd = dark_page.locator("[data-zoo-fig$='/fwd.json']")
    dark_ink = fwd.evaluate(BASELINE_COLOUR)
    assert dark_ink != "#111827"  # the build's black would vanish on the dark background
    shot(dark_page, "benchmarks-dark")
    dark_page.evaluate("document.body.setAttribute('data-md-color-scheme', 'default')")  # the palette toggle
    dark_page.wait_for_function(f"el => ({BASELINE_COLOUR})(el) !== {dark_ink!r}", arg=fwd.element_handle())


def test_on_a_phone_the_legend_goes_under_the_plot(phone_page, site_url, shot):
    phone_page.goto(site_url + "benchmarks/")
    fwd = phone_page.locator("[data-zoo-fig$='/fwd.json']")
    fwd.scroll_into_view_if_needed()
    phone_page.wait_for_function("el => el.dataset.zooRendered === 'true'", arg=fwd.element_handle())
    orientation, height, plot_height = fwd.evaluate(
        "el => [el.layout.legend.orientation, el._fullLayout.height, el._fullLayout._size.h]"
    )
    assert orientation == "h" and height > 600
    assert plot_height > 300  # the plot itself keeps its room above the legend
    shot(phone_page, "benchmarks-phone", full_page=False)


def test_the_legend_hides_a_curve_on_click_and_isolates_one_on_double_click(page, site_url):
    """The page tells readers to use the legend to thin out the chart; this is what they get."""
    page.goto(site_url + "benchmarks/")
    fwd = page.locator("[data-zoo-fig$='/fwd.json']")
    fwd.scroll_into_view_if_needed()
    page.wait_for_function("el => el.dataset.zooRendered === 'true'", arg=fwd.element_handle())
    visible = "el => el.data.map(t => t.visible === undefined || t.visible === true)"
    names = fwd.evaluate("el => el.data.map(t => t.name)")

    def entry(i):  # the legend row of trace i (family headings are rows too)
        return fwd.locator(".legend .traces").filter(has=page.get_by_text(names[i], exact=True))

    entry(1).click()  # one model hides, not its whole family
    page.wait_for_function(f"el => !({visible})(el)[1]", arg=fwd.element_handle())
    assert fwd.evaluate(visible).count(False) == 1
    entry(2).dblclick()
    page.wait_for_function(f"el => ({visible})(el).filter(Boolean).length === 1", arg=fwd.element_handle())
    assert fwd.evaluate(visible).index(True) == 2
