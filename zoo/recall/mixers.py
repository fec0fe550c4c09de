"""Which trainable layer stands for each zoo model in the MQAR sweep, and the sizes it is built with.

Pure Python (no torch): the torch side (zoo.recall.model) builds ``layer(d)`` and the state size
(zoo.recall.state) reads ``sizes(d)``; both come from the one ``Mixer`` entry, so the bytes printed next to
an accuracy are those of the layer that was trained.

Every mixer is built at H heads of width d / H (H = 2, as Zoology's current MQAR recipe,
zoology/experiments/models_repo.py, uses for attention, DeltaNet, GLA and Gated DeltaNet), key and value
expansion 1, and with the short convolution of the zoo's block spec (conv width and streams from the
model's ``block.memory`` in models.yaml; a test holds them equal).

impl
----
sdpa     torch scaled_dot_product_attention with the model's positions, bias or mask (no public layer is
         needed for these: the variant is one line of mask or rotation, written in zoo.recall.model)
fla      a layer class of flash-linear-attention 0.6.0 (fla.layers.<cls>), keyword arguments as given
hyena    Hyena (order 2) written in zoo.recall.model after Poli et al. 2023 and Zoology's mixer: the FFT
         long convolution needs no kernel package
mamba2   the Mamba-2 block written in zoo.recall.model around mamba_ssm's Triton SSD kernel (the one the GPU
         benchmark times): fla's Mamba2 layer trains through mamba_ssm's fused conv+scan, which needs the
         causal_conv1d CUDA extension, and without it falls back to a PyTorch SSD that took 25 GB a process

``hopper_640``: the fla layer's backward calls the gated ``chunk_bwd_dqkwg``, which fla refuses on Hopper
with Triton 3.4 - 3.7.0 (wrong gradients, fla issue #640) unless tilelang is installed; on the GPU image
(Triton 3.6) such a run ends with that error unless tilelang travels with the wheels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HEADS = 2
WINDOW = 64  # sliding window of swa, and window + sinks of StreamingLLM
SINKS = 4
BASED_FEATURES = 16  # Zoology's Based runs use feature_dim 8 - 24; Taylor features: 1 + f + f^2 per head
GSA_SLOTS = 64  # the zoo's GSA block default (models.yaml memory.state_size)
MAMBA2_STATE = 32  # N; Zoology's Mamba-2 runs sweep 8 - 24, the Mamba-2 default is 128
MAMBA2_HEAD_DIM = 32
CONV = 4  # fla's short-conv width, as in the zoo's block specs
TOKEN_SHIFT = 2  # the previous token, counted as a width-2 convolution


@dataclass(frozen=True)
class Mixer:
    model: str  # zoo model id (models.yaml)
    impl: str  # sdpa | fla | hyena | mamba2
    cls: str | None  # fla.layers class, or the sdpa variant
    kwargs: Any  # d -> keyword arguments of the layer
    sizes: Any  # d -> zoo.schema.blocks.MixerSizes fields (what the memory formulas need)
    note: str = ""
    hopper_640: bool = False
    float32: bool = False  # run the layer outside bf16 autocast (see the entry's comment for why)
    extra: dict = field(default_factory=dict)


def _hd(d: int, h: int = HEADS) -> int:
    return d // h


def _attn(h: int = HEADS, kv: int | None = None, **extra):
    return lambda d: {"heads": h, "kv_heads": kv, "head_dim": d // h, **extra}


def _matrix(h: int = HEADS, dk=None, dv=None):
    return lambda d: {"heads": h, "head_dim": dk(d) if dk else d // h, "head_dim_v": dv(d) if dv else d // h}


def _matrix_conv(h: int = HEADS, channels=None):
    def sizes(d):
        out = {"heads": h, "head_dim": d // h, "head_dim_v": d // h, "conv": CONV}
        if channels:
            out["conv_channels"] = channels(d)
        return out

    return sizes


def _delta_kwargs(d: int) -> dict:
    """fla's delta-rule layers at width d: HEADS heads of d / HEADS, values as wide as keys, short convs."""
    return {
        "hidden_size": d,
        "num_heads": HEADS,
        "head_dim": d // HEADS,
        "expand_v": 1,
        "use_short_conv": True,
        "conv_size": CONV,
    }


