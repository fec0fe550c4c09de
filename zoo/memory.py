"""Inference memory per sequence: KV cache (grows with context) and recurrent state (fixed), in bytes, and
what one decoding step reads of them.

Glossary
--------
T            context length in tokens
kind         a mixer's MemorySpec.kind (from its block spec): how its per-layer memory scales
sizes        MixerSizes of that mixer inside one hybrid: heads h, KV heads h_kv, head dims d_k / d_v,
             channels d_inner, state size N, window W, short-conv width c and the channels it caches,
             and the attention variants: MLA latent d_c + RoPE key d_R, sink tokens S, selected tokens k,
             selector key d_I
elements     numbers stored; bytes = elements * bytes per element (2 for bf16/fp16, 4 for fp32, 1 for fp8)

Per softmax layer (kind kv_cache or kv_window):
    per_token   d_c + d_R                   MLA: one latent and one RoPE key, shared by all heads
                h_kv * (d_k + d_v)          otherwise: K and V of every KV head (GQA/MQA: h_kv < h)
                + d_I                       a sparse-selection layer also keeps its selector's key
    kept        T                           without a window
                min(T, W + S)               with a window W (kv_window, or a window set for the layer):
                                            the window, plus S sink tokens kept from the start
    kv          kept * per_token
    read        min(kept, k) * (per_token - d_I) + kept * d_I
                                            a decoding step attends to the k selected tokens only (all of
                                            them without selection) and its selector scans every key
    state       the block's ``memory.state`` formula, if any: a fixed state kept beside the cache (Mega's
                EMA, D N), read in full at every step
Per recurrent layer, the block's ``memory.state`` formula (zoo/formula.py), or its kind's default
(KIND_STATE), read in full at every step:
    slots       2 N h d_k                   (N = m, the number of slots: a key and a value each)
    matrix      h d_k d_v
    log_matrix  h d_k d_v L                 (L = floor(log2 T) + 1 levels)
    diag_ssm    D N
    ssd         D N                         (heads x head dim = D)
    vector      D
    long_conv   T * D * N                   (the inputs of its N long convolutions, Hyena's order; counted
                                            as KV cache, read in full)
plus (c - 1) * conv_channels for a short-conv cache, counted as recurrent state.

A layer with two mixers side by side (``parallel``, Falcon-H1) keeps and reads what both keep and read. A
layer that reuses the cache of a layer below (``reuses_cache``: YOCO's cross-decoder, Hymba's paired layers)
keeps nothing and reads what it would read of a cache of its own. Layers of one mixer may differ in some
settings (gpt-oss: a window on every other layer): each layer is sized by HybridSpec.sizes_of, the stack's
sizes for its mixer with the layer's own on top.

The all-attention baseline of a stack: the same number of mixer layers, each full multi-head attention with
the stack's own attention heads and head dims (no grouping, latent, window or selection), caching
T * h * (d_k + d_v) elements.

The browser calculator's math (docs/assets/js/memory.js) implements the same formulas, and the same
baseline, on the same inputs, which the build writes to assets/data/hybrids.json with ``calculator_data``;
tests/test_memory_js.py runs both and compares the bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from zoo.formula import evaluate
from zoo.formula import parse as parse_formula
from zoo.schema.blocks import HybridSpec, MemorySpec, MixerSizes

DTYPE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1}
GROWS = {"kv_cache", "kv_window", "long_conv"}  # memory that depends on T (reported as KV cache)
ATTENTION = ("kv_cache", "kv_window")  # memory kinds of softmax layers
# What a recurrent layer of each kind keeps unless its block writes out more (MemorySpec.state).
KIND_STATE = {
    "slots": "2 N h d_k",
    "matrix": "h d_k d_v",
    "log_matrix": "h d_k d_v L",
    "diag_ssm": "D N",
    "ssd": "D N",
    "vector": "D",
}


@dataclass(frozen=True)
class LayerMemory:
    kv: int  # elements that scale with the context (KV cache, window, stored inputs)
    state: int  # fixed-size recurrent state elements (including short-conv caches)
    read: int  # elements one decoding step reads from kv and state


def layer_elements(mem: MemorySpec, sizes: MixerSizes, T: int) -> LayerMemory:
    """Elements one layer of a mixer keeps for one sequence after T tokens, and reads for the next one."""
    h = sizes.heads or 1
    dk = sizes.head_dim or 0
    dv = sizes.head_dim_v or dk
    n = sizes.state_size or mem.state_size or 0
    d_inner = sizes.d_inner or (h * (sizes.head_dim or 0))
    conv = _conv(mem, sizes, h, dk, dv, d_inner)
    env = {"h": h, "d_k": dk, "d_v": dv, "D": d_inner, "N": n, "L": int(math.floor(math.log2(max(T, 1)))) + 1}
    kind = mem.kind
    if kind in ATTENTION:
        window = sizes.window  # a kv_window mixer without one sees everything, as a full cache does
        kept = min(T, window + (sizes.sink_tokens or 0)) if window else T
        per_token = per_token_elements(sizes)
        index = sizes.indexer_dim or 0
        attended = min(kept, sizes.selected_tokens or kept)
        fixed = conv + (evaluate(state_terms(mem), env) if mem.state else 0)
        read = attended * (per_token - index) + kept * index + fixed
        return LayerMemory(kv=kept * per_token, state=fixed, read=read)
    if kind == "long_conv":  # N long convolutions in a layer (Hyena's order), each keeping its inputs
        kept = T * d_inner * (n or 1)
        return LayerMemory(kv=kept, state=conv, read=kept + conv)
    core = evaluate(state_terms(mem), env)
    return LayerMemory(kv=0, state=core + conv, read=core + conv)


def state_formula(mem: MemorySpec) -> str:
    """The formula of what one recurrent layer keeps: the block's own, or its kind's default."""
    return mem.state or KIND_STATE[mem.kind]


def state_terms(mem: MemorySpec) -> list[list]:
    """state_formula as a polynomial (zoo.formula), the form the browser calculator evaluates."""
    return parse_formula(state_formula(mem))


def per_token_elements(sizes: MixerSizes) -> int:
    """Numbers one softmax layer caches per token: an MLA latent and RoPE key, or K and V of every KV head;
    plus the selector's key of a sparse-selection layer."""
    if sizes.latent_dim:
        cache = sizes.latent_dim + (sizes.rope_dim or 0)
    else:
        dk = sizes.head_dim or 0
        cache = (sizes.kv_heads or sizes.heads or 1) * (dk + (sizes.head_dim_v or dk))
    return cache + (sizes.indexer_dim or 0)


