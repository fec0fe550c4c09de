"""Block specs and their diagrams: every registry block renders to well-formed SVG without overlaps, the
layout checker itself catches overlaps, and bad specs fail with messages that say where and what."""

import xml.etree.ElementTree as ET

import pytest
from pydantic import ValidationError

from zoo import registry as registry_mod
from zoo.diagrams import blocks_of, write_block_svg
from zoo.diagrams.layout import Box, Layout, Wire, find_overlaps
from zoo.diagrams.render import block_layout, render_block_svg, render_stack_svg
from zoo.schema import checks
from zoo.schema.blocks import BlockSpec, BlockSpecError, HybridSpec, check_blocks, resolve_block

SVG = "{http://www.w3.org/2000/svg}"
REG = registry_mod.load()
BLOCKS = blocks_of(REG)
MODEL_IDS = [m.id for m in REG.all_models]


def test_every_model_has_a_block_that_draws_within_a_card():
    """The same named checks `zoo validate` runs: a block per model, no overlaps, card width."""
    ctx = checks.context(registry_mod.REGISTRY_PATH)
    assert list(checks.named("block-present")(ctx)) == []
    assert list(checks.named("block-draws")(ctx)) == []


def test_blocks_resolve_without_problems():
    assert check_blocks(BLOCKS) == []


@pytest.mark.parametrize("model_id", [m for m in MODEL_IDS if m in BLOCKS])
def test_block_renders_as_clean_svg(model_id):
    model = REG.by_id.get(model_id) or next(m for m in REG.all_models if m.id == model_id)
    lay, block = block_layout(model, BLOCKS)
    assert find_overlaps(lay) == []
    for size in ("card", "page"):
        svg = render_block_svg(model, BLOCKS, size=size)
        root = ET.fromstring(svg)  # well-formed XML
        assert root.tag == f"{SVG}svg"
        assert model.name in root.get("aria-label")
        assert root.find(f"{SVG}title").text == root.get("aria-label")
        ops = [g for g in root.iter(f"{SVG}g") if g.get("data-op")]
        assert len(ops) == len(block.ops)  # one group per op
        for g in ops:
            assert g.find(f"{SVG}title").text
            # a tab stop on the model page (focus or tap shows its description), never on a card
            assert g.get("tabindex") == ("0" if size == "page" else None)
        mixers = [g for g in ops if g.get("data-op") == "mixer"]
        assert mixers, "the mixer is drawn"
        # the mixer takes the card's readout colour and one tag per decay component
        main = mixers[-1]
        assert f"--zoo-readout-{model.readout}" in ET.tostring(main, encoding="unicode")
        tags = {r.get("data-decay") for r in main.iter(f"{SVG}rect") if r.get("data-decay")}
        assert tags == set(model.decay)


def test_overlap_checker_finds_problems():
    a = Box("a", "linear", "rect", ["Linear"], "", 60, 24, x=10, y=10)
    b = Box("b", "linear", "rect", ["Linear"], "", 60, 24, x=40, y=20)  # overlaps a
    c = Box("c", "norm", "rect", ["A much longer label than fits"], "", 30, 24, x=10, y=100)
    wire = Wire("x", "y", [(0, 22), (120, 22)])  # runs through a and b
    diag = Wire("a", "c", [(10, 10), (30, 100)])
    lay = Layout(200, 200, [a, b, c], [wire, diag])
    problems = " | ".join(find_overlaps(lay))
    assert "boxes 'a' and 'b' overlap" in problems
    assert "crosses box 'a'" in problems
    assert "wider than box 'c'" in problems
    assert "diagonal segment" in problems


@pytest.mark.parametrize(
    ("model_id", "src", "gates"), [("hyena", "sconv", ("g1", "g2")), ("h3", "qkv", ("kv", "qmul"))]
)
def test_one_box_feeding_two_gates_draws_two_lines(model_id, src, gates):
    """Hyena's x1 and x2 (H3's k and q) leave one box for two gates further down: each wire has its own
    vertical line, else the reader sees one input shared by both gates."""
    lay, _ = block_layout(REG.by_id[model_id], BLOCKS)
    down = {}
    for w in lay.wires:
        if w.src == src and w.dst in gates:
            (x, _), _ = max(
                zip(w.points, w.points[1:], strict=False), key=lambda pq: abs(pq[1][1] - pq[0][1])
            )
            down[w.dst] = x  # its longest run is the vertical one beside the main column
    assert len(down) == 2 and abs(down[gates[0]] - down[gates[1]]) >= 4, down


