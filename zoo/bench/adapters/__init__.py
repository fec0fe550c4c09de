"""Torch side of the harness: one adapter per GPU kernel (imported only inside a benchmark worker).

An adapter knows how to draw the kernel's inputs at a shape, call the public kernel (declared by its import
path, shown by its label) and, where the model decodes step by step, set up one decoding step. The float64
reference is the site's kernels_wasm module, through the argument mapping in :mod:`zoo.bench.wasm` (numpy
only, so the CPU tests reach every mapping). Adapters are keyed by the name in each model's
``gpu_kernel.adapter`` in models.yaml (read by :mod:`zoo.bench.catalog`; `zoo validate` checks the keys of
ADAPTERS below): a new GPU kernel is one class in its family's module, one ADAPTERS entry and one mapping.

    base      the Adapter base class, shared decode, lazy imports
    softmax   SDPA and its variants, fla's parallel attention kernels, DeltaFormer, Mega
    sparse    FlexAttention masks (StreamingLLM, BigBird, MoBA) and NSA
    linear    linear and gated linear attention, slot memories, mLSTM
    delta     delta-rule and test-time-training memories
    ssm       scans, state spaces and FFT convolutions
"""

from __future__ import annotations

from .base import DEV, Adapter, load_mamba_ssm_triton, np64
from .delta import (
    FlaComba,
    FlaDelta,
    FlaDeltaProduct,
    FlaGDN,
    FlaGDN2,
    FlaKDA,
    FlaMesa,
    FlaPrecondGDN,
    FlaRWKV7,
    FlaTTT,
)
from .linear import (
    MLSTM,
    FlaABC,
    FlaBased,
    FlaGLA,
    FlaGSA,
    FlaHedgehog,
    FlaHGRN2,
    FlaLightning,
    FlaLinear,
    FlaLogLinear,
    FlaPerformer,
    FlaRaven,
    FlaRetention,
    FlaRWKV6,
)
from .softmax import (
    SDPA,
    FlaAlibi,
    FlaDeltaFormer,
    FlaForgetting,
    FlaPath,
    FlaPathFox,
    FlaSinkLogit,
    FlaStickBreaking,
    FlaSWA,
    FlaWall,
    Mega,
    SDPADiff,
    SDPAGated,
    SDPAGrouped,
    SDPALatent,
    SDPAMultiQuery,
    SDPARope,
)
from .sparse import FlaNSA, FlexBigBird, FlexMoBA, FlexStreaming
from .ssm import FFTConv, FlaGriffin, FlaHGRN, FlaRWKV4, Hyena, LRUScan, Mamba2SSD, Mamba3SISO, S5Scan

__all__ = ["ADAPTERS", "DEV", "Adapter", "load_mamba_ssm_triton", "np64"]

ADAPTERS: dict[str, type[Adapter]] = {
    "sdpa_cudnn": SDPA,
    "sdpa_cudnn_rope": SDPARope,
    "fla_forgetting_attn": FlaForgetting,
    "fla_forgetting_attn_alibi": FlaAlibi,
    "fla_parallel_attn_window": FlaSWA,
    "fla_path_attn": FlaPath,
    "fla_path_attn_fox": FlaPathFox,
    "fla_wall_attn": FlaWall,
    "fla_stickbreaking_attn": FlaStickBreaking,
    "fla_abc": FlaABC,
    "fla_gsa": FlaGSA,
    "fla_gsa_raven": FlaRaven,
    "fla_linear_attn": FlaLinear,
    "fla_linear_attn_favor": FlaPerformer,
    "fla_retention": FlaRetention,
    "fla_gla": FlaGLA,
    "fla_gla_hgrn2": FlaHGRN2,
    "fla_based": FlaBased,
    "fla_delta_rule": FlaDelta,
    "fla_gated_delta_rule": FlaGDN,
    "fla_kda": FlaKDA,
    "fla_gdn2": FlaGDN2,
    "fla_gated_delta_product": FlaDeltaProduct,
    "fla_rwkv4": FlaRWKV4,
    "fla_rwkv6": FlaRWKV6,
    "fla_rwkv7": FlaRWKV7,
    "fla_hgrn_griffin": FlaGriffin,
    "fla_ttt_linear": FlaTTT,
    "fla_log_linear_attn": FlaLogLinear,
    "mamba_ssm_ssd": Mamba2SSD,
    "mamba_ssm_mamba3_siso": Mamba3SISO,
    "mlstm_kernels_tfla": MLSTM,
    "fft_conv_s4": FFTConv,
    "fft_conv_hyena": Hyena,
    "sdpa_gqa": SDPAGrouped,
    "sdpa_mqa": SDPAMultiQuery,
    "sdpa_latent_mla": SDPALatent,
    "sdpa_gated": SDPAGated,
    "sdpa_diff": SDPADiff,
    "fla_attn_sink_bias": FlaSinkLogit,
    "flex_streamingllm": FlexStreaming,
    "fla_lightning_attn": FlaLightning,
    "fla_hgrn": FlaHGRN,
    "fla_mesa_net": FlaMesa,
    "fla_comba": FlaComba,
    "fla_deltaformer": FlaDeltaFormer,
    "fla_nsa": FlaNSA,
    "flex_moba": FlexMoBA,
    "accelerated_scan_lru": LRUScan,
    "accelerated_scan_s5": S5Scan,
    "flex_bigbird": FlexBigBird,
    "fft_sdpa_mega": Mega,
    "fla_linear_attn_hedgehog": FlaHedgehog,
    "fla_precond_gated_delta_rule": FlaPrecondGDN,
}
