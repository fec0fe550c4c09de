"""The harness's float64 reference is the site's kernels_wasm modules, through each GPU adapter's argument
mapping (reference_args, run by zoo/bench/wasm.py): the GPU kernels are checked against the same mathematics
the site shows. The mappings' conversions (log-space gates, kernel scales) are pinned by lineage reductions
between mapped models. numpy only; inputs in the kernels' (B, T, H, ...) layout and conventions (log-space
gates)."""

import bench_helpers
import numpy as np
import pytest
from bench_helpers import adapter, adapters

from kernels_wasm import api
from zoo import registry
from zoo.bench import wasm

B, T, H, D = 1, 24, 2, 8


def _logsig(x):
    return -np.logaddexp(0.0, -x)


def _unit(a):
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def _cases(rng):
    q, k, v = (rng.standard_normal((B, T, H, D)) for _ in range(3))
    g_s = _logsig(rng.standard_normal((B, T, H)) + 2)
    g_d = _logsig(rng.standard_normal((B, T, H, D)) + 2)
    beta = 1 / (1 + np.exp(-rng.standard_normal((B, T, H))))
    qn, kn = _unit(q), _unit(k)
    n = 2
    kp, vp = _unit(rng.standard_normal((B, T * n, H, D))), rng.standard_normal((B, T * n, H, D))
    bp = 1 / (1 + np.exp(-rng.standard_normal((B, T * n, H))))
    L = int(np.ceil(np.log2(T))) + 1
    lam = rng.random((B, T, H, L))
    x, dt = rng.standard_normal((B, T, H, D)), np.log1p(np.exp(rng.standard_normal((B, T, H)) - 2))
    A = -np.exp(rng.random(H))
    Bm, Cm = rng.standard_normal((B, T, 1, D)), rng.standard_normal((B, T, 1, D))
    u = rng.standard_normal((H, D))
    w = _unit(rng.standard_normal((B, T, H, D)))
    bw = 2 / (1 + np.exp(-rng.standard_normal((B, T, H))))
    return {
        "gla": {"q": q, "k": k, "v": v, "g": g_d},
        "linear-attention": {"q": q, "k": k, "v": v},
        "deltanet": {"q": qn, "k": kn, "v": v, "beta": beta},
        "gated-deltanet": {"q": qn, "k": kn, "v": v, "g": g_s, "beta": beta},
        "kda": {"q": qn, "k": kn, "v": v, "g": g_d, "beta": beta},
        "deltaproduct": {"q": qn, "k": kp, "v": vp, "g": g_s, "beta": bp},
        "fox": {"q": q, "k": k, "v": v, "g": g_s},
        "path": {"q": q, "k": k, "v": v, "w": w, "beta": bw},
        "path-fox": {"q": q, "k": k, "v": v, "w": w, "beta": bw, "g": g_s},
        "wall": {"q": q, "k": k, "v": v, "g": g_d},
        "stick-breaking": {"q": q, "k": k, "v": v},
        "rwkv-6": {"q": q, "k": k, "v": v, "w": g_d, "u": u},
        "log-linear-attention": {"q": q, "k": k, "v": v, "g": g_s, "level_scales": lam},
        "mamba-2": {"x": x, "dt": dt, "A": A, "Bm": Bm, "Cm": Cm},
        "based": {"q": rng.standard_normal((B, T, H, 16)), "k": rng.standard_normal((B, T, H, 16)), "v": v},
    }


def ref(model, x):
    shape = x["x"].shape if model == "mamba-2" else x["v"].shape[:1] + x["q"].shape[1:3] + x["v"].shape[-1:]
    return bench_helpers.ref(model, x, shape)


def zeros(a):
    return np.zeros_like(a)


@pytest.mark.parametrize("model", sorted(_cases(np.random.default_rng(0))))
def test_the_reference_is_kernels_wasm_on_every_slice(model):
    x = _cases(np.random.default_rng(1))[model]
    out = ref(model, x)
    assert np.all(np.isfinite(out))
    ad = adapter(model)
    mod = api.load(wasm.module_name(model))
    for b, h in ((0, 0), (0, H - 1)):
        assert np.array_equal(out[b, :, h], mod.recurrent(**ad.reference_args(x, b, h)))


