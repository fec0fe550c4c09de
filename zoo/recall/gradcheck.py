"""Before a mixer trains at a width, its layer's gradients are checked (imported only inside a worker).

Why: on Hopper, Triton 3.4 - 3.7.0 miscompiles some of fla's backward kernels while their forward passes
stay right (fla issues #640 and #984: wrong dk, db, dg at 64-wide tiles). A layer trained on wrong
gradients still runs and prints an accuracy, often chance, which would read as "this model cannot recall".
So no accuracy is kept unless the layer's backward agrees with its own forward pass:

1. float32, autocast off: for the input x and every parameter p, the derivative of
       L = sum(w * layer(x))        (w a fixed random weighting of the output)
   along a random direction u (shaped like p, scaled to p's size) by central differences,
       (L(p + eps u) - L(p - eps u)) / (2 eps),
   against autograd's <dL/dp, u>. Only the forward pass enters the first, so it is an independent reference.
2. bf16 autocast, as training runs: autograd's dL/dp against the float32 gradient of step 1, per tensor,
   ||g_bf16 - g_fp32|| / ||g_fp32||. A miscompile confined to the bf16 kernels shows here.

Tolerances: Triton's float32 dots run in TF32 (about 1e-3 relative), so the differences are taken with
eps = 3e-2 of each tensor's size and compared to 10 %; bf16 gradients are held to 10 % too. The known
miscompiles are off by about half (ratio 0.5 in #984), far outside either.
"""

from __future__ import annotations

import torch

from .model import build_mixer
from .results import GRAD_TOL

FD_EPS = 3e-2
FD_TOL = BF16_TOL = GRAD_TOL
CHECK_BATCH = 2


def _loss(layer, x, w, bf16: bool):
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        y = layer(x)
    y = y[0] if isinstance(y, (tuple, list)) else y
    return (y.float() * w).sum()


def _grads(layer, x, w, bf16: bool) -> list[torch.Tensor]:
    tensors = [x] + [p for p in layer.parameters() if p.requires_grad]
    for t in tensors:
        t.grad = None
    _loss(layer, x, w, bf16).backward()
    return [torch.zeros_like(t) if t.grad is None else t.grad.detach().clone() for t in tensors]


def _scale(t: torch.Tensor) -> float:
    """The size of a tensor's entries (RMS), or 1 for one initialised to zeros (a bias)."""
    rms = t.detach().float().pow(2).mean().sqrt().item()
    return rms if rms > 0 else 1.0


@torch.no_grad()
def _directional(layer, x, w, t: torch.Tensor, u: torch.Tensor) -> float:
    """(L(t + eps u) - L(t - eps u)) / (2 eps) in float32, t perturbed in place and restored."""
    keep = t.detach().clone()
    t.add_(u, alpha=FD_EPS)
    up = _loss(layer, x, w, bf16=False).item()
    t.copy_(keep).add_(u, alpha=-FD_EPS)
    down = _loss(layer, x, w, bf16=False).item()
    t.copy_(keep)
    return (up - down) / (2 * FD_EPS)


def check(model_id: str, d: int, T: int, device: str = "cuda", seed: int = 0) -> dict:
    """{passed, fd_rel_err, fd_worst, bf16_rel_err, bf16_worst, tensors, T} (and ``why`` when it failed):
    the worst tensor of each test (step 1, step 2), named by parameter (``x`` for the input)."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    torch.manual_seed(seed)
    layer = build_mixer(model_id, d, T).to(device).float()
    names = ["x"] + [n for n, p in layer.named_parameters() if p.requires_grad]
    x = torch.randn(CHECK_BATCH, T, d, generator=gen).to(device).requires_grad_()
    with torch.no_grad():
        w = torch.randn(_loss_shape(layer, x), generator=gen).to(device)
    g32 = _grads(layer, x, w, bf16=False)
    g16 = _grads(layer, x, w, bf16=True)
    tensors = [x] + [p for p in layer.parameters() if p.requires_grad]
    fd_worst, bf_worst = (0.0, ""), (0.0, "")
    for name, t, a32, a16 in zip(names, tensors, g32, g16, strict=True):
        u = torch.randn(t.shape, generator=gen).to(device) * _scale(t)
        auto = (a32 * u).sum().item()
        numeric = _directional(layer, x, w, t, u)
        err = abs(numeric - auto) / max(abs(numeric), abs(auto), 1e-6)
        if err > fd_worst[0]:
            fd_worst = (err, name)
        norm = a32.norm().item()
        if norm > 0:
            bf = (a16.float() - a32).norm().item() / norm
            if bf > bf_worst[0]:
                bf_worst = (bf, name)
    result = {
        "passed": fd_worst[0] <= FD_TOL and bf_worst[0] <= BF16_TOL,
        "fd_rel_err": round(fd_worst[0], 4),
        "fd_worst": fd_worst[1],
        "bf16_rel_err": round(bf_worst[0], 4),
        "bf16_worst": bf_worst[1],
        "tensors": len(tensors),
        "T": T,
    }
    if not result["passed"]:
        result["why"] = verdict(result)
    return result


@torch.no_grad()
def _loss_shape(layer, x) -> torch.Size:
    y = layer(x)
    return (y[0] if isinstance(y, (tuple, list)) else y).shape


def verdict(result: dict) -> str:
    """Why a layer failed the check, in one line (stored as the trials' error)."""
    parts = []
    if result["fd_rel_err"] > FD_TOL:
        parts.append(
            f"float32 gradient of {result['fd_worst']} differs from finite differences of the forward pass "
            f"by {result['fd_rel_err']:.0%}"
        )
    if result["bf16_rel_err"] > BF16_TOL:
        parts.append(
            f"bf16 gradient of {result['bf16_worst']} differs from float32 by {result['bf16_rel_err']:.0%}"
        )
    return "wrong gradients: " + "; ".join(parts)
