"""Live runs on model pages, as a reader starts them: one Pyodide worker, kept across instant navigation,
computing exactly what CPython computes.

The tests share one browser page (module scope) so Pyodide starts once: the first test pays the cold start
and watches the progress bar, the next ones navigate through Material's instant navigation, which must keep
the worker. Each one still stands alone: a panel that finds no running worker gets its button clicked.
"""

import json
import math
from pathlib import Path

import pytest
from conftest import OUTPUT

from zoo import registry
from zoo.chromium import open_page

# One model per family (the first one the registry has): plain softmax, gated softmax, linear attention,
# the delta rule, a selective SSM with per-channel mixing (Mamba-1: A is d_v x T x T), scalar-gated SSD,
# a convolutional SSM, an RWKV, a multi-input SSM whose output channels read every input channel (S5: A is
# d_v x T x T d_v), several query heads over fewer key-value heads (A is H x T x T). Families the registry
# does not have yet are skipped.
FAMILIES = [
    ["transformer"],
    ["fox", "path", "alibi"],
    ["linear-attention", "performer"],
    ["gated-deltanet", "deltanet"],
    ["mamba"],
    ["mamba-2", "gla", "retnet"],
    ["hyena", "h3", "s4"],
    ["rwkv-7", "rwkv-6", "rwkv-4"],
    ["s5", "lru"],
    ["gqa", "mqa"],
]


@pytest.fixture(scope="module")
def reg():
    return registry.load()


@pytest.fixture(scope="module")
def family_models(reg):
    picks = [next(i for i in ids if i in reg.by_id) for ids in FAMILIES if any(i in reg.by_id for i in ids)]
    assert len(picks) >= 2, "the registry should offer at least two model families to run live"
    return picks


@pytest.fixture(scope="module")
def live_page(browser):
    page, problems = open_page(browser)
    # Every start of Pyodide fetches its WebAssembly module: one per visit is the promise.
    page.pyodide_loads = []
    page.on("request", lambda r: r.url.endswith("/pyodide.asm.wasm") and page.pyodide_loads.append(r.url))
    yield page
    page.context.close()
    problems.check()


def cpython_checksum(run: dict) -> float:
    from kernels_wasm import api

    return api.simulate(run["module"], T=run["T"], d=run["d"], seed=run["seed"], **run["params"])["checksum"]


def assert_matches_cpython(panel) -> dict:
    run = json.loads(panel.get_attribute("data-zoo-run"))
    got = float(panel.get_attribute("data-zoo-checksum"))
    want = cpython_checksum(run)
    # Same numpy version; only summation order inside BLAS vs Pyodide's numpy may differ, in the last bits.
    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), f"Pyodide {got} != CPython {want} for {run}"
    return run


def wait_for_result(page, previous: str | None = None):
    """Wait until the panel shows a (new) checksum; returns the panel element."""
    page.wait_for_function(
        """prev => { const p = document.querySelector('[data-zoo-live]');
                     return p && (p.dataset.zooLiveStatus === 'failed' ||
                                  (p.dataset.zooChecksum !== undefined && p.dataset.zooRun !== prev)); }""",
        arg=previous,
        timeout=90_000,
    )
    panel = page.query_selector("[data-zoo-live]")
    assert panel.get_attribute("data-zoo-live-status") != "failed", page.inner_text(".zoo-live__status")
    return panel


def open_model(page, site_url, model_id):
    """Go to a model page: by instant navigation when a page of the site is open, otherwise by URL."""
    if page.url.endswith(f"models/{model_id}/"):
        pass
    elif page.url.startswith(site_url) and page.evaluate("!!window.document$"):
        page.evaluate("window.__zooSamePage = true")
        # The sidebar's link to the page (hrefs are relative; .href is absolute).
        link = page.evaluate_handle(
            """id => [...document.querySelectorAll('.md-sidebar--primary a')]
                      .find(a => a.href.endsWith(`/models/${id}/`))""",
            model_id,
        ).as_element()
        assert link, f"no sidebar link to models/{model_id}/"
        if not link.is_visible():  # its family's group in the menu is closed: open it, as a reader would
            link.evaluate_handle(
                "a => a.closest('.md-nav__item--nested').querySelector(':scope > label.md-nav__link')"
            ).as_element().click()
        link.click()
        page.wait_for_url(f"**/models/{model_id}/")
        assert page.evaluate("window.__zooSamePage === true"), (
            "expected Material's instant navigation, got a reload"
        )
    else:
        page.goto(f"{site_url}models/{model_id}/")
    page.wait_for_selector(
        f'[data-zoo-live][data-zoo-model="{model_id}"] [data-zoo-live-start]', state="attached"
    )
    # A panel whose Run button still shows has not started (the worker may be idle or still loading).
    if page.locator("[data-zoo-live] [data-zoo-live-start]").is_visible():
        page.click("[data-zoo-live] [data-zoo-live-start]")