def _conv(mem: MemorySpec, sizes: MixerSizes, h: int, dk: int, dv: int, d_inner: int) -> int:
    """Short-conv cache: the last (c - 1) inputs of every convolved channel."""
    c = sizes.conv or mem.conv
    if not c:
        return 0
    channels = sizes.conv_channels
    if channels is None:
        # default channel count from which streams the block convolves (q, k: h*d_k; v: h*d_v; else d_inner)
        per = {"q": h * dk, "k": h * dk, "v": h * dv}
        streams = mem.conv_streams or ["x"]
        channels = sum(per.get(s, d_inner) for s in streams)
    return (c - 1) * channels


def stack_bytes(hybrid: HybridSpec, memory_of: dict[str, MemorySpec], T: int, dtype: str = "bf16") -> dict:
    """KV-cache and recurrent-state bytes for one sequence of T tokens through the whole stack.

    ``memory_of`` maps zoo mixer ids to their MemorySpec (from the resolved block specs).
    Returns {'kv', 'state', 'read': bytes, 'by_mixer': {id: {'layers', 'kv', 'state', 'read'}}}; 'read' is
    what one decoding step reads of the cache and the state.
    """
    width = DTYPE_BYTES[dtype]
    by_mixer: dict[str, dict] = {}
    for lay in hybrid.layers():
        for mixer in lay.mixer_ids():  # a parallel layer keeps the memory of both its mixers
            per = layer_elements(memory_of[mixer], hybrid.sizes_of(lay, mixer), T)
            if lay.reuses_cache and mixer == lay.mixer:
                per = _reader(per, memory_of[mixer], hybrid.id)
            row = by_mixer.setdefault(mixer, {"layers": 0, "kv": 0, "state": 0, "read": 0})
            row["layers"] += 1
            row["kv"] += per.kv * width
            row["state"] += per.state * width
            row["read"] += per.read * width
    return {key: sum(r[key] for r in by_mixer.values()) for key in ("kv", "state", "read")} | {
        "by_mixer": by_mixer
    }