def _spec(ops, **extra):
    return BlockSpec.model_validate({"ops": ops, **extra})


def test_unknown_operation_is_named_with_its_place():
    with pytest.raises(ValidationError) as info:
        _spec([{"id": "a", "op": "convolution"}, {"id": "m", "op": "mixer"}])
    err = info.value.errors()[0]
    assert err["loc"] == ("ops", 0, "op")
    assert "'conv'" in err["msg"] and "'mixer'" in err["msg"]  # lists what is allowed


def test_dangling_reference_says_where():
    with pytest.raises(ValidationError) as info:
        _spec(
            [
                {"id": "a", "op": "linear", "produces": ["q", "k", "v"]},
                {"id": "m", "op": "mixer", "in": ["a", "gatez"]},
            ]
        )
    err = info.value.errors()[0]
    assert err["loc"] == ("ops", 1, "in", 1)
    assert "dangling branch" in err["msg"] and "gatez" in err["msg"] and "input, a" in err["msg"]


def test_forward_reference_and_dead_end_are_rejected():
    with pytest.raises(ValidationError) as info:
        _spec([{"id": "m", "op": "mixer", "in": ["b"]}, {"id": "b", "op": "linear"}])
    assert "comes later" in info.value.errors()[0]["msg"]
    with pytest.raises(ValidationError) as info:
        _spec([{"id": "side", "op": "linear"}, {"id": "m", "op": "mixer", "in": ["input"]}])
    err = info.value.errors()[0]
    assert err["loc"] == ("ops", 0, "id") and "nothing reads its output" in err["msg"]


def test_arity_and_streams_are_checked():
    with pytest.raises(ValidationError, match="takes at least 2 input"):
        _spec([{"id": "m", "op": "mixer"}, {"id": "x", "op": "multiply"}])
    with pytest.raises(ValidationError, match="acts on \\['z'\\]"):
        _spec(
            [
                {"id": "a", "op": "linear", "produces": ["q", "k"]},
                {"id": "n", "op": "l2norm", "streams": ["z"]},
                {"id": "m", "op": "mixer"},
            ]
        )
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        _spec([{"id": "m", "op": "mixer", "colour": "red"}])


def test_extends_errors_name_model_and_path():
    base = _spec([{"id": "a", "op": "linear"}, {"id": "m", "op": "mixer"}])
    child = BlockSpec.model_validate({"extends": "base", "differences": "drops a", "remove": ["b"]})
    with pytest.raises(BlockSpecError) as info:
        resolve_block("child", {"base": base, "child": child})
    assert info.value.model_id == "child" and info.value.path == ("remove", 0)
    assert "removes 'b'" in str(info.value) and "a, m" in str(info.value)
    loop_a = BlockSpec.model_validate({"extends": "b", "differences": "x"})
    loop_b = BlockSpec.model_validate({"extends": "a", "differences": "y"})
    with pytest.raises(BlockSpecError, match="extends cycle: a -> b -> a"):
        resolve_block("a", {"a": loop_a, "b": loop_b})
    with pytest.raises(ValidationError, match="must state its differences"):
        BlockSpec.model_validate({"extends": "base"})
    # an edit that leaves a dangling branch is reported against the child
    broken = BlockSpec.model_validate(
        {
            "extends": "base",
            "differences": "removes a",
            "remove": ["a"],
            "add": [{"id": "g", "op": "gate", "after": "m", "in": ["a"]}],
        }
    )
    with pytest.raises(BlockSpecError, match="model 'broken'.*dangling"):
        resolve_block("broken", {"base": base, "broken": broken})


def test_extends_applies_edits_in_order():
    gdn = resolve_block("gated-deltanet", BLOCKS) if "gated-deltanet" in BLOCKS else None
    if gdn is None:
        pytest.skip("no gated-deltanet block in the registry")
    ids = [op.id for op in gdn.ops]
    assert ids.index("gate") == ids.index("onorm") + 1  # 'add ... after' lands where it says
    assert gdn.chain == ["gated-deltanet", "deltanet"]
    assert any(op.produces == ["alpha", "beta"] for op in gdn.ops)  # the override replaced the gates