def _cold_start_until_the_build_run_is_shown(page, site_url, model_id, held) -> float:
    """Open a model page cold, start the run while Pyodide's module is held, and check what shows meanwhile.

    Returns the colour scale's top of the build-time figure, to compare with the live one.
    """
    page.goto(f"{site_url}models/{model_id}/")
    page.wait_for_selector("[data-zoo-live] [data-zoo-live-start]")
    # The hint is written once the live-run manifest has arrived (it names the download size).
    page.wait_for_function("document.querySelector('[data-zoo-live-hint]')?.textContent.trim() !== ''")
    assert "Press Run, or change any value below" in page.inner_text("[data-zoo-live-hint]")
    # Record every value the progress bar takes, from before the panel is in view (which starts the loading).
    page.evaluate("""() => {
        window.__progress = [];
        const bar = document.querySelector('.zoo-live__progress');
        new MutationObserver(() => window.__progress.push([bar.value, bar.max, bar.hidden]))
            .observe(bar, {attributes: true});
    }""")
    assert page.evaluate("window.__zooLive.state.status") == "idle", "nothing loads before the panel is seen"
    static = page.locator("[data-zoo-live-static] [data-zoo-fig]").first
    static.scroll_into_view_if_needed()
    page.wait_for_selector(
        "[data-zoo-live-static] [data-zoo-fig][data-zoo-rendered]"
    )  # build-time figure drawn
    assert static.is_visible()
    # Seeing the panel is intent enough: Pyodide starts loading before the click.
    page.wait_for_function("window.__zooLive.state.status !== 'idle'")
    page.click("[data-zoo-live] [data-zoo-live-start]")
    # While Pyodide starts, the build-time run of the same inputs is drawn at once, and says so.
    page.wait_for_selector("[data-zoo-live][data-zoo-build-shown]")
    assert page.evaluate("window.__zooLive.state.status") == "loading"
    assert page.get_attribute("[data-zoo-live]", "data-zoo-checksum") is None
    assert "Computed when this site was built" in page.inner_text(".zoo-live__timing")
    # On a busy machine Pyodide's JavaScript takes a while to parse before it asks for the module: wait.
    for _ in range(600):
        if held:
            break
        page.wait_for_timeout(100)  # route handlers run while Playwright waits
    assert held, "Pyodide should ask for its WebAssembly module within 60 s of starting"
    assert page.evaluate("window.__zooLive.state.status") == "loading", "nothing runs without the module"
    return float(page.get_attribute("[data-zoo-live-plot=mixing]", "data-zoo-zmax"))


def test_cold_start_shows_bytes_loaded_then_the_cpython_result(
    live_page, site_url, family_models, built_site
):
    page = live_page
    # Pyodide's WebAssembly module is held back until the build-time run has been checked: on a fast machine
    # the snapshot start finished before the click, and the state under test ("loading") was already gone.
    held = []
    page.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    try:
        build_zmax = _cold_start_until_the_build_run_is_shown(page, site_url, family_models[0], held)
    finally:
        # Never leave the module held: the next tests share this page, and a held module would stall them.
        for route in held:
            route.continue_()
        page.unroute("**/pyodide.asm.wasm")
    panel = wait_for_result(page)
    assert_matches_cpython(panel)
    live_zmax = float(page.get_attribute("[data-zoo-live-plot=mixing]", "data-zoo-zmax"))
    assert abs(build_zmax - live_zmax) <= 1e-6 * live_zmax, "the build-time run is the same run"

    manifest = json.loads((built_site / "assets/vendor/pyodide/zoo-live.json").read_text())
    # The build made a start-up snapshot, and this start used it (the normal start: test_live_failures.py).
    assert manifest["snapshot"], "the build should make a start-up snapshot (zoo/sitegen/live_snapshot.py)"
    # It carries numpy: its bytes replace the wheel's.
    total = manifest["download_bytes"]
    wheel = manifest["files"][manifest["wheel"]["file"]]
    assert total == manifest["total_bytes"] + manifest["snapshot"]["bytes"] - wheel
    seen = page.evaluate("window.__progress")
    loading = [(v, m) for v, m, hidden in seen if not hidden]
    assert len({v for v, _ in loading}) >= 5, f"the bar should move while bytes arrive: {seen[:20]}"
    assert all(m == total for _, m in loading), "the bar's maximum is every byte to fetch"
    values = [v for v, _ in loading]
    assert values == sorted(values), "bytes loaded never go back"
    assert any(0 < v < total / 2 for v in values), "some intermediate values were shown"
    state = page.evaluate("({...window.__zooLive.state})")
    assert state["status"] == "ready" and state["loaded"] == total
    assert state["snapshot"] == "used", state["snapshot"]
    assert page.locator(".zoo-live__progress").is_hidden(), "the bar goes away once Pyodide is ready"
    assert "Pyodide ready (Python 3.12" in page.inner_text(".zoo-live__status")
    assert not page.locator("[data-zoo-live-static]").first.is_visible(), (
        "live figures replace the static ones"
    )
    timing = page.inner_text(".zoo-live__timing")
    assert "Same numbers as the precomputed figures" in timing and "checksum" not in timing.lower()