def _reader(per: LayerMemory, mem: MemorySpec, where: str) -> LayerMemory:
    """A layer that reads another layer's cache: it keeps nothing and reads as much as the owner does."""
    if mem.kind not in ATTENTION or mem.state or mem.conv:
        raise ValueError(f"{where}: only a softmax layer with nothing beside its cache can reuse another's")
    return LayerMemory(kv=0, state=0, read=per.read)


def attention_sizes(hybrid: HybridSpec, memory_of: dict[str, MemorySpec]) -> MixerSizes | None:
    """Heads and head dims of the stack's first softmax layer, as full multi-head attention (every head
    keeps its K and V; no grouping, latent, window, sinks or selection); None without a softmax layer."""
    for lay in hybrid.layers():
        for mixer in lay.mixer_ids():
            if memory_of[mixer].kind in ATTENTION:
                s = hybrid.sizes_of(lay, mixer)
                return MixerSizes(heads=s.heads, head_dim=s.head_dim, head_dim_v=s.head_dim_v)
    return None


def depth(hybrid: HybridSpec) -> int:
    """Mixer layers, bottom to top; a layer with two mixers side by side counts once."""
    return sum(1 for lay in hybrid.layers() if lay.mixer is not None)


def all_attention_bytes(
    hybrid: HybridSpec, memory_of: dict[str, MemorySpec], T: int, dtype: str = "bf16"
) -> int:
    """The baseline: the same number of mixer layers, every one full multi-head softmax attention with a KV
    cache of T tokens, with the heads and head dims of the stack's own softmax layers (attention_sizes).
    A decoding step reads all of it, so this is also the baseline's read per token."""
    sizes = attention_sizes(hybrid, memory_of)
    if sizes is None:
        raise ValueError(f"{hybrid.id} has no softmax layer to size an all-attention baseline")
    return depth(hybrid) * T * per_token_elements(sizes) * DTYPE_BYTES[dtype]


def calculator_data(hybrids, memory_of: dict[str, MemorySpec], models) -> dict:
    """Everything the browser calculator needs, written once by the build (nothing typed twice in JS).

    ``models``: (id, name, short_name, readout) for every model that has a memory spec. A recurrent mixer's
    memory carries its state formula as a polynomial (state_terms), so the browser evaluates the same one.
    """
    return {
        "dtypes": DTYPE_BYTES,
        "grows": sorted(GROWS),
        "models": [
            {
                "id": mid,
                "name": name,
                "short_name": short,
                "readout": readout,
                "memory": _memory_json(memory_of[mid]),
            }
            for mid, name, short, readout in models
            if mid in memory_of
        ],
        "hybrids": [
            {
                "id": h.id,
                "name": h.name,
                "context": h.context,
                "params": h.params,
                "ratio": h.ratio,
                "layers": _layer_groups(h),
                "depth": depth(h),
            }
            for h in hybrids
        ],
    }


def _memory_json(mem: MemorySpec) -> dict:
    out = mem.model_dump(exclude_none=True, exclude={"note", "state", "card_differs"})
    if mem.kind not in GROWS or mem.state:
        out["state_terms"] = state_terms(mem)
    return out


def _layer_groups(h: HybridSpec) -> list[dict]:
    """How many layers of each (mixer, sizes) the stack has: [{mixer, count, sizes}], bottom-most first;
    layers that reuse another layer's cache are a group of their own, with reuses_cache: true."""
    groups: dict[tuple, dict] = {}
    for lay in h.layers():
        for mixer in lay.mixer_ids():
            sizes = h.sizes_of(lay, mixer).model_dump(exclude_none=True, exclude={"note"})
            reuses = lay.reuses_cache and mixer == lay.mixer
            key = (mixer, tuple(sorted(sizes.items())), reuses)
            group = {"mixer": mixer, "count": 0, "sizes": sizes} | ({"reuses_cache": True} if reuses else {})
            groups.setdefault(key, group)["count"] += 1
    return list(groups.values())


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KiB' (binary units, as memory is sized)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover
