"""How much arithmetic and memory traffic each kernel's algorithm needs: the counts behind the achieved rates
and the roofline figure of the Benchmarks page (no torch here).

FLOPs are counted for the algorithm each kernel runs, per head and token of one forward call, multiply-adds
as two FLOPs; elementwise work (gates, exponentials, normalisation) is left out:

    attention   parallel softmax-style attention (cuDNN, fla's parallel kernels): Q K^T and P V, 2 T (K + V)
                per query, halved by the causal mask; a window W caps the keys each query reads
    linear      chunked linear attention with chunk C (fla's chunk kernels, mamba_ssm's SSD, TFLA): the
                dense C x C block Q K^T and its product with V, 2 C (K + V); reading and writing the K x V
                state once per chunk, 4 K V
    delta       the delta rule's chunked (WY / UT) form: linear, plus the C x C matrix of key products and
                the triangular solve (2 C K + C^2 / 3), the transformed keys and values (2 C (K + V)) and
                the correction by the carried state (2 K V)
    slots       ABC / GSA: two chained linear passes through M slots (keys -> slots, slots -> values)
    ttt         TTT-Linear's mini-batch b: the inner model read at keys and queries and updated (6 K V),
                the b x b products inside the mini-batch (6 b K)
    scan        a per-channel scan (RG-LRU, RWKV-4's WKV): a few FLOPs per channel and token
    mimo        a complex diagonal state of P = C / 2 modes read and written through C x P matrices (LRU, S5):
                8 C P per token for B u and Re(C x), 8 P for the complex scan
    fft         causal FFT convolutions of length T per channel (cuFFT): three real FFTs of length 2T,
                2.5 n log2 n each, and the pointwise complex product

Bytes are the fewest a forward call must move through device memory: each input read once and the output
written once (bf16 activations, float32 gates where the kernels take them), nothing for intermediate state.
Their ratio is the arithmetic intensity of the roofline figure: with the measured matmul rate and copy
bandwidth it says whether a kernel could at best be compute-bound or bandwidth-bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BF16, F32 = 2, 4


@dataclass(frozen=True)
class Cost:
    """The algorithm a model's kernel runs, with its sizes (K, V: key and value width per head; None means
    the head dimension D)."""

    kind: str  # attention | linear | delta | slots | ttt | scan | mimo | fft
    chunk: int = 64  # C: chunk (or mini-batch) length of the chunked forms
    key: int | None = None  # K when it is not D (Based's Taylor features)
    gates: float = 0.0  # float32 gate values per head and token, in units of D (1 = one per channel)
    window: int | None = None  # attention: keys each query reads at most
    keys_per_token: int = 1  # DeltaProduct: Householder steps per token
    slots: int = 64  # ABC / GSA: memory slots M
    order: int = 1  # FFT convolutions per call (Hyena: 2)
    levels: bool = False  # log-linear: one more state read per level of the Fenwick tree (log2 of the chunks)
    scan_flops: int = 2  # scan: FLOPs per channel and token
    streams: int = 2  # scan, fft: bf16 tensors of one value per channel and token read or written
    passes: int = 1  # attention: softmax passes over the keys (Differential attention, DeltaFormer: 2)
    key_ratio: float = 1.0  # K / D when the key width follows the head width (MLA: d_h + d_R = 1.5 D)
    cache: float = 1.0  # decode: KV cache size relative to multi-head attention's (GQA: G / H)
    note: str = ""


ATTN = Cost("attention")
COSTS: dict[str, Cost] = {
    "transformer": ATTN,
    "nope": ATTN,
    "rope": ATTN,
    "alibi": Cost("attention", gates=1 / 128),
    "fox": Cost("attention", gates=1 / 128),
    "swa": Cost("attention", window=4096),
    "path": Cost("attention", gates=1.0, note="the Householder products are not counted"),
    "path-fox": Cost("attention", gates=1.0, note="the Householder products are not counted"),
    "wall": Cost("attention", gates=1.0),
    "stick-breaking": ATTN,
    "abc": Cost("slots", gates=0.5),
    "gsa": Cost("slots", gates=0.5),
    "raven": Cost("slots", gates=0.5),
    "linear-attention": Cost("linear"),
    "performer": Cost("linear"),
    "retnet": Cost("linear"),
    "gla": Cost("linear", gates=1.0),
    "hgrn2": Cost("linear", gates=1.0),
    "based": Cost("linear", chunk=16, key=1 + 16 + 16 * 16),
    "deltanet": Cost("delta", gates=1 / 128),
    "gated-deltanet": Cost("delta", gates=2 / 128),
    "kda": Cost("delta", gates=1.0),
    "gdn-2": Cost("delta", gates=2.0),
    "deltaproduct": Cost("delta", keys_per_token=2, gates=4 / 128),
    "rwkv-6": Cost("linear", gates=1.0),
    "rwkv-7": Cost("delta", gates=3.0),
    "log-linear-attention": Cost("linear", gates=18 / 128, levels=True),
    "mamba-2": Cost("linear", chunk=256, gates=2 / 128),
    "mamba-3": Cost("linear", chunk=64, gates=4 / 128),
    "mlstm": Cost("linear", chunk=128, gates=2 / 128),
    "ttt": Cost("ttt", chunk=16, gates=1 / 128),
    "griffin": Cost("scan", scan_flops=2, gates=1.0),
    "rwkv-4": Cost("scan", scan_flops=12, streams=3),
    "s4": Cost("fft"),
    "hyena": Cost("fft", order=2, streams=4),
    "gqa": Cost("attention", cache=4 / 16),
    "mqa": Cost("attention", cache=1 / 16),
    "mla": Cost(
        "attention",
        key_ratio=1.5,
        cache=4.5 / 32,
        note="the prefill form: keys d_h + d_R wide; the latent up- and down-projections are not counted",
    ),
    "gated-attention": Cost("attention", gates=0.5),
    "diff-transformer": Cost("attention", passes=2),
    "sink-logit": Cost("attention", gates=1 / 128),
    "streamingllm": Cost("attention", window=4096),
    "deltaformer": Cost(
        "attention", passes=2, note="the chunked solve for the written values is not counted"
    ),
    "lightning-attention": Cost("linear"),
    "hgrn": Cost("scan", scan_flops=2, gates=1.0),
    "mesanet": Cost("delta", gates=3 / 128, note="the conjugate-gradient steps are not counted"),
    "comba": Cost("delta", gates=2 / 128),
    "preconditioned-deltanet": Cost(
        "delta", gates=4 / 128, note="the curvature estimate's pass is not counted"
    ),
    "nsa": Cost(
        "attention",
        window=1536,
        note="16 selected blocks of 64 and a window of 512; the pooled keys"
        " and the branch gates are not counted",
    ),
    "moba": Cost("attention", window=1536, note="three blocks of 512 per query; the router is not counted"),
    "bigbird": Cost("attention", window=512, note="window 192, 128 global tokens, 3 random blocks of 64"),
    "mega": Cost("attention", note="the EMA convolution (cuFFT) and the projection W_z are not counted"),
    "hedgehog": Cost(
        "linear", key_ratio=2.0, note="the feature maps (one D x D product each) are not counted"
    ),
    "lru": Cost("mimo", streams=2),
    "s5": Cost("mimo", streams=2),
}


def _per_head_token(c: Cost, T: int, D: int) -> float:
    """Forward FLOPs per head and token (per channel and token for scans and convolutions, times D)."""
    K, V, C = c.key or D * c.key_ratio, D, c.chunk
    if c.kind == "attention":
        keys = T / 2 if c.window is None or c.window >= T else c.window - c.window**2 / (2 * T)
        return 2 * keys * (K + V) * c.passes
    if c.kind in ("linear", "delta"):
        flops = 2 * C * (K + V) + 4 * K * V
        if c.kind == "delta":
            flops += 2 * C * K + C * C / 3 + 2 * C * (K + V) + 2 * K * V
        if c.levels:
            flops += 2 * K * V * max(1, math.ceil(math.log2(max(T // C, 2))))
        return flops * c.keys_per_token
    if c.kind == "slots":
        M = c.slots
        return sum(2 * C * (a + b) + 4 * a * b for a, b in ((K, M), (M, V)))
    if c.kind == "ttt":
        return 6 * K * V + 6 * C * K
    if c.kind == "scan":
        return c.scan_flops * D
    if c.kind == "fft":
        n = 2 * T
        per_conv = 3 * 2.5 * n * math.log2(n) / T + 6 * (n / 2 + 1) / T
        return c.order * (per_conv + 1) * D
    raise ValueError(f"unknown cost kind {c.kind!r}")


def forward_flops(model_id: str, B: int, T: int, H: int, D: int) -> float | None:
    """FLOPs of one forward call at batch B, length T, H heads of width D; None for an unknown model."""
    c = COSTS.get(model_id)
    if c is None:
        return None
    if c.kind == "mimo":  # every channel feeds every mode: B u and Re(C x) are C x P complex products
        C = H * D
        P = C // 2
        return B * T * (8 * C * P + 8 * P)
    return B * T * H * _per_head_token(c, T, D)


def forward_bytes(model_id: str, B: int, T: int, H: int, D: int) -> float | None:
    """The fewest bytes one forward call moves: inputs read once, output written once."""
    c = COSTS.get(model_id)
    if c is None:
        return None
    K = c.key or D
    if c.kind in ("scan", "fft", "mimo"):
        filters = c.order * H * D * T * F32 if c.kind == "fft" else 0  # one float32 filter per channel
        return B * T * H * D * (c.streams * BF16 + c.gates * F32) + filters
    per = (2 * K * c.keys_per_token + D * (c.keys_per_token + 1)) * BF16 + c.gates * D * F32
    return B * T * H * per


def decode_bytes(model_id: str, kind: str, T: int, H: int, D: int) -> float | None:
    """Bytes one decoding step (batch 1) must move: the KV cache read once (softmax), or the K x V state
    per head read and written in float32 (recurrent models with a matrix state)."""
    c = COSTS.get(model_id)
    if c is None:
        return None
    if kind == "kv_cache":  # a window caps the cache; grouped and latent caches are smaller per token
        return 2 * min(T, c.window or T) * H * D * BF16 * c.cache
    if c.kind in ("linear", "delta"):
        return 2 * H * (c.key or D) * D * F32
    return None