# The mappings turn log-space gates and kernel scales into the zoo's conventions; where the lineage says one
# model reduces to another, the two mappings must agree, which pins those conversions down.
REDUCTIONS = [
    ("gated-deltanet", lambda x: {**x, "g": zeros(x["g"])}, "deltanet", lambda x: x),
    (
        "kda",
        lambda x: {**x, "g": np.repeat(x["g"][..., :1], D, -1)},
        "gated-deltanet",
        lambda x: {**x, "g": x["g"][..., 0]},
    ),
    ("path-fox", lambda x: {**x, "g": zeros(x["g"])}, "path", lambda x: {k: x[k] for k in x if k != "g"}),
    (
        "gla",
        lambda x: {**x, "g": zeros(x["g"]), "q": x["q"]},
        "linear-attention",
        lambda x: {"q": x["q"] * D**-0.5, "k": x["k"], "v": x["v"]},
    ),
    ("wall", lambda x: {**x, "g": zeros(x["g"])}, "fox", lambda x: {**x, "g": zeros(x["g"][..., 0])}),
]


@pytest.mark.parametrize("child,edit,parent,to_parent", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_mappings_agree_along_the_lineage(child, edit, parent, to_parent):
    x = edit(_cases(np.random.default_rng(3))[child])
    assert wasm.rel_err(ref(child, x), ref(parent, to_parent(x))) < 1e-10


def test_a_wrong_output_is_caught():
    x = _cases(np.random.default_rng(2))["gla"]
    wrong = ref("gla", {**x, "g": x["g"] * 0.5})  # half the decay: a different model
    assert wasm.rel_err(wrong, ref("gla", x)) > 1e-3


def test_every_gpu_kernel_is_checked_against_its_kernels_wasm_module():
    """Every adapter models.yaml names maps its inputs onto the model's own kernels_wasm module: a
    reference_args of its own class (or one it inherits from a timed sibling), a known output layout and a
    function the module has."""
    for m in registry.load().all_models:
        if m.gpu_kernel.adapter is None:
            continue
        ad = adapter(m.id)
        assert callable(ad.reference_args), f"{m.id}: adapter {m.gpu_kernel.adapter} has no reference_args"
        assert ad.layout in wasm.LAYOUTS, m.id
        assert wasm.module_name(m.id) == m.kernel.module, m.id
        fn = ad.reference_fn
        assert callable(getattr(api.load(m.kernel.module), fn, None)), f"{m.id}: kernels_wasm has no {fn}"
        assert wasm.describe(m.id, ad).startswith(f"kernels_wasm.{m.kernel.module}.{fn} (float64)")


def test_a_kernel_without_a_mapping_has_no_reference():
    base = adapters.Adapter()
    assert wasm.reference("no-such-model", {}, base, (1, 1, 1, 1)) is None
    assert wasm.describe("no-such-model", base) == "no kernels_wasm mapping"


def test_mamba3_mapping_reduces_to_mamba2():
    """Mamba-3 with lambda = 1 (Trap large), no rotation and no biases is Mamba-2's Euler step: this pins the
    SISO kernel's conventions (ADT = A dt, lambda = sigmoid(Trap), angles, biases) to the Mamba-2 mapping."""
    x2 = _cases(np.random.default_rng(6))["mamba-2"]
    x3 = {
        "Q": x2["Cm"],
        "K": x2["Bm"],
        "V": x2["x"],
        "ADT": (x2["A"][None, None, :] * x2["dt"]).transpose(0, 2, 1),
        "DT": x2["dt"].transpose(0, 2, 1),
        "Trap": np.full((B, H, T), 60.0),
        "Q_bias": np.zeros((H, D)),
        "K_bias": np.zeros((H, D)),
        "Angles": np.zeros((B, T, H, D // 4)),
    }
    shape = x2["x"].shape
    assert wasm.rel_err(bench_helpers.ref("mamba-3", x3, shape), ref("mamba-2", x2)) < 1e-12
    x3["Angles"] = np.ones((B, T, H, D // 4))  # rotation on: a different model
    assert wasm.rel_err(bench_helpers.ref("mamba-3", x3, shape), ref("mamba-2", x2)) > 1e-3


def test_rel_err_never_passes_nan():
    assert wasm.rel_err(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == float("inf")


def test_per_channel_and_head_first_layouts_assemble_every_slice():
    """mLSTM returns (B, H, T, V); RWKV-4 (B, T, C) and Hyena (B, C, T) map all channels in one call."""
    rng = np.random.default_rng(5)
    C = H * D
    cases = {
        "mlstm": (
            {n: rng.standard_normal((B + 1, H, T, D)) for n in ("q", "k", "v")}
            | {"i": rng.standard_normal((B + 1, H, T)), "f": rng.standard_normal((B + 1, H, T)) + 3},
            (B + 1, H, T, D),
        ),
        "rwkv-4": (
            {
                "k": rng.standard_normal((2, T, C)),
                "v": rng.standard_normal((2, T, C)),
                "w": -rng.random(C),
                "u": rng.standard_normal(C),
            },
            (2, T, C),
        ),
        "hyena": (
            {n: rng.standard_normal((2, C, T)) for n in ("u", "x0", "x1")}
            | {n: rng.standard_normal((C, T)) * 0.3 for n in ("h0", "h1")},
            (2, C, T),
        ),
    }
    for model, (x, shape) in cases.items():
        out = bench_helpers.ref(model, x, shape)
        assert out.shape == shape and np.all(np.isfinite(out)), model
        ad = adapter(model)
        layout = ad.layout
        mod = api.load(wasm.module_name(model))
        last = shape[0] - 1
        want = mod.recurrent(**ad.reference_args(x, last, 1 if layout == "bhtv" else None))
        got = {"bhtv": out[last, 1], "btc": out[last], "bct": out[last].T}[layout]
        assert np.array_equal(got, want), model


def _more_cases(rng):
    """Inputs in the kernel's layout for the torch-free mappings the tests above do not reach; (x, shape)."""
    C, bthd = H * D, (B, T, H, D)
    q, k, v = (rng.standard_normal(bthd) for _ in range(3))
    qn, kn = _unit(q), _unit(k)
    gate = _logsig(rng.standard_normal(bthd) + 2)
    sig = 1 / (1 + np.exp(-rng.standard_normal(bthd)))
    theta = 1.0 / 10000 ** (np.arange(0, D, 2) / D)
    slopes = 0.5 ** np.arange(1.0, H + 1)
    T2 = 32  # TTT's mini-batches of 16
    ttt = {n: _unit(rng.standard_normal((B, T2, H, D))) for n in ("q", "k", "v")}
    return {
        "abc": ({"q": q, "k": k, "v": v, "s": rng.standard_normal((B, T, H, 6))}, bthd),
        "alibi": ({"q": q, "k": k, "v": v, "g": -np.broadcast_to(slopes, (B, T, H))}, bthd),
        "gdn-2": ({"q": qn, "k": kn, "v": v, "g": gate, "b": sig, "w": sig[..., ::-1]}, bthd),
        "hgrn2": ({"q": q, "v": v, "g": gate}, bthd),
        "nope": ({n: a.transpose(0, 2, 1, 3) for n, a in (("q", q), ("k", k), ("v", v))}, bthd),
        "performer": ({"q": q, "k": k, "v": v, "W": rng.standard_normal((D, D))}, bthd),
        "retnet": ({"q": q, "k": k, "v": v}, bthd),
        "rope": ({"q": q, "k": k, "v": v, "theta": theta}, bthd),
        "rwkv-7": ({"q": q, "k": k, "v": v, "w": -0.6 * sig, "kk": kn, "ag": sig}, bthd),
        "s4": ({"u": rng.standard_normal((B, C, T)), "h0": 0.2 * rng.standard_normal((C, T))}, (B, C, T)),
        "swa": ({"q": q, "k": k, "v": v}, bthd),
        "ttt": ({**ttt, "w": 1 + 0.1 * rng.standard_normal((H, D)),
                 "b": 0.1 * rng.standard_normal((H, D)), "eta": 0.1 * np.ones((B, T2, H, 1))}, (B, T2, H, D)),
    }  # fmt: skip


@pytest.mark.parametrize("model", sorted(_more_cases(np.random.default_rng(0))))
def test_the_other_mappings_run_on_the_cpu(model):
    x, shape = _more_cases(np.random.default_rng(7))[model]
    out = bench_helpers.ref(model, x, shape, now={"window": 5})
    assert out.shape == shape and np.all(np.isfinite(out)), model


def test_alibi_is_fox_with_a_constant_gate_and_rope_reads_its_own_tables():
    x, shape = _more_cases(np.random.default_rng(8))["alibi"]
    assert wasm.rel_err(bench_helpers.ref("alibi", x, shape), ref("fox", x)) < 1e-10
    x, shape = _more_cases(np.random.default_rng(8))["rope"]
    angle = np.arange(T)[:, None] * x["theta"][None]
    tables = {n: a for n, a in x.items() if n != "theta"} | {"cos": np.cos(angle), "sin": np.sin(angle)}
    assert wasm.rel_err(bench_helpers.ref("rope", tables, shape), bench_helpers.ref("rope", x, shape)) < 1e-10
    wide = bench_helpers.ref("swa", x, shape, now={"window": T})  # a window over everything: attention
    head_first = {n: x[n].transpose(0, 2, 1, 3) for n in ("q", "k", "v")}
    assert wasm.rel_err(wide, bench_helpers.ref("transformer", head_first, shape)) < 1e-12
