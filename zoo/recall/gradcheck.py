"""Before a mixer trains at a width, its layer's gradients are checked (imported only inside a worker).

Why: on Hopper, Triton 3.4 - 3.7.0 miscompiles some of fla's backward kernels while their forward passes
stay right (fla issues #640 and #984: wrong dk, db, dg at 64-wide tiles). A layer trained on wrong
gradients still runs and prints an accuracy, often chance, which would read as "this model cannot recall".
So no accuracy is kept unless the layer's backward agrees with its own forward pass.

For the input x and every parameter p, derivatives of

    L = sum(w * layer(x))        (w a fixed random weighting of the output)

along random directions u (shaped like p, scaled to p's size): by central differences of the forward pass,

    (L(p + eps u) - L(p - eps u)) / (2 eps),

which is an independent reference, against autograd's <dL/dp, u>.

1. float32 (autocast off; the parameters are float32 anyway): differences against autograd, within FD_TOL
   (10 %); then autograd under bf16 autocast, as training runs, against the float32 autograd, within
   BF16_TOL (25 %), which shows a miscompile confined to the bf16 kernels.
2. A kernel that refuses float32 (fla's chunked delta rule and DeltaProduct: "does not support float32")
   is checked under bf16 alone: differences of the bf16 forward against bf16 autograd, over DIRECTIONS
   directions per tensor (one bf16 difference is too noisy), within BF16_TOL. The result says which ran.

Noise floors: each comparison is made against the larger value or the rounding noise of what is compared,
whichever is larger, so a tensor that barely moves the output (its derivative all noise) cannot fail a right
kernel: a TF32 forward (Triton's float32 dots) is known to about 2^-10 ||w * y||, a bf16 forward to 2^-6,
and a bf16 backward's <g, u> to 2^-4 of ||w * dy/du||. scripts/check_gradcheck_cpu.py measures the margins on
the torch-only mixers: right layers stay far inside, a backward halved on purpose (always, or only under
bf16) fails at about 50 %, as the known miscompiles would (ratio 0.5 in #984). The check sees a tensor as a
whole: an error in part of one (the key half of a fused key-value projection) shows only in proportion.
"""

from __future__ import annotations

import math

import torch

from .model import build_mixer
from .results import BF16_TOL, FD_TOL

FD_EPS = {"float32": 3e-2, "bf16": 0.1}  # of each tensor's size: above the rounding, below the curvature
TF32_NOISE = 2.0**-10  # relative error of L from a float32 forward whose dots run in TF32
BF16_NOISE = 2.0**-6  # relative error of L from a bf16 forward
BF16_GRAD_NOISE = 2.0**-4  # error of a bf16 backward's <g, u>, against the size of its terms
DIRECTIONS = 8  # per tensor in the bf16-only check, over which one difference's rounding averages out
CHECK_BATCH = 2


def _out(layer, x, bf16: bool) -> torch.Tensor:
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        y = layer(x)
    return (y[0] if isinstance(y, (tuple, list)) else y).float()


def _grads(layer, x, w, tensors, bf16: bool) -> list[torch.Tensor]:
    for t in tensors:
        t.grad = None
    (_out(layer, x, bf16) * w).sum().backward()
    return [torch.zeros_like(t) if t.grad is None else t.grad.detach().float().clone() for t in tensors]


def _scale(t: torch.Tensor) -> float:
    """The size of a tensor's entries (RMS), or 1 for one initialised to zeros (a bias)."""
    rms = t.detach().float().pow(2).mean().sqrt().item()
    return rms if rms > 0 else 1.0


@torch.no_grad()
def _difference(layer, x, w, t: torch.Tensor, u: torch.Tensor, bf16: bool) -> tuple[float, float]:
    """(dL/du by central differences, ||w * dy/du||), t perturbed in place and restored."""
    eps = FD_EPS["bf16" if bf16 else "float32"]
    keep = t.detach().clone()
    try:
        t.add_(u, alpha=eps)
        up = _out(layer, x, bf16)
        t.copy_(keep).add_(u, alpha=-eps)
        down = _out(layer, x, bf16)
    finally:  # a float32 refusal falls back to the bf16 check, which must see the layer unchanged
        t.copy_(keep)
    dy = (up - down) / (2 * eps)
    return (w * dy).sum().item(), (w * dy).norm().item()


def _rel(a: list[float], b: list[float], noise: float, tol: float) -> float:
    """||a - b|| against tol * the larger, or the noise: <= tol means they agree."""
    diff = math.hypot(*(x - y for x, y in zip(a, b, strict=True)))
    return diff / max(math.hypot(*a), math.hypot(*b), noise / tol, 1e-30)


