"""Hybrids page and block diagrams in a real browser: stacks and diagrams in light and dark mode, the memory
calculator's numbers against zoo.memory, and focus/hover descriptions on a model page.

Screenshots (test-output/screenshots/hybrids-*.png, block-*.png) are meant to be looked at.
"""

import re

import pytest
from conftest import OUTPUT

from zoo import registry as registry_mod
from zoo.diagrams import blocks_of
from zoo.memory import all_attention_bytes, stack_bytes
from zoo.schema.blocks import resolve_block


@pytest.fixture(scope="module")
def reg():
    return registry_mod.load()


def memory_of(reg):
    blocks = blocks_of(reg)
    memory = {mid: resolve_block(mid, blocks).memory for mid in blocks}
    return {mid: mem for mid, mem in memory.items() if mem}


# what the calculator shows for a stack, in bytes (see zoo.memory.stack_bytes), and its saving sentence
KEPT = ("kv", "state", "read")
SAVING = r"[\d,.]+× smaller than all-attention at [\d,]+ tokens; each new token reads [\d,.]+× less\."


def open_hybrids(page, site_url):
    page.goto(site_url + "hybrids/")
    page.wait_for_selector("[data-zoo-calculator] [data-calc='kv'][data-bytes]")


def test_hybrids_page_light_and_dark(page, dark_page, site_url, reg, shot):
    if not reg.hybrids:
        pytest.skip("the registry has no hybrids yet")
    open_hybrids(page, site_url)
    stacks = page.locator("svg.zb-stack")
    assert stacks.count() == len(reg.hybrids)
    # every mixer box is a link to that mixer's page, and the link resolves
    first = page.locator("svg.zb-stack [data-mixer]").first
    href = first.get_attribute("data-href")
    assert re.fullmatch(r"\.\./models/[a-z0-9-]+/", href), href
    target = href.replace("../", "")
    listed = page.evaluate(
        "t => [...document.querySelectorAll('.zoo-hybrid a')].some(a => a.href.endsWith(t))", target
    )
    assert listed, "the stack's mixers are listed as HTML links too"
    shot(page, "hybrids-light")
    open_hybrids(dark_page, site_url)
    assert dark_page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    # diagram text follows the palette: light text on the dark background
    colour = dark_page.evaluate("getComputedStyle(document.querySelector('svg.zb-stack text')).fill")
    assert colour != "rgb(31, 41, 55)", "stack text kept the light-mode colour in dark mode"
    shot(dark_page, "hybrids-dark")


def test_calculator_matches_python_for_published_stacks(page, site_url, reg):
    if not reg.hybrids:
        pytest.skip("the registry has no hybrids yet")
    open_hybrids(page, site_url)
    mem = memory_of(reg)
    context_slider = page.locator("[data-calc='context']")
    for h in reg.hybrids:
        page.select_option("[data-calc='stack']", h.id)
        for exp in (12, 18):  # 4K and 256K tokens
            context_slider.fill(str(exp))
            context_slider.dispatch_event("input")
            want = stack_bytes(h, mem, 2**exp, "bf16")
            got = {k: int(page.locator(f"[data-calc='{k}']").get_attribute("data-bytes")) for k in KEPT}
            assert got == {k: want[k] for k in KEPT}, (h.id, exp)
            # the all-attention baseline and the saving against it are shown too
            baseline = all_attention_bytes(h, mem, 2**exp, "bf16")
            assert int(page.locator("[data-calc='baseline']").get_attribute("data-bytes")) == baseline
            times = baseline / (want["kv"] + want["state"])
            shown = page.locator("[data-calc='saving']").inner_text()
            assert re.fullmatch(SAVING, shown), shown
            # the page rounds to a whole number from 10× up, to one decimal below
            factor = float(shown.split("×")[0].replace(",", ""))
            assert abs(factor - times) <= (0.5 if times >= 10 else 0.05), shown
    # the published Jamba figure: 4 GiB of KV cache at 256K tokens in 16 bit
    page.select_option("[data-calc='stack']", "jamba")
    context_slider.fill("18")
    context_slider.dispatch_event("input")
    assert page.locator("[data-calc='kv']").inner_text() == "4.0 GiB"
    page.wait_for_selector("[data-calc='chart'][data-zoo-rendered]")
    element_shot(page.locator("[data-zoo-calculator]"), "hybrids-calculator")


def element_shot(locator, name: str):
    """Screenshot of one element (the `shot` fixture takes whole pages)."""
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(folder / f"{name}.png"))


def test_calculator_custom_stack(page, site_url):
    open_hybrids(page, site_url)
    page.select_option("[data-calc='stack']", "custom")
    assert page.locator("[data-calc='custom']").is_visible()
    fields = {"layers": "10", "attn-pct": "100", "heads": "4", "kv-heads": "2", "head-dim": "64"}
    for key, value in fields.items():
        page.fill(f"[data-calc='{key}']", value)
    page.select_option("[data-calc='dtype']", "fp32")
    context_slider = page.locator("[data-calc='context']")
    context_slider.fill("10")
    context_slider.dispatch_event("input")
    # all-attention stack: 10 layers * 2 (K and V) * 2 KV heads * 64 dims * 1024 tokens * 4 bytes
    assert int(page.locator("[data-calc='kv']").get_attribute("data-bytes")) == 10 * 2 * 2 * 64 * 1024 * 4
    assert int(page.locator("[data-calc='state']").get_attribute("data-bytes")) == 0

    # against full multi-head attention: 4 heads keep K and V, not 2
    def shown(key):
        return int(page.locator(f"[data-calc='{key}']").get_attribute("data-bytes"))

    assert shown("baseline") == 10 * 2 * 4 * 64 * 1024 * 4

    # a 256-token window with 4 sinks caps the cache at 260 tokens
    page.fill("[data-calc='window']", "256")
    page.fill("[data-calc='sinks']", "4")
    assert shown("kv") == 10 * 2 * 2 * 64 * 260 * 4
    # an MLA latent of 512 and a RoPE key of 64 replace K and V of the KV heads
    page.fill("[data-calc='window']", "0")
    page.fill("[data-calc='sinks']", "0")
    page.fill("[data-calc='latent']", "512")
    page.fill("[data-calc='rope']", "64")
    assert shown("kv") == 10 * 576 * 1024 * 4
    # selecting 100 tokens keeps the cache but caps what a new token reads
    page.fill("[data-calc='selected']", "100")
    assert (shown("kv"), shown("read")) == (10 * 576 * 1024 * 4, 10 * 576 * 100 * 4)