def test_write_block_svg(tmp_path):
    if "mamba" not in BLOCKS:
        pytest.skip("no mamba block in the registry")
    out = write_block_svg(REG, "mamba", tmp_path / "mamba.svg")
    text = out.read_text()
    assert text.startswith("<?xml") and ET.fromstring(text.split("\n", 1)[1]).tag == f"{SVG}svg"
    with pytest.raises(KeyError, match="no model 'mambo'"):
        write_block_svg(REG, "mambo", tmp_path / "x.svg")


@pytest.mark.parametrize("hybrid", REG.hybrids, ids=lambda h: h.id)
def test_stack_renders(hybrid):
    svg = render_stack_svg(hybrid, REG, link_prefix="../")
    root = ET.fromstring(svg)
    hrefs = {g.get("data-href") for g in root.iter(f"{SVG}g") if g.get("data-href")}
    mixers = {m for lay in hybrid.layers() for m in lay.mixer_ids()}  # a parallel mixer has its box too
    assert hrefs == {f"../models/{m}/" for m in mixers}
    assert all(m in MODEL_IDS for m in mixers)


def test_hybrid_spec_checks_its_own_counts():
    base = {
        "id": "toy",
        "name": "Toy",
        "paper": {"title": "T", "authors": ["A"], "arxiv": "2401.00001"},
        "year": 2024,
        "d_model": 8,
        "ratio": "1:1",
        "summary": "s",
        "sizes": {"mamba": {"d_inner": 16}, "transformer": {"heads": 2, "head_dim": 4}},
        "stack": [{"repeat": 2, "layers": [{"mixer": "mamba", "ffn": "mlp"}, {"mixer": "transformer"}]}],
    }
    assert HybridSpec.model_validate({**base, "n_layers": 4}).mixer_counts() == {"mamba": 2, "transformer": 2}
    with pytest.raises(ValidationError, match="the stack has 4 blocks but n_layers says 5"):
        HybridSpec.model_validate({**base, "n_layers": 5})
    with pytest.raises(ValidationError, match="has no entry in 'sizes'"):
        HybridSpec.model_validate({**base, "n_layers": 4, "sizes": {"mamba": {"d_inner": 16}}})
    legend = {"M": {"mixer": "mamba"}, "-": {"ffn": "mlp"}}
    pattern = {
        **base,
        "stack": None,
        "pattern": "M-*",
        "legend": legend,
        "n_layers": 3,
        "layer_unit": "sublayer",
    }
    with pytest.raises(ValidationError, match="pattern characters \\['\\*'\\]"):
        HybridSpec.model_validate(pattern)


def test_nvidia_hybrid_is_43_7_50():
    h = next((h for h in REG.hybrids if h.id == "mamba2-hybrid"), None)
    if h is None:
        pytest.skip("no mamba2-hybrid in the registry")
    counts = {"mamba-2": 0, "transformer": 0, "mlp": 0}
    for lay in h.layers():
        counts[lay.mixer or lay.ffn] += 1
    assert counts == {"mamba-2": 24, "transformer": 4, "mlp": 28}
    assert [round(100 * c / 56) for c in counts.values()] == [43, 7, 50]


def test_arrows_and_minus_signs_are_measured_as_wide_as_they_draw():
    """A recurrence line is sized by estimate; ← and − draw 0.84 em in DejaVu Sans, and at the old 0.66 em
    Titans' line ran into its mixer box's border."""
    from zoo.diagrams.layout import FONT, text_width

    assert text_width("←−", FONT) >= 2 * 0.84 * FONT


def test_every_block_reads_as_sentences_with_names_not_box_symbols_or_ids():
    """The words a screen reader hears for each diagram: a residual add names the sum it adds back, never the
    '+' its box shows, and a block that extends another names that model as readers know it."""
    from zoo.diagrams.render import describe_block

    reg = REG
    names = {m.id: m.name for m in reg.models}  # what the assertions expect
    for m in reg.models:
        _, block = block_layout(m, reg)
        text = describe_block(m, block, reg.by_id)
        assert " of +" not in text and " and +" not in text, (m.id, text)
        if block.differences and len(block.chain) > 1:
            assert f"Same as {names[block.chain[1]]} except:" in text, (m.id, text)
    gla = reg.by_id["gla"]
    assert describe_block(gla, block_layout(gla, reg)[1], reg.by_id).endswith(
        "residual add of the first residual sum."
    )
