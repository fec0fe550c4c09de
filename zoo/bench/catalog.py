"""Which public GPU kernel stands for each model of the zoo (pure data; no torch import).

FAMILIES groups adapters that run in one benchmark subprocess: a compiler crash or a hang in one
family cannot take the others down. Every one of the 38 model ids has an entry; `adapter` is None when
no public fused kernel exists, and `note` then says why (the site shows it, nothing is dropped silently).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kernel:
    adapter: str | None  # key in zoo.bench.adapters.ADAPTERS
    op: str | None  # the public op(s) it times, dotted
    family: str | None  # subprocess group
    note: str | None = None  # why there is no kernel, or what is special about this one


# order = the order of the sweep (softmax baseline first: every crossover needs it)
KERNELS: dict[str, Kernel] = {
    # ---------------------------------------------------------------- softmax readout
    "transformer": Kernel(
        "sdpa_cudnn",
        "torch.nn.functional.scaled_dot_product_attention[cudnn]",
        "sdpa",
        "causal softmax attention, cuDNN backend forced and checked in the profiler",
    ),
    "nope": Kernel(
        "sdpa_cudnn",
        "torch.nn.functional.scaled_dot_product_attention[cudnn]",
        "sdpa",
        "no position encoding: the same kernel as the Transformer, measured separately",
    ),
    "rope": Kernel(
        "sdpa_cudnn_rope",
        "fla.modules.rotary.rotary_embedding + torch SDPA[cudnn]",
        "sdpa",
        "rotary embedding (fla Triton kernel) applied to q and k inside the timed region",
    ),
    "alibi": Kernel(
        "fla_forgetting_attn_alibi",
        "fla.ops.forgetting_attn.parallel_forgetting_attn",
        "fla-softmax",
        "ALiBi as FoX with a constant per-head gate g = -m_h, which gives the exact bias -m_h (i - j)",
    ),
    "fox": Kernel("fla_forgetting_attn", "fla.ops.forgetting_attn.parallel_forgetting_attn", "fla-softmax"),
    "swa": Kernel(
        "fla_parallel_attn_window",
        "fla.ops.attn.parallel_attn(window_size=4096)",
        "fla-softmax",
        "window W = 4096 (fla's Triton attention; cuDNN SDPA has no window argument)",
    ),
    "path": Kernel("fla_path_attn", "fla.ops.path_attn.parallel_path_attn", "fla-path"),
    "path-fox": Kernel("fla_path_attn_fox", "fla.ops.path_attn.parallel_path_attn(g=...)", "fla-path"),
    "wall": Kernel("fla_wall_attn", "fla.ops.wall_attn.parallel_wall_attn", "fla-path"),
    "stick-breaking": Kernel(
        "fla_stickbreaking_attn", "fla.ops.stickbreaking_attn.parallel_stickbreaking_attn", "fla-path"
    ),
    "abc": Kernel("fla_abc", "fla.ops.abc.chunk_abc", "fla-slots", "M = 64 memory slots"),
    "gsa": Kernel("fla_gsa", "fla.ops.gsa.chunk_gsa", "fla-slots", "M = 64 memory slots"),
    "raven": Kernel(
        "fla_gsa_raven",
        "fla.ops.gsa.chunk_gsa (sparse top-k routed gates)",
        "fla-slots",
        "GSA's kernel with Raven's routing (top-8 of 64 slots), as fla's Raven layer calls it",
    ),
    # ---------------------------------------------------------------- linear readout
    "linear-attention": Kernel("fla_linear_attn", "fla.ops.linear_attn.chunk_linear_attn", "fla-linear"),
    "retnet": Kernel("fla_retention", "fla.ops.retention.chunk_retention", "fla-linear"),
    "gla": Kernel("fla_gla", "fla.ops.gla.chunk_gla", "fla-linear"),
    "hgrn2": Kernel(
        "fla_gla_hgrn2",
        "fla.ops.gla.chunk_gla",
        "fla-linear",
        "HGRN2 runs on GLA's kernel with k = 1 - exp(g), as fla's HGRN2 layer does",
    ),
    "based": Kernel(
        "fla_based",
        "fla.ops.based.fused_chunk_based",
        "fla-linear",
        "Taylor feature map on 16-dim q, k (Based's setting); value dim = head dim",
    ),
    "performer": Kernel(
        "fla_linear_attn_favor",
        "fla.ops.linear_attn.chunk_linear_attn(normalize=True)",
        "fla-linear",
        "FAVOR+ random features (m = head dim) computed in torch, timed with the kernel",
    ),
    "deltanet": Kernel("fla_delta_rule", "fla.ops.delta_rule.chunk_delta_rule", "fla-delta"),
    "gated-deltanet": Kernel(
        "fla_gated_delta_rule", "fla.ops.gated_delta_rule.chunk_gated_delta_rule", "fla-delta"
    ),
    "kda": Kernel("fla_kda", "fla.ops.kda.chunk_kda", "fla-delta"),
    "gdn-2": Kernel("fla_gdn2", "fla.ops.gdn2.chunk_gdn2", "fla-delta"),
    "deltaproduct": Kernel(
        "fla_gated_delta_product",
        "fla.ops.gated_delta_product.chunk_gated_delta_product",
        "fla-delta",
        "n_h = 2 Householder steps per token",
    ),
    "rwkv-4": Kernel(
        "fla_rwkv4",
        "fla.ops.rwkv4.fused_recurrent_rwkv4",
        "fla-rwkv",
        "per-channel WKV over C = H x head dim channels; a sequential (not chunked) kernel",
    ),
    "rwkv-6": Kernel("fla_rwkv6", "fla.ops.rwkv6.chunk_rwkv6", "fla-rwkv"),
    "rwkv-7": Kernel("fla_rwkv7", "fla.ops.rwkv7.chunk_rwkv7", "fla-rwkv"),
    "griffin": Kernel(
        "fla_hgrn_griffin",
        "fla.ops.hgrn.chunk_hgrn",
        "fla-other",
        "the RG-LRU recurrence over C = H x head dim channels (the local-attention half of a "
        "Griffin block is SWA)",
    ),
    "ttt": Kernel("fla_ttt_linear", "fla.ops.ttt.chunk_ttt_linear", "fla-other", "TTT-Linear, mini-batch 16"),
    "log-linear-attention": Kernel(
        "fla_log_linear_attn",
        "fla.ops.log_linear_attn.chunk_log_linear_attn",
        "fla-other",
        "Mamba-2-style gates; the kernel takes T < 2^17",
    ),
    "mamba-2": Kernel(
        "mamba_ssm_ssd",
        "mamba_ssm.ops.triton.ssd_combined.mamba_chunk_scan_combined",
        "mamba",
        "one B/C group, d_state = head dim",
    ),
    "mamba-3": Kernel(
        "mamba_ssm_mamba3_siso",
        "mamba_ssm.ops.triton.mamba3.mamba3_siso_combined",
        "mamba",
        "SISO variant (MIMO needs tilelang); one Q/K group, d_state = head dim",
    ),
    "mlstm": Kernel(
        "mlstm_kernels_tfla",
        "mlstm_kernels chunkwise Triton (TFLA)",
        "mlstm",
        "run alone: an earlier configuration crashed Triton's compiler on Hopper",
    ),
    "s4": Kernel(
        "fft_conv_s4",
        "torch.fft (cuFFT) causal long convolution",
        "fft",
        "S4's convolution mode over C = H x head dim channels; generating the kernel is not timed",
    ),
    "hyena": Kernel(
        "fft_conv_hyena",
        "torch.fft (cuFFT), two gated long convolutions",
        "fft",
        "order-2 Hyena operator over C = H x head dim channels; filter networks not timed",
    ),
    # ---------------------------------------------------------------- no public fused kernel
    "mamba": Kernel(
        None,
        None,
        None,
        "no public fused kernel without a CUDA build: Mamba-1's selective scan is a CUDA extension "
        "(selective_scan_cuda) that pip installs only by compiling, and neither mamba_ssm nor fla "
        "ships a Triton scan",
    ),
    "longhorn": Kernel(
        None,
        None,
        None,
        "no public fused kernel on PyPI: the official code patches Mamba's CUDA selective scan, "
        "and its gate (1 - eps k^2) does not fit any fla op",
    ),
    "h3": Kernel(
        None,
        None,
        None,
        "no public fused kernel on PyPI (FlashConv lived in the H3 repository as a CUDA extension); "
        "its cost is a short shift convolution plus S4's FFT convolution, measured under S4",
    ),
}

FAMILY_ORDER = [
    "sdpa",
    "fft",
    "fla-linear",
    "fla-delta",
    "mamba",
    "fla-rwkv",
    "fla-softmax",
    "fla-other",
    "fla-slots",
    "fla-path",
    "mlstm",
]


def families(model_ids) -> dict[str, list[str]]:
    """Group the measurable ids by family, in FAMILY_ORDER, keeping the catalogue's order inside a family."""
    wanted = [m for m in KERNELS if m in set(model_ids) and KERNELS[m].adapter]
    out = {f: [m for m in wanted if KERNELS[m].family == f] for f in FAMILY_ORDER}
    return {f: ms for f, ms in out.items() if ms}


def as_yaml_mapping() -> dict:
    """The content of .scratch/gpu_kernels.yaml: id -> {adapter, op, note}."""
    return {mid: {"adapter": k.adapter, "op": k.op, "note": k.note} for mid, k in KERNELS.items()}