def _check_float32(layer, x, w, named, gen) -> dict:
    tensors = [t for _, t in named]
    y = _out(layer, x, bf16=False)
    fd_noise = TF32_NOISE * (w * y).norm().item() / (2**0.5 * FD_EPS["float32"])
    g32 = _grads(layer, x, w, tensors, bf16=False)
    g16 = _grads(layer, x, w, tensors, bf16=True)
    fd, bf = (0.0, ""), (0.0, "")
    for (name, t), a32, a16 in zip(named, g32, g16, strict=True):
        u = torch.randn(t.shape, generator=gen).to(t.device) * _scale(t)
        numeric, size = _difference(layer, x, w, t, u, bf16=False)
        auto32, auto16 = (a32 * u).sum().item(), (a16 * u).sum().item()
        fd = max(fd, (_rel([numeric], [auto32], fd_noise, FD_TOL), name))
        bf = max(bf, (_rel([auto16], [auto32], BF16_GRAD_NOISE * size, BF16_TOL), name))
    return {
        "precision": "float32",
        "passed": fd[0] <= FD_TOL and bf[0] <= BF16_TOL,
        "rel_err": round(fd[0], 4),
        "worst": fd[1],
        "bf16_rel_err": round(bf[0], 4),
        "bf16_worst": bf[1],
    }


def _check_bf16(layer, x, w, named, gen) -> dict:
    tensors = [t for _, t in named]
    y = _out(layer, x, bf16=True)
    noise = BF16_NOISE * (w * y).norm().item() / (2**0.5 * FD_EPS["bf16"]) * DIRECTIONS**0.5
    grads = _grads(layer, x, w, tensors, bf16=True)
    worst = (0.0, "")
    for (name, t), g in zip(named, grads, strict=True):
        autos, numerics = [], []
        for _ in range(DIRECTIONS):
            u = torch.randn(t.shape, generator=gen).to(t.device) * _scale(t)
            autos.append((g * u).sum().item())
            numerics.append(_difference(layer, x, w, t, u, bf16=True)[0])
        worst = max(worst, (_rel(numerics, autos, noise, BF16_TOL), name))
    return {
        "precision": "bf16",
        "passed": worst[0] <= BF16_TOL,
        "rel_err": round(worst[0], 4),
        "worst": worst[1],
    }


def check(model_id: str, d: int, T: int, device: str = "cuda", seed: int = 0, float32: bool = True) -> dict:
    """{precision, passed, rel_err, worst, [bf16_rel_err, bf16_worst,] tensors, T} (and ``why`` when it
    failed), the worst tensors named by parameter (``x`` for the input). ``float32=False`` skips to the
    bf16-only check (what a kernel that refuses float32 gets).

    A layer fails only if a second, independent draw (another layer init, x, w and directions) fails too: a
    right kernel whose small tensor fell to rounding once passes a fresh draw, a wrong one fails both."""
    first = _draw(model_id, d, T, device, seed, float32)
    if first["passed"]:
        return first
    second = _draw(model_id, d, T, device, seed + 1, float32)
    return second if second["passed"] else {**first, "second_draw": second["why"]}


def _draw(model_id: str, d: int, T: int, device: str, seed: int, float32: bool) -> dict:
    gen = torch.Generator(device="cpu").manual_seed(seed)
    torch.manual_seed(seed)
    layer = build_mixer(model_id, d, T).to(device)
    _off_zero(layer, gen)
    x = torch.randn(CHECK_BATCH, T, d, generator=gen).to(device).requires_grad_()
    named = [("x", x)] + [(n, p) for n, p in layer.named_parameters() if p.requires_grad]
    with torch.no_grad():
        w = torch.randn(_out(layer, x, bf16=True).shape, generator=gen).to(device)
    refused = None
    if float32:
        try:
            result = _check_float32(layer, x, w, named, gen)
        except Exception as e:  # noqa: BLE001 - any float32 failure: fla's refusals, or a kernel without it
            refused = f"{type(e).__name__}: {e}"[:200]
    if not float32 or refused:
        result = _check_bf16(layer, x, w, named, gen)
        if refused:
            result["float32_refused"] = refused
    result |= {"tensors": len(named), "T": T}
    if not result["passed"]:
        result["why"] = _why(result)
    return result


@torch.no_grad()
def _off_zero(layer, gen) -> None:
    """Give every weight matrix that starts at zeros random entries (standard deviation 1 / sqrt(fan-in)).

    Why: a layer whose output projection starts at zero (fla's RWKV-7) outputs zeros, so the gradient of
    every other tensor is zero as well and the check compares zeros with zeros: it cannot fail, and its noise
    floors, taken relative to the output, vanish. A kernel's correctness does not depend on the values it
    is given, so the check runs where every tensor moves the output; the training still starts from the
    layer's own initialisation."""
    for p in layer.parameters():
        if p.ndim >= 2 and not p.any():
            p.copy_(torch.randn(p.shape, generator=gen).to(p.device) / p.shape[-1] ** 0.5)


def _why(r: dict) -> str:
    """Why a layer failed the check, in one line (stored as the trials' error)."""
    parts = []
    tol = FD_TOL if r["precision"] == "float32" else BF16_TOL
    if r["rel_err"] > tol:
        parts.append(
            f"the {r['precision']} gradient of {r['worst']} differs from finite differences of the forward "
            f"pass by {r['rel_err']:.0%}"
        )
    if r.get("bf16_rel_err", 0) > BF16_TOL:
        parts.append(
            f"the bf16 gradient of {r['bf16_worst']} differs from float32 by {r['bf16_rel_err']:.0%}"
        )
    return "wrong gradients: " + "; ".join(parts)