def test_calculator_rejects_out_of_range_input_and_keeps_the_last_valid_result(page, site_url):
    open_hybrids(page, site_url)
    page.select_option("[data-calc='stack']", "custom")
    page.fill("[data-calc='layers']", "20")
    page.wait_for_selector("[data-calc='chart'][data-zoo-rendered]")
    outputs = ("kv", "state", "baseline")
    valid = {k: page.locator(f"[data-calc='{k}']").get_attribute("data-bytes") for k in outputs}
    drawn = "JSON.stringify(document.querySelector(\"[data-calc='chart']\").data.map(t => t.y))"
    chart = page.evaluate(drawn)
    layers = page.locator("[data-calc='layers']")
    message = page.locator("[data-calc='layers-error']")
    for bad in ("-5", "99999", "2.5", ""):
        layers.fill(bad)
        assert layers.get_attribute("aria-invalid") == "true", bad
        assert message.is_visible()
        assert message.inner_text() == "Layers must be a whole number from 1 to 512."
        assert page.locator("[data-calc='invalid']").is_visible()
        # the invalid stack is never computed or drawn: the last valid numbers and chart stay
        now = {k: page.locator(f"[data-calc='{k}']").get_attribute("data-bytes") for k in valid}
        assert now == valid, bad
        page.wait_for_timeout(100)
        assert chart == page.evaluate(drawn)
    # KV heads are capped by heads, and the message says so in numbers
    layers.fill("20")
    page.fill("[data-calc='heads']", "8")
    page.fill("[data-calc='kv-heads']", "16")
    kv_error = page.locator("[data-calc='kv-heads-error']").inner_text()
    assert kv_error == "KV heads must be a whole number from 1 to 8."
    page.fill("[data-calc='kv-heads']", "4")
    assert page.locator("[data-calc='kv-heads']").get_attribute("aria-invalid") == "false"
    # sinks and a RoPE key only mean something beside a window and a latent: the message says what to set
    page.fill("[data-calc='sinks']", "4")
    sinks_error = page.locator("[data-calc='sinks-error']").inner_text()
    assert sinks_error.startswith("Sink tokens are kept beside a window"), sinks_error
    assert page.locator("[data-calc='invalid']").is_visible()
    page.fill("[data-calc='window']", "1024")
    assert not page.locator("[data-calc='sinks-error']").is_visible()
    page.fill("[data-calc='rope']", "64")
    assert "set Latent dim above 0" in page.locator("[data-calc='rope-error']").inner_text()
    page.fill("[data-calc='rope']", "0")
    page.fill("[data-calc='window']", "0")
    page.fill("[data-calc='sinks']", "0")
    assert not message.is_visible() and not page.locator("[data-calc='invalid']").is_visible()
    assert page.locator("[data-calc='kv']").get_attribute("data-bytes") != valid["kv"]
    assert "smaller than all-attention" in page.locator("[data-calc='saving']").inner_text()
    element_shot(page.locator("[data-zoo-calculator]"), "hybrids-calculator-custom")


def test_block_diagram_descriptions_on_focus(page, dark_page, site_url, reg):
    model = next((m for m in reg.models if m.id == "gated-deltanet" and m.block), None)
    if model is None:
        pytest.skip("gated-deltanet has no block yet")
    page.goto(site_url + f"models/{model.id}/")
    svg = page.locator("figure.zoo-block--page svg")
    svg.wait_for()
    label = svg.get_attribute("aria-label")
    assert "Gated DeltaNet" in label and "L2 norm" in label
    conv = svg.locator("[data-op='conv']").first
    caption = conv.locator(".zb-cap")
    assert not caption.is_visible()
    conv.focus()
    assert caption.is_visible(), "focusing an op should show its description"
    assert "convolution" in caption.text_content().lower()
    element_shot(svg, "block-gdn-focus")
    dark_page.goto(site_url + f"models/{model.id}/")
    dsvg = dark_page.locator("figure.zoo-block--page svg")
    dsvg.wait_for()
    element_shot(dsvg, "block-gdn-dark")


def test_block_diagrams_are_on_model_pages_not_on_cards(phone_page, site_url, reg):
    with_blocks = [m for m in reg.models if m.block]
    if not with_blocks:
        pytest.skip("no block specs merged yet")
    phone_page.goto(site_url)
    phone_page.wait_for_selector("[data-zoo-card]")
    assert phone_page.locator("[data-zoo-card] .zoo-block").count() == 0  # compact cards
    phone_page.goto(site_url + f"models/{with_blocks[0].id}/")
    svg = phone_page.locator("figure.zoo-block--page svg")
    svg.wait_for()
    # the page diagram fits the phone's width (scaled down, never overflowing)
    assert svg.bounding_box()["width"] <= 390
    element_shot(phone_page.locator("figure.zoo-block--page"), "block-page-phone")
