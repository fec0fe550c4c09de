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
2. bf16 autocast, as training runs: autograd's <dL/dp, u> against the float32 one of step 1. A miscompile
   confined to the bf16 kernels shows here.

Tolerances: each pair must agree within FD_TOL (10 %) or BF16_TOL (25 %) of the larger, or within the
rounding noise of the values compared, whichever is larger. Triton's float32 dots run in TF32 (10-bit
mantissa), so L is only known to about 2^-10 ||w * y|| (y the layer's output), and the central difference to
that over 2 eps; a bf16 backward rounds each term to 2^-8 and sums them, so <g, u> is taken as known to
2^-4 ||w * dy/du||. The floors keep a tensor that barely moves the output (whose derivative is all noise)
from failing a right kernel; eps = 3e-2 of each tensor's size keeps the difference well above them for the
tensors that matter. scripts/check_gradcheck_cpu.py measures the margins on the torch-only mixers: right
layers stay under 0.2 % and 6 %, a backward halved on purpose (in float32, or under bf16 only) fails at
about 50 %, as the known miscompiles would (ratio 0.5 in #984).
"""

from __future__ import annotations

import torch

from .model import build_mixer
from .results import BF16_TOL, FD_TOL

FD_EPS = 3e-2
TF32_NOISE = 2.0**-10  # relative error of a float32 forward whose dots run in TF32
BF16_NOISE = 2.0**-4  # error of a bf16 backward's <g, u>, against the size of its terms
CHECK_BATCH = 2


def _out(layer, x, bf16: bool) -> torch.Tensor:
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        y = layer(x)
    return (y[0] if isinstance(y, (tuple, list)) else y).float()


def _grads(layer, x, w, bf16: bool) -> list[torch.Tensor]:
    tensors = [x] + [p for p in layer.parameters() if p.requires_grad]
    for t in tensors:
        t.grad = None
    (_out(layer, x, bf16) * w).sum().backward()
    return [torch.zeros_like(t) if t.grad is None else t.grad.detach().clone() for t in tensors]


def _scale(t: torch.Tensor) -> float:
    """The size of a tensor's entries (RMS), or 1 for one initialised to zeros (a bias)."""
    rms = t.detach().float().pow(2).mean().sqrt().item()
    return rms if rms > 0 else 1.0


@torch.no_grad()
def _directional(layer, x, w, t: torch.Tensor, u: torch.Tensor) -> tuple[float, float]:
    """(dL/du by central differences in float32, ||w * dy/du||): t perturbed in place and restored."""
    keep = t.detach().clone()
    t.add_(u, alpha=FD_EPS)
    up = _out(layer, x, bf16=False)
    t.copy_(keep).add_(u, alpha=-FD_EPS)
    down = _out(layer, x, bf16=False)
    t.copy_(keep)
    dy = (up - down) / (2 * FD_EPS)
    return (w * dy).sum().item(), (w * dy).norm().item()


def _rel(a: float, b: float, floor: float, tol: float) -> float:
    """|a - b| against tol * the larger, with the noise floor: <= tol means they agree."""
    return abs(a - b) / max(abs(a), abs(b), floor / tol, 1e-30)


def check(model_id: str, d: int, T: int, device: str = "cuda", seed: int = 0) -> dict:
    """{passed, fd_rel_err, fd_worst, bf16_rel_err, bf16_worst, tensors, T} (and ``why`` when it failed):
    the worst tensor of each test (step 1, step 2), named by parameter (``x`` for the input)."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    torch.manual_seed(seed)
    layer = build_mixer(model_id, d, T).to(device).float()
    named = [("x", None)] + [(n, p) for n, p in layer.named_parameters() if p.requires_grad]
    x = torch.randn(CHECK_BATCH, T, d, generator=gen).to(device).requires_grad_()
    with torch.no_grad():
        y = _out(layer, x, bf16=False)
    w = torch.randn(y.shape, generator=gen).to(device)
    # L(+) - L(-) carries two roundings of about TF32_NOISE ||w * y|| each, and is divided by 2 eps
    fd_floor = TF32_NOISE * (w * y).norm().item() / (2**0.5 * FD_EPS)
    g32 = _grads(layer, x, w, bf16=False)
    g16 = _grads(layer, x, w, bf16=True)
    fd_worst, bf_worst = (0.0, ""), (0.0, "")
    for (name, p), a32, a16 in zip(named, g32, g16, strict=True):
        t = x if p is None else p
        u = torch.randn(t.shape, generator=gen).to(device) * _scale(t)
        numeric, size = _directional(layer, x, w, t, u)
        auto32, auto16 = (a32 * u).sum().item(), (a16.float() * u).sum().item()
        fd_worst = max(fd_worst, (_rel(numeric, auto32, fd_floor, FD_TOL), name))
        bf_worst = max(bf_worst, (_rel(auto16, auto32, BF16_NOISE * size, BF16_TOL), name))
    result = {
        "passed": fd_worst[0] <= FD_TOL and bf_worst[0] <= BF16_TOL,
        "fd_rel_err": round(fd_worst[0], 4),
        "fd_worst": fd_worst[1],
        "bf16_rel_err": round(bf_worst[0], 4),
        "bf16_worst": bf_worst[1],
        "tensors": len(named),
        "T": T,
    }
    if not result["passed"]:
        result["why"] = verdict(result)
    return result


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