def test_every_family_matches_cpython_through_instant_navigation(live_page, site_url, family_models, reg):
    page = live_page
    for model_id in family_models:
        open_model(page, site_url, model_id)
        panel = wait_for_result(page)
        run = assert_matches_cpython(panel)
        assert run["module"] == reg.by_id[model_id].kernel.module
        assert run["params"] == {p.name: p.default for p in reg.by_id[model_id].kernel.params}  # 4 == 4.0
        # Each slider shows the value that ran.
        shown = dict(
            page.eval_on_selector_all(
                "[data-zoo-live] .zoo-live__controls input[type=range]",
                "els => els.map(e => [e.name, [Number(e.value), e.nextElementSibling.value]])",
            )
        )
        for name, value in [("T", run["T"]), ("d", run["d"]), ("seed", run["seed"]), *run["params"].items()]:
            assert shown[name][0] == pytest.approx(value) and float(shown[name][1]) == pytest.approx(value), (
                name
            )
        # Every canvas was painted (a blank canvas is all zeros).
        for kind in ("mixing", "state", "norms"):
            painted = page.evaluate(f"""() => {{
                const c = document.querySelector('[data-zoo-live-plot="{kind}"]');
                const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                return px.some(x => x !== 0);
            }}""")
            assert painted, f"{model_id}: the {kind} view is blank"
        # A 3-D mixing matrix gets a picker over its slices, named for what they are (channel or query head).
        from kernels_wasm import api

        args = {"T": run["T"], "d": run["d"], "seed": run["seed"], **run["params"]}
        slices = api.simulate(run["module"], **args)["slices"]
        picker = page.locator("[data-zoo-live] .zoo-live__figures input[type=number]").first
        assert picker.is_visible() == (slices is not None), model_id
        if slices:
            assert picker.get_attribute("aria-label") == f"{slices}, typed"
    live_workers = [w for w in page.workers if w.url.endswith("/assets/js/live/worker.js")]
    assert len(live_workers) == 1, "one Pyodide worker serves every page of the visit"
    assert len(page.pyodide_loads) == 1, f"Pyodide started {len(page.pyodide_loads)} times in one visit"


def test_sliders_rerun_with_the_readers_inputs(live_page, site_url, family_models, reg):
    page = live_page
    # Prefer a model that declares live parameters, so they are exercised too.
    model_id = next((i for i in family_models if reg.by_id[i].kernel.params), family_models[-1])
    open_model(page, site_url, model_id)
    panel = wait_for_result(page)

    def set_slider(name, value):
        before = panel.get_attribute("data-zoo-run")
        page.evaluate(
            """([name, value]) => {
            const input = document.querySelector(`[data-zoo-live] input[name="${name}"]`);
            input.value = String(value);
            input.dispatchEvent(new Event('input', {bubbles: true}));
        }""",
            [name, value],
        )
        return wait_for_result(page, before)

    set_slider("T", 20)
    set_slider("seed", 7)
    for p in reg.by_id[model_id].kernel.params:
        set_slider(p.name, p.max)
    run = assert_matches_cpython(panel)
    assert (run["T"], run["seed"]) == (20, 7)
    for p in reg.by_id[model_id].kernel.params:
        assert run["params"][p.name] == pytest.approx(p.max)

    # The step slider only changes the view: no new run, same checksum.
    checksum = panel.get_attribute("data-zoo-checksum")
    page.evaluate("""() => {
        const input = document.querySelector('[data-zoo-live] input[name="t"]');
        input.value = '3';
        input.dispatchEvent(new Event('input', {bubbles: true}));
    }""")
    # (The worker sends step 3's state of the run it keeps: a short round trip, then the redraw.)
    page.wait_for_function(
        "document.querySelector('[data-zoo-live-plot=state]').ariaLabel === 'state at step 3'"
    )
    assert panel.get_attribute("data-zoo-checksum") == checksum