def _matrix_shift(h: int = HEADS):
    """RWKV's time mix keeps the previous input for its token shift: a width-2 convolution over x, as the
    block spec counts it (fla's layers shift inside, so no conv argument names it)."""
    return lambda d: {**_matrix(h)(d), "conv": TOKEN_SHIFT, "conv_channels": d}


def _sdpa(variant: str, note: str, h: int = HEADS, kv: int | None = None, **sizes_extra) -> dict:
    return {
        "impl": "sdpa",
        "cls": variant,
        "kwargs": lambda d: {
            "heads": h,
            "kv_heads": kv or h,
            "window": sizes_extra.get("window"),
            "sinks": sizes_extra.get("sink_tokens"),
        },
        "sizes": _attn(h, kv, **sizes_extra),
        "note": note,
    }


def _fla(cls: str, kwargs, sizes, note: str = "", **flags) -> dict:
    return {"impl": "fla", "cls": cls, "kwargs": kwargs, "sizes": sizes, "note": note, **flags}


_SPECS: dict[str, dict] = {
    # softmax readout -----------------------------------------------------------------------------
    "transformer": _sdpa(
        "sinusoidal", "causal softmax; sinusoidal absolute positions added to the embedding"
    ),
    "nope": _sdpa("nope", "causal softmax without positions: Zoology's attention baseline"),
    "rope": _sdpa("rope", "causal softmax with rotary positions on q and k (base 10000)"),
    "alibi": _sdpa("alibi", "causal softmax with ALiBi's per-head linear distance bias"),
    "mqa": _sdpa("nope", "one key/value head shared by both query heads", kv=1),
    "gqa": _sdpa("nope", "4 query heads in 2 key/value groups", h=4, kv=2),
    "swa": _sdpa("window", f"causal softmax over the last {WINDOW} tokens", window=WINDOW),
    "streamingllm": _sdpa(
        "window",
        f"the first {SINKS} tokens (sinks) and the last {WINDOW - SINKS}",
        window=WINDOW - SINKS,
        sink_tokens=SINKS,
    ),
    "fox": _fla(
        "ForgettingAttention",
        lambda d: {"hidden_size": d, "num_heads": HEADS},
        _attn(),
        "fla's forgetting attention (data-dependent forget gate on the logits)",
    ),
    # linear readout ------------------------------------------------------------------------------
    "linear-attention": _fla(
        "LinearAttention",
        lambda d: {"hidden_size": d, "num_heads": HEADS, "feature_map": "elu", "expand_k": 1, "expand_v": 1},
        _matrix(),
        "feature map elu + 1, as Katharopoulos et al.",
    ),
    "based": _fla(
        "BasedLinearAttention",
        lambda d: {"hidden_size": d, "num_heads": 1, "num_key_value_heads": 1, "feature_dim": BASED_FEATURES},
        _matrix(1, dk=lambda d: 1 + BASED_FEATURES + BASED_FEATURES**2, dv=lambda d: d),
        f"Taylor feature map of {BASED_FEATURES} dims, one head, quadratic training view (Zoology's Based)",
    ),
    "hedgehog": _fla(
        "LinearAttention",
        lambda d: {
            "hidden_size": d,
            "num_heads": HEADS,
            "feature_map": "hedgehog",
            "expand_k": 1,
            "expand_v": 1,
        },
        _matrix(dk=lambda d: 2 * (d // HEADS)),
        "learned softmax-mimicking feature map of 2 d_k dims, in float32",
        # the feature map ends in a softmax, which autocast keeps in float32 while v stays bf16, and fla's
        # chunk kernel needs one dtype for k and v (a Triton compile error otherwise)
        float32=True,
    ),
    "retnet": _fla(
        "MultiScaleRetention",
        lambda d: {"hidden_size": d, "num_heads": HEADS, "expand_k": 1, "expand_v": 1},
        _matrix(),
        "fixed per-head decay, xPos-style rotation",
    ),
    "mamba-2": {
        "impl": "mamba2",
        "cls": "Mamba2",
        "kwargs": lambda d: {
            "heads": 2 * d // MAMBA2_HEAD_DIM,
            "head_dim": MAMBA2_HEAD_DIM,
            "state_size": MAMBA2_STATE,
            "conv_kernel": CONV,
        },
        "sizes": lambda d: {
            "heads": 2 * d // MAMBA2_HEAD_DIM,
            "head_dim": MAMBA2_HEAD_DIM,
            "d_inner": 2 * d,
            "state_size": MAMBA2_STATE,
            "conv": CONV,
            "conv_channels": 2 * d + 2 * MAMBA2_STATE,
        },
        "note": f"Mamba-2 block on mamba_ssm's Triton SSD kernel, N = {MAMBA2_STATE}, expand 2",
    },
    "gla": _fla(
        "GatedLinearAttention",
        lambda d: {"hidden_size": d, "num_heads": HEADS, "expand_k": 1, "expand_v": 1},
        _matrix(),
        "low-rank data-dependent diagonal gate",
    ),
    "hgrn2": _fla(
        "HGRN2Attention",
        lambda d: {"hidden_size": d, "expand_ratio": d // HEADS},
        _matrix(),
        "forget gate as keys (1 - f), state expansion d / 2",
    ),
    "rwkv-6": _fla(
        "RWKV6Attention",
        lambda d: {"hidden_size": d, "num_heads": HEADS, "expand_k": 1, "expand_v": 1},
        _matrix_shift(),
        "data-dependent diagonal decay with token shift",
    ),
    "gsa": _fla(
        "GatedSlotAttention",
        lambda d: {
            "hidden_size": d,
            "num_heads": HEADS,
            "num_slots": GSA_SLOTS,
            "expand_k": 1,
            "expand_v": 1,
        },
        lambda d: {"heads": HEADS, "head_dim": d // HEADS, "state_size": GSA_SLOTS},
        f"{GSA_SLOTS} gated slots per head",
    ),
    "deltanet": _fla(
        "DeltaNet",
        lambda d: {"hidden_size": d, "num_heads": HEADS, "use_short_conv": True, "conv_size": CONV},
        _matrix_conv(),
        "delta rule, short convs on q, k, v",
    ),
    "gated-deltanet": _fla(
        "GatedDeltaNet",
        _delta_kwargs,
        _matrix_conv(),
        "gated delta rule with output gate",
        hopper_640=True,
    ),
    "comba": _fla(
        "Comba",
        _delta_kwargs,
        _matrix_conv(),
        "improved closed-loop control delta rule",
        hopper_640=True,
    ),
    "deltaproduct": _fla(
        "GatedDeltaProduct",
        lambda d: {**_delta_kwargs(d), "num_householder": 2, "use_forget_gate": False},
        # q keeps d channels, k and v two per token (one per Householder step)
        _matrix_conv(channels=lambda d: d + 2 * d + 2 * d),
        "two Householder steps per token, no forget gate (the paper's DeltaProduct)",
    ),
    "kda": _fla(
        "KimiDeltaAttention",
        _delta_kwargs,
        _matrix_conv(),
        "delta rule with a per-channel (diagonal) decay",
    ),
    "rwkv-7": _fla(
        "RWKV7Attention",
        # the model's one RWKV-7 layer is its first (it makes v_first itself) in a stack of two blocks; fla
        # spreads its init over layer_idx / (num_hidden_layers - 1), so one layer would divide by zero
        lambda d: {"hidden_size": d, "head_dim": d // HEADS, "layer_idx": 0, "num_hidden_layers": 2},
        _matrix_shift(),
        "generalised delta rule with diagonal decay",
    ),
    # convolution ---------------------------------------------------------------------------------
    "hyena": {
        "impl": "hyena",
        "cls": "Hyena",
        "kwargs": lambda d: {"order": 2, "filter_order": 64, "short_filter": 3},
        "sizes": lambda d: {"heads": 1, "d_inner": d, "conv": 3, "conv_channels": 3 * d},
        "note": "order-2 Hyena: implicit long filters (FFT), short convs of width 3 on its 3 streams",
    },
}

MIXERS: dict[str, Mixer] = {mid: Mixer(model=mid, **spec) for mid, spec in _SPECS.items()}


def sizes_for(model_id: str, d: int) -> dict:
    """MixerSizes fields of ``model_id``'s layer at model width d (None values dropped)."""
    return {k: v for k, v in MIXERS[model_id].sizes(d).items() if v is not None}


def taxonomy_span(decays: dict[str, list[str]], readouts: dict[str, str]) -> set[str]:
    """Which parts of the taxonomy the sweep covers: 'softmax' plus each decay type of its models."""
    out = set()
    for mid in MIXERS:
        if readouts.get(mid) == "softmax":
            out.add("softmax")
        out.update(decays.get(mid, []))
    return out