def test_code_tab_shows_the_exact_files_that_ran(live_page, site_url, family_models):
    page = live_page
    model_id = family_models[-1]
    open_model(page, site_url, model_id)
    panel = wait_for_result(page)
    run = json.loads(panel.get_attribute("data-zoo-run"))
    page.add_style_tag(content=".md-header, .md-tabs { display: none !important; }")  # no sticky bar on shots
    panel.screenshot(path=str(shot_path("live-panel-figures")))

    page.click("[data-zoo-live-tab=code]")
    call = page.inner_text("[data-zoo-live-call]")
    assert f'api.simulate("{run["module"]}", T={run["T"]}, d={run["d"]}, seed={run["seed"]}' in call
    assert str(panel.get_attribute("data-zoo-checksum")) in call
    options = page.eval_on_selector_all("[data-zoo-live] select option", "os => os.map(o => o.value)")
    assert "api.py" in options and f"{run['module']}.py" in options
    kernels = Path(__file__).resolve().parents[2] / "kernels_wasm"
    for name in options:
        page.select_option("[data-zoo-live] select", name)
        shown = page.inner_text("[data-zoo-live-source]")
        assert shown.strip() == (kernels / name).read_text(encoding="utf-8").strip(), f"{name} differs"
    page.select_option("[data-zoo-live] select", f"{run['module']}.py")
    panel.screenshot(path=str(shot_path("live-panel-code")))
    page.click("[data-zoo-live-tab=figures]")


def shot_path(name):
    """Where the `shot` fixture puts screenshots; used for shots of one element rather than the whole page."""
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


def test_typed_values_are_checked_and_a_change_starts_the_run(page, site_url, reg):
    """A fresh visit: a bad typed value is refused with a sentence (nothing loads), a good one starts the run,
    and a value that zeroes the output is explained instead of leaving blank figures."""
    model_id = next(
        (i for i in ["gated-deltanet", "deltanet"] if i in reg.by_id),
        next(m.id for m in reg.models if any(p.name == "beta" and p.min == 0 for p in m.kernel.params)),
    )
    page.goto(f"{site_url}models/{model_id}/")
    page.wait_for_selector("[data-zoo-live] [data-zoo-live-start]")
    box = page.locator("[data-zoo-live] .zoo-live__controls input[type=range][name=T] + input")
    box.fill("999")
    box.press("Enter")
    error = page.locator("[data-zoo-live] .zoo-live__invalid:visible")
    assert error.inner_text() == "T (steps) must be a multiple of 4 from 4 to 256; 999 is out of range."
    assert box.get_attribute("aria-invalid") is not None
    assert page.get_attribute("[data-zoo-live]", "data-zoo-run") is None, "a refused value runs nothing"

    box.fill("20")
    box.press("Enter")  # a valid change is the same as pressing Run
    assert page.locator("[data-zoo-live] .zoo-live__invalid:visible").count() == 0
    panel = wait_for_result(page)
    run = assert_matches_cpython(panel)
    assert run["T"] == 20
    assert page.locator("[data-zoo-live] [data-zoo-live-start]").is_hidden()
    assert page.locator("[data-zoo-live-zero]").is_hidden()

    before = panel.get_attribute("data-zoo-run")
    beta = page.locator("[data-zoo-live] input[type=range][name=beta] + input")
    beta.fill("0")
    beta.press("Enter")
    panel = wait_for_result(page, before)
    assert json.loads(panel.get_attribute("data-zoo-run"))["params"]["beta"] == 0
    note = page.locator("[data-zoo-live-zero]")
    assert note.is_visible()
    assert "Every output is zero" in note.inner_text() and "β = 0" in note.inner_text()
    shot_element(page, "[data-zoo-live]", "live-panel-zero-output")


def shot_element(page, selector, name):
    page.add_style_tag(content=".md-header, .md-tabs { display: none !important; }")  # no sticky bar on shots
    page.locator(selector).screenshot(path=str(shot_path(name)))
